#!/usr/bin/env bash
# cloud.sh: bucket to bucket, mgw side by side with rclone copy between the
# same two S3 servers: versitygw on 127.0.0.1:7071 (the source, seeded once)
# and a second versitygw on 127.0.0.1:7072 (the destination). bench.sh runs
# it after sync.sh; it also runs alone. Prints one table and, at full scale,
# writes it with the machine and versions into its own section of
# test/bench/RESULTS.md.
#
#   S1  20,000 objects x 4 KiB in 200 prefixes, first copy     files/s
#   S2  4 objects x 512 MiB, first copy                         MB/s
#   S3  S1 again, nothing changed                              wall time
#   S5  S2's objects copied to another bucket of the same       MB/s
#       server: mgw copies on the server (CopyObject and
#       UploadPartCopy), against rclone through this host (two
#       remotes of different names) and rclone's own server-side
#       copy (one remote); with the bytes each run moved over
#       loopback (/proc/net/dev, lo: other processes on the host
#       add to it) and, for mgw, the bytes its report says went
#       through the host
#
# Each scenario also has its ceiling, sdkloop (the bare aws-sdk-go-v2
# client, bucket.go) doing the least the scenario needs: S1 a GET and a PUT
# per object, 64 in flight; S3 a listing of the source, 8 or 32 prefixes
# at a time; S5 UploadPartCopy in the source's 16 MiB parts, 8 in flight
# (the copy mgw can verify: its ETag is computed from the same parts).
#
# S3 for mgw is a second `mgw run` of the same once job: a pass that lists
# the source and finds nothing to copy, which is the work a continuous
# job's poll does each time (a poll does not list the destination either).
# For rclone it is `rclone copy` again with nothing to copy, with the flag
# set of its fastest first copy plus each of bench.sh's ways to tell a
# change; the fastest counts.
#
# BENCH_SCALE=small runs 2,000 objects and 4 x 64 MiB for a smoke test; its
# numbers are not worth comparing and it writes no RESULTS.md. BENCH_RUNS=N
# (default 1) repeats every copy and re-run N times and keeps the fastest;
# BENCH_PROFILE=DIR keeps a CPU profile of every mgw run there.
# The benchmark fails only when a tool fails or a copy is wrong, never on a
# missed target. Each first copy goes to a fresh destination bucket (and,
# for mgw, a fresh state dir). mgw runs with its defaults.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
full) nfiles=20000 ndirs=200 nbig=4 bigmib=512 ;;
small) nfiles=2000 ndirs=20 nbig=4 bigmib=64 ;;
*)
	echo "cloud.sh: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac
runs=${BENCH_RUNS:-1}
fsize=4096
perdir=$((nfiles / ndirs))

# The issue's targets, as ratios where > 1 is better for mgw.
target_s1=1.5 # files/s, mgw / rclone
target_s2=1.0 # MB/s, mgw / rclone
target_s3=5   # wall time, rclone / mgw
target_s5=10  # MB/s, mgw (server-side) / rclone through the host

# rclone's flag sets: bench.sh's. Every set checks the destination, as mgw
# does; --no-check-dest would answer another question.
declare -A flags=(
	[rc-s1-a]="--transfers 32 --checkers 32"
	[rc-s1-b]="--transfers 32 --checkers 32 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s1-c]="--transfers 64 --checkers 64 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s2-a]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket"
	[rc-s2-b]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	[rc-s2-c]="--transfers 4 --s3-upload-concurrency 8 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	[rc-s5-host]="--transfers 4 --s3-upload-concurrency 8 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	[rc-s5-server]="--transfers 4 --s3-no-check-bucket"
)
# Re-runs add to S1's best set how rclone tells a change: size + modtime (a
# HEAD per object for the modtime), size + MD5 against the listed ETag, or
# "newer than its upload".
declare -A rerun=([a]="" [b]="--checksum" [c]="--update --use-server-modtime")

# The test servers' fixed credentials; every tool reads them from the
# environment, so they never show in ps or in a config file.
export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY

log() { echo "cloud.sh: $*" >&2; }

# --- tools and servers ---------------------------------------------------

if [ ! -x /usr/bin/time ]; then
	log "installing GNU time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null
fi
if [ ! -x "$bin/rclone" ]; then
	log "installing rclone into $bin (minutes on a cold Go cache)"
	mkdir -p "$bin"
	GOBIN=$bin go install github.com/rclone/rclone@latest
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-cloudbench.XXXXXX")
mkdir -p "$tmp/m" "$tmp/log"
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/sdkloop" ./test/bench/sdkloop)
mgw=$tmp/mgw
# BENCH_PROFILE=DIR keeps a CPU profile of every mgw run there, as
# DIR/RUN.pprof: mgw is run through a wrapper that names the file.
if [ -n "${BENCH_PROFILE:-}" ]; then
	mkdir -p "$BENCH_PROFILE"
	cat >"$tmp/mgw-profiled" <<EOF
#!/bin/sh
exec "$tmp/mgw" --cpuprofile "$(cd "$BENCH_PROFILE" && pwd)/\$BENCH_RUN.pprof" "\$@"
EOF
	chmod +x "$tmp/mgw-profiled"
	mgw=$tmp/mgw-profiled
fi

# Two servers, keep-alive on as in bench.sh. Each is started here only if
# not running, and then stopped here (which also empties it).
export VGW_KEEP_ALIVE=${BENCH_KEEPALIVE:-true}
vgw=$root/test/servers/versitygw.sh
srcport=${BENCH_S3_PORT:-7071} dstport=${BENCH_S3_PORT2:-7072}
stop_ports=()
# server PORT: start versitygw on PORT unless it runs; its endpoint is left
# in EP (not printed: a command substitution would lose stop_ports).
server() {
	local info
	if ! info=$(MGW_S3_PORT=$1 "$vgw" status); then
		info=$(MGW_S3_PORT=$1 "$vgw" start)
		stop_ports+=("$1")
	fi
	EP=$(sed -n 's/^endpoint=//p' <<<"$info")
}
buckets=()
cleanup() {
	local b p
	for b in "${buckets[@]}"; do
		# shellcheck disable=SC2086 # "endpoint bucket" pairs
		set -- $b
		"$tmp/sdkloop" -endpoint "$1" -bucket "$2" purge >/dev/null 2>&1 || log "could not remove bucket $2 at $1"
	done
	for p in "${stop_ports[@]}"; do
		MGW_S3_PORT=$p "$vgw" stop || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
server "$srcport"
srcep=$EP
server "$dstport"
dstep=$EP

# SRCB is the source server under another name: rclone copies between two
# remotes through this host, within one remote on the server.
for r in SRC DST SRCB; do
	ep=$srcep
	[ $r = DST ] && ep=$dstep
	export "RCLONE_CONFIG_${r}_TYPE=s3" "RCLONE_CONFIG_${r}_PROVIDER=Other" \
		"RCLONE_CONFIG_${r}_ENDPOINT=$ep" "RCLONE_CONFIG_${r}_REGION=us-east-1" \
		"RCLONE_CONFIG_${r}_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID" \
		"RCLONE_CONFIG_${r}_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY" \
		"RCLONE_CONFIG_${r}_FORCE_PATH_STYLE=true"
done
rclone=("$bin/rclone" --config /dev/null)
ssdk=("$tmp/sdkloop" -endpoint "$srcep")
dsdk=("$tmp/sdkloop" -endpoint "$dstep")

prefix=cloudbench-$$
# dbucket NAME: create a fresh destination bucket; its name is left in $B.
dbucket() {
	B=$prefix-$1
	"${dsdk[@]}" -bucket "$B" mkbucket
	buckets+=("$dstep $B")
}
# drop NAME: remove destination bucket NAME now, to keep the disk small.
drop() {
	local b=$prefix-$1 keep=() x
	"${dsdk[@]}" -bucket "$b" purge
	for x in "${buckets[@]}"; do
		[ "$x" = "$dstep $b" ] || keep+=("$x")
	done
	buckets=("${keep[@]}")
}

# --- measuring (as bench.sh) ---------------------------------------------

declare -A wall cpu rss net srv
order=()
# lo: bytes received on loopback so far (each byte sent over it once).
lo() { awk -F'[: ]+' '$2 == "lo" { print $3 }' /proc/net/dev; }
# servercpu: the CPU time (user+sys, clock ticks) both servers have used so
# far: what a run costs them tells where the time goes on 2 shared cores.
servercpu() {
	local p t=0
	for p in $(pgrep -f "versitygw --port 127.0.0.1:($srcport|$dstport) "); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "$t"
}
hz=$(getconf CLK_TCK)
# measure RUN CMD...: run CMD, keep its wall time (s), CPU time (user+sys,
# s), peak RSS (MiB) and the servers' CPU time (s). Its output goes to
# $tmp/log/RUN.
measure() {
	local run=$1 t0 t1
	shift
	sync # what earlier steps left dirty is written back before
	local n0 s0
	n0=$(lo)
	s0=$(servercpu)
	t0=$(date +%s%N)
	if ! BENCH_RUN=$run /usr/bin/time -f '%U %S %M' -o "$tmp/m/$run" "$@" >"$tmp/log/$run" 2>&1; then
		log "$run failed: $*"
		tail -n 30 "$tmp/log/$run" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	net[$run]=$(($(lo) - n0))
	srv[$run]=$(awk -v t=$(($(servercpu) - s0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
	wall[$run]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	cpu[$run]=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/m/$run")
	rss[$run]=$(awk '{ printf "%.0f", $3 / 1024 }' "$tmp/m/$run")
	order+=("$run")
	log "$(printf '%-16s %8.2f s wall %7.2f s CPU %5d MiB %8d MB lo %7.2f s server CPU' "$run" "${wall[$run]}" "${cpu[$run]}" "${rss[$run]}" $((net[$run] / 1000000)) "${srv[$run]}")"
}

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# best RUN...: the run with the least wall time.
best() {
	local n b=$1
	for n in "$@"; do
		if awk -v x="${wall[$n]}" -v y="${wall[$b]}" 'BEGIN { exit !(x < y) }'; then
			b=$n
		fi
	done
	echo "$b"
}
# tries CONF: the names of CONF's runs.
tries() {
	local r
	for ((r = 1; r <= runs; r++)); do
		echo "$1-$r"
	done
}

# mgwjob RUN SRCBUCKET DSTBUCKET [DSTENDPOINT]: write a config with job
# bench-RUN copying SRCBUCKET of the source server to DSTBUCKET of the
# destination server (or of DSTENDPOINT), state in its own dir, and print
# its path.
mgwjob() {
	local cfg=$tmp/$1.yaml ep=${4:-$dstep}
	cat >"$cfg" <<EOF
state_dir: $tmp/state-$1
addresses:
  - name: src
    type: s3
    endpoint: $srcep
    region: us-east-1
    bucket: $2
    path_style: true
    access_key_id: \${BENCH_S3_KEY}
    access_key_secret: \${BENCH_S3_SECRET}
  - name: dst
    type: s3
    endpoint: $ep
    region: us-east-1
    bucket: $3
    path_style: true
    access_key_id: \${BENCH_S3_KEY}
    access_key_secret: \${BENCH_S3_SECRET}
jobs:
  - name: bench-$1
    source: src
    destination: dst
EOF
	echo "$cfg"
}

# copied RUN N: mgw's run RUN reported N files copied.
copied() {
	if ! grep -Eq "^copied and verified +$2 " "$tmp/log/$1"; then
		log "$1: mgw did not copy exactly $2 files"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}

# first CONF SRCBUCKET N: copy the N objects of SRCBUCKET to a fresh
# destination bucket per try, with CONF: mgw-* (mgw's defaults) or rc-*
# (with flags[CONF]). The fastest try's name is left in $BEST and its
# bucket kept; the others go.
first() {
	local conf=$1 src=$2 run
	for run in $(tries "$conf"); do
		dbucket "$run"
		# shellcheck disable=SC2086 # flags are words
		case $conf in
		mgw-*)
			measure "$run" "$mgw" run --config "$(mgwjob "$run" "$src" "$B")" "bench-$run"
			copied "$run" "$3"
			;;
		rc-*) measure "$run" "${rclone[@]}" copy "src:$src" "dst:$B" ${flags[$conf]} ;;
		esac
	done
	# shellcheck disable=SC2046 # names are words
	BEST=$(best $(tries "$conf"))
	for run in $(tries "$conf"); do
		[ "$run" = "$BEST" ] || drop "$run"
	done
}

# again CONF CMD...: run CMD (which must change nothing) once per try; the
# fastest try's name is left in $BEST.
again() {
	local conf=$1 run
	shift
	for run in $(tries "$conf"); do
		measure "$run" "$@"
	done
	# shellcheck disable=SC2046
	BEST=$(best $(tries "$conf"))
}

# check SRCBUCKET DSTBUCKET [FLAGS...]: every object of the source bucket
# is in the destination bucket, with the same MD5 unless FLAGS say
# otherwise.
check() {
	local s=$1 d=$2
	shift 2
	if ! "${rclone[@]}" check "src:$s" "dst:$d" --one-way --fast-list --checkers 32 "$@" >"$tmp/log/check-$d" 2>&1; then
		log "copy in $d differs from $s"
		tail -n 20 "$tmp/log/check-$d" >&2
		exit 1
	fi
}

# --- data: the source bucket, seeded once --------------------------------

log "scale $scale, $runs run(s) each: $nfiles objects x $fsize B in $ndirs prefixes; $nbig x $bigmib MiB"
small=$tmp/small big=$tmp/big
mkdir -p "$small" "$big"
for ((d = 0; d < ndirs; d++)); do
	dir=$small/d$(printf %03d $d)
	mkdir "$dir"
	head -c $((perdir * fsize)) /dev/urandom | split -b $fsize -a 4 -d - "$dir/f"
done
for ((i = 0; i < nbig; i++)); do
	head -c $((bigmib << 20)) /dev/urandom >"$big/b$i"
done
bigbytes=$((nbig * bigmib << 20))
ssmall=$prefix-small sbig=$prefix-big
for b in "$ssmall" "$sbig"; do
	"${ssdk[@]}" -bucket "$b" mkbucket
	buckets+=("$srcep $b")
done
log "seeding $srcep"
"${ssdk[@]}" -bucket "$ssmall" -workers 32 put "$small" >"$tmp/log/seed-small"
"${ssdk[@]}" -bucket "$sbig" -parts 8 -part-mib 16 multipart "$big" >"$tmp/log/seed-big"
# The local copies are not needed any more: everything reads the bucket.
rm -rf "$small" "$big"

# --- S1: many small objects, first copy ----------------------------------

log "S1: first copy of $nfiles small objects"
first mgw-s1 "$ssmall" "$nfiles"
mgw_s1=$BEST
tried=()
for v in a b c; do
	first rc-s1-$v "$ssmall" "$nfiles"
	tried+=("$BEST")
done
rc_s1=$(best "${tried[@]}")
for run in "${tried[@]}"; do
	[ "$run" = "$rc_s1" ] || drop "$run"
done
dbucket sdk-s1
measure sdk-s1 "${dsdk[@]}" -bucket "$B" -from-endpoint "$srcep" -from-bucket "$ssmall" -workers 64 copy
check "$ssmall" "$B"
drop sdk-s1
check "$ssmall" "$prefix-$mgw_s1"
check "$ssmall" "$prefix-$rc_s1"

# --- S3: nothing changed -------------------------------------------------

log "S3: run again, nothing changed"
again mgw-s3 "$mgw" run --config "$tmp/$mgw_s1.yaml" "bench-$mgw_s1"
mgw_s3=$BEST
for run in $(tries mgw-s3); do
	copied "$run" 0
done
tried=()
for v in a b c; do
	flags[rc-s3-$v]="${flags[${rc_s1%-*}]}${rerun[$v]:+ ${rerun[$v]}}"
	# shellcheck disable=SC2086
	again rc-s3-$v "${rclone[@]}" copy "src:$ssmall" "dst:$prefix-$rc_s1" ${flags[rc-s3-$v]} -v
	tried+=("$BEST")
	if grep -q ': Copied (' "$tmp/log/$BEST"; then
		log "$BEST: rclone copied something on a no-change run"
		exit 1
	fi
done
rc_s3=$(best "${tried[@]}")
for w in 8 32; do
	measure sdk-s3-$w "${ssdk[@]}" -bucket "$ssmall" -workers $w list
	flags[sdk-s3-$w]="-workers $w list"
done
sdk_s3=$(best sdk-s3-8 sdk-s3-32)
drop "$mgw_s1"
drop "$rc_s1"

# --- S2: a few large objects, first copy ---------------------------------

# Multipart ETags are not MD5s, and the two tools cut parts differently:
# the check compares sizes, and MD5s where rclone can read one.
log "S2: first copy of $nbig x $bigmib MiB"
first mgw-s2 "$sbig" "$nbig"
mgw_s2=$BEST
check "$sbig" "$prefix-$mgw_s2" --size-only
drop "$BEST"
tried=()
for conf in rc-s2-a rc-s2-b rc-s2-c; do
	first $conf "$sbig" "$nbig"
	check "$sbig" "$prefix-$BEST" --size-only
	drop "$BEST"
	tried+=("$BEST")
done
rc_s2=$(best "${tried[@]}")

# --- S5: within one server ----------------------------------------------

# sbucket NAME: a fresh bucket on the source server; its name is left in $B.
sbucket() {
	B=$prefix-$1
	"${ssdk[@]}" -bucket "$B" mkbucket
	buckets+=("$srcep $B")
}
# sdrop NAME: remove bucket NAME of the source server now.
sdrop() {
	local b=$prefix-$1 keep=() x
	"${ssdk[@]}" -bucket "$b" purge
	for x in "${buckets[@]}"; do
		[ "$x" = "$srcep $b" ] || keep+=("$x")
	done
	buckets=("${keep[@]}")
}
# s5 CONF: copy $sbig to a fresh bucket of the same server per try with
# CONF, check it and drop it; the fastest try's name is left in $BEST.
s5() {
	local conf=$1 run
	for run in $(tries "$conf"); do
		sbucket "$run"
		# shellcheck disable=SC2086 # flags are words
		case $conf in
		mgw-*)
			measure "$run" "$mgw" run --config "$(mgwjob "$run" "$sbig" "$B" "$srcep")" "bench-$run"
			copied "$run" "$nbig"
			if ! grep -Eq "^copied server-side +$nbig " "$tmp/log/$run"; then
				log "$run: mgw did not copy all $nbig objects on the server"
				cat "$tmp/log/$run" >&2
				exit 1
			fi
			;;
		rc-s5-host) measure "$run" "${rclone[@]}" copy "src:$sbig" "srcb:$B" ${flags[$conf]} ;;
		rc-s5-server) measure "$run" "${rclone[@]}" copy "src:$sbig" "src:$B" ${flags[$conf]} ;;
		esac
		if ! "${rclone[@]}" check "src:$sbig" "src:$B" --one-way --size-only >"$tmp/log/check-$run" 2>&1; then
			log "copy in $B differs from $sbig"
			tail -n 20 "$tmp/log/check-$run" >&2
			exit 1
		fi
		sdrop "$run"
	done
	# shellcheck disable=SC2046
	BEST=$(best $(tries "$conf"))
}

log "S5: $nbig x $bigmib MiB to another bucket of the same server"
s5 mgw-s5
mgw_s5=$BEST
# mgw's own count of the bytes that went through this host: the files it
# copied less those the server copied, each bigmib MiB.
mgw_s5_host=$(awk -v m=$((bigmib << 20)) '/^copied and verified/ { c = $4 } /^copied server-side/ { s = $3 } END { print (c - s) * m }' "$tmp/log/$mgw_s5")
s5 rc-s5-host
rc_s5_host=$BEST
s5 rc-s5-server
rc_s5_server=$BEST
sbucket sdk-s5
measure sdk-s5 "${ssdk[@]}" -bucket "$B" -from-bucket "$sbig" -parts 8 -part-mib 16 partcopy
sdrop sdk-s5

# --- report --------------------------------------------------------------

fps() { calc "$nfiles / ${wall[$1]}"; }
mbs() { calc "$bigbytes / 1e6 / ${wall[$1]}"; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "no") }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }

s1_m=$(fps "$mgw_s1") s1_r=$(fps "$rc_s1")
s2_m=$(mbs "$mgw_s2") s2_r=$(mbs "$rc_s2")
s3_m=${wall[$mgw_s3]} s3_r=${wall[$rc_s3]}
s5_m=$(mbs "$mgw_s5") s5_h=$(mbs "$rc_s5_host") s5_s=$(mbs "$rc_s5_server")
c1=$(fps sdk-s1) c3=${wall[$sdk_s3]} c5=$(mbs sdk-s5)
r1=$(calc "$s1_m / $s1_r") r2=$(calc "$s2_m / $s2_r") r3=$(calc "$s3_r / $s3_m")
r5=$(calc "$s5_m / $s5_h") r5s=$(calc "$s5_m / $s5_s")
mb() { calc "$1 / 1e6"; }

table=$(
	cat <<EOF
| scenario | mgw | rclone | ratio | target | met? | ceiling | mgw / ceiling | ceiling / rclone |
|---|---:|---:|---:|---:|---|---:|---:|---:|
| S1 first copy, $nfiles x 4 KiB: files/s | $s1_m | $s1_r | $r1 | ≥ $target_s1 | $(met "$r1" $target_s1) | $c1 | $(calc "$s1_m / $c1") | $(calc "$c1 / $s1_r") |
| S2 first copy, $nbig x $bigmib MiB: MB/s | $s2_m | $s2_r | $r2 | ≥ $target_s2 | $(met "$r2" $target_s2) | | | |
| S3 no-change pass over $nfiles objects: wall s | $s3_m | $s3_r | $r3 | ≥ $target_s3 | $(met "$r3" $target_s3) | $c3 | $(calc "$c3 / $s3_m") | $(calc "$s3_r / $c3") |
| S5 within one server, $nbig x $bigmib MiB: MB/s (rclone through the host) | $s5_m | $s5_h | $r5 | ≥ $target_s5 | $(met "$r5" $target_s5) | $c5 | $(calc "$s5_m / $c5") | $(calc "$c5 / $s5_h") |
| S5 the same, against rclone's server-side copy | $s5_m | $s5_s | $r5s | | | | | |

Ratio: > 1 is better for mgw (mgw / rclone for rates, rclone / mgw for
times). rclone: \`rclone copy\` from one server to the other, the best of
the flag sets below. mgw's S3 is a second \`mgw run\` of the once job (it
lists the source and diffs it against its index: a continuous job's poll);
rclone's is \`rclone copy\` with nothing to copy. S5 copies S2's objects
to another bucket of the source server: mgw with its defaults copies on the
server; rclone between two remotes of different names copies through this
host, within one remote on the server. Best of $runs run(s) each.
Ceiling: sdkloop, the bare SDK doing the least each scenario needs (S1 a
GET and a PUT per object, 64 in flight; S3 a listing of the source's
prefixes, 8 or 32 at a time; S5 UploadPartCopy in the source's parts, 8
in flight); "ceiling / rclone" is the most any client could gain over
rclone on this machine. "servers' CPU s" is what both versitygw
processes spent during the run: with the tool's own CPU, on 2 cores, it
bounds the wall time from below.

S5, bytes over loopback (MB; other processes on the host add to it): mgw
$(mb "${net[$mgw_s5]}"), of which its report counts $(mb "$mgw_s5_host") through mgw;
rclone through the host $(mb "${net[$rc_s5_host]}"); rclone server-side $(mb "${net[$rc_s5_server]}").

Peak RSS, MiB:

| scenario | mgw | rclone | mgw ≤ rclone? |
|---|---:|---:|---|
| S1 first copy | ${rss[$mgw_s1]} | ${rss[$rc_s1]} | $(le "${rss[$mgw_s1]}" "${rss[$rc_s1]}") |
| S2 first copy | ${rss[$mgw_s2]} | ${rss[$rc_s2]} | $(le "${rss[$mgw_s2]}" "${rss[$rc_s2]}") |
| S3 nothing changed | ${rss[$mgw_s3]} | ${rss[$rc_s3]} | $(le "${rss[$mgw_s3]}" "${rss[$rc_s3]}") |

Every run, in order:

| run | wall s | CPU s | servers' CPU s | peak RSS MiB | flags |
|---|---:|---:|---:|---:|---|
EOF
	for run in "${order[@]}"; do
		case $run in
		mgw-*) f="defaults (overwrite: if-newer, concurrency 64)" ;;
		sdk-s1) f="sdkloop -workers 64 copy" ;;
		sdk-s3-*) f="sdkloop ${flags[$run]}" ;;
		sdk-s5) f="sdkloop -parts 8 -part-mib 16 partcopy" ;;
		*) f=${flags[${run%-*}]} ;;
		esac
		echo "| $run | ${wall[$run]} | ${cpu[$run]} | ${srv[$run]} | ${rss[$run]} | \`$f\` |"
	done
)
echo
echo "$table"

if [ "$scale" = full ]; then
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	section=$(
		echo "## Bucket to bucket: mgw and rclone"
		echo
		echo "Generated by \`bash test/bench/cloud.sh\` (also part of \`make bench\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "mgw and rclone copy from one versitygw (posix backend, $srcep) to another"
		echo "($dstep), both on loopback (keep-alive: $VGW_KEEP_ALIVE); the source"
		echo "buckets are seeded once, each first copy goes to a fresh bucket. mgw runs with its defaults."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r),"
		echo "load average (the benchmark's own servers and tools count in it)"
		echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end of the run."
		echo
		echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
		echo "$(go version | cut -d' ' -f3), rclone $(mod "$bin/rclone"), versitygw $(mod "$bin/versitygw")."
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section cloud.sh "$section"
	log "wrote its section of test/bench/RESULTS.md"
fi

#!/usr/bin/env bash
# bench.sh: mgw side by side with rclone, same data, same S3 server
# (versitygw on loopback), and a bare aws-sdk-go-v2 loop for the server's
# ceiling. Prints one table and, at full scale, writes it with the machine
# and versions to test/bench/RESULTS.md.
#
#   S1  20,000 files x 4 KiB in 200 folders, first copy      files/s
#   S2  4 files x 512 MiB, first copy                        MB/s
#   S3  S1 again, nothing changed                            wall time
#   S4  S1 again after rewriting 1% of the files             wall time
#
# BENCH_SCALE=small runs the same scenarios on 2,000 files and 4 x 64 MiB
# for a smoke test; its numbers are not worth comparing and it writes no
# RESULTS.md. The benchmark fails only when a tool fails or a copy is
# wrong, never on a missed target.
#
# Each first copy goes to a fresh bucket (and, for mgw, a fresh state dir).
# mgw runs with its defaults (overwrite: if-newer, concurrency 16). rclone
# runs several flag sets per scenario and the best one counts.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
full) nfiles=20000 ndirs=200 nbig=4 bigmib=512 ;;
small) nfiles=2000 ndirs=20 nbig=4 bigmib=64 ;;
*)
	echo "bench: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac
fsize=4096
perdir=$((nfiles / ndirs))

# Targets, as ratios where > 1 is better for mgw.
target_s1=1.0  # files/s, mgw / rclone
target_cpu=1.0 # CPU s per 1,000 files, rclone / mgw
target_s2=1.0  # MB/s, mgw / rclone
target_s3=10   # wall time, rclone / mgw
target_s4=3    # wall time, rclone / mgw

# The test server's fixed credentials; every tool reads them from the
# environment, so they never show in ps or in a config file.
export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY

log() { echo "bench: $*" >&2; }

# --- tools -------------------------------------------------------------

if [ ! -x /usr/bin/time ]; then
	log "installing GNU time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null
fi
if [ ! -x "$bin/rclone" ]; then
	log "installing rclone into $bin (minutes on a cold Go cache)"
	mkdir -p "$bin"
	GOBIN=$bin go install github.com/rclone/rclone@latest
fi
if [ ! -x "$root/bin/mgw" ]; then
	(cd "$root" && go build -o bin/mgw ./cmd/mgw)
fi
mgw=$root/bin/mgw

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-bench.XXXXXX")
mkdir -p "$tmp/m" "$tmp/log"
started_server=
buckets=()
cleanup() {
	local b
	for b in "${buckets[@]}"; do
		"${sdk[@]}" -bucket "$b" purge || log "could not remove bucket $b"
	done
	rm -rf "$tmp"
	if [ -n "$started_server" ]; then
		"$root/test/servers/versitygw.sh" stop
	fi
}
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/sdkloop" ./test/bench/sdkloop)
if ! "$root/test/servers/versitygw.sh" status >/dev/null 2>&1; then
	started_server=1
fi
endpoint=$("$root/test/servers/versitygw.sh" start | sed -n 's/^endpoint=//p')

export RCLONE_CONFIG_VGW_TYPE=s3 RCLONE_CONFIG_VGW_PROVIDER=Other \
	RCLONE_CONFIG_VGW_ENDPOINT=$endpoint RCLONE_CONFIG_VGW_REGION=us-east-1 \
	RCLONE_CONFIG_VGW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
	RCLONE_CONFIG_VGW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
	RCLONE_CONFIG_VGW_FORCE_PATH_STYLE=true
rclone=("$bin/rclone" --config /dev/null)
sdk=("$tmp/sdkloop" -endpoint "$endpoint")

prefix=bench-$$
# bucket NAME: create a fresh bucket; its name is left in $B.
bucket() {
	B=$prefix-$1
	"${sdk[@]}" -bucket "$B" mkbucket
	buckets+=("$B")
}
# drop NAME: remove a bucket now, to keep the server's disk small.
drop() {
	local b=$prefix-$1 keep=() x
	"${sdk[@]}" -bucket "$b" purge
	for x in "${buckets[@]}"; do
		[ "$x" = "$b" ] || keep+=("$x")
	done
	buckets=("${keep[@]}")
}

# --- measuring ---------------------------------------------------------

declare -A wall cpu rss
# measure NAME CMD...: run CMD, keep its wall time (s), CPU time (user+sys,
# s) and peak RSS (MiB). Its output goes to $tmp/log/NAME.
measure() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	if ! /usr/bin/time -f '%U %S %M' -o "$tmp/m/$name" "$@" >"$tmp/log/$name" 2>&1; then
		log "$name failed: $*"
		tail -n 30 "$tmp/log/$name" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	wall[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	cpu[$name]=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/m/$name")
	rss[$name]=$(awk '{ printf "%.0f", $3 / 1024 }' "$tmp/m/$name")
	log "$(printf '%-14s %8.2f s wall %7.2f s CPU %5d MiB' "$name" "${wall[$name]}" "${cpu[$name]}" "${rss[$name]}")"
}

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# best NAME...: the name with the least wall time.
best() {
	local n b=$1
	for n in "$@"; do
		if awk -v x="${wall[$n]}" -v y="${wall[$b]}" 'BEGIN { exit !(x < y) }'; then
			b=$n
		fi
	done
	echo "$b"
}

# mgwjob NAME SRC BUCKET: write a config for job bench-NAME copying SRC to BUCKET,
# with its own state dir, and print its path.
mgwjob() {
	local cfg=$tmp/$1.yaml
	cat >"$cfg" <<EOF
state_dir: $tmp/state-$1
addresses:
  - name: src
    type: local
    path: $2
  - name: dst
    type: s3
    endpoint: $endpoint
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

# check SRC BUCKET: every file of SRC is in BUCKET with the same MD5.
check() {
	if ! "${rclone[@]}" check "$1" "vgw:$2" --one-way --fast-list --checkers 32 >"$tmp/log/check-$2" 2>&1; then
		log "copy in $2 differs from $1"
		tail -n 20 "$tmp/log/check-$2" >&2
		exit 1
	fi
}

# copied RUN N: mgw's run RUN reported N files copied.
copied() {
	if ! grep -Eq "^copied and verified +$2 " "$tmp/log/$1"; then
		log "$1: mgw did not copy exactly $2 files"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}

# --- data --------------------------------------------------------------

log "scale $scale: $nfiles files x $fsize B in $ndirs folders; $nbig x $bigmib MiB"
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

# rclone's flag sets, by the name of the run that uses them. Every set
# checks the destination, as mgw does: --no-check-dest would skip that and
# answer another question.
declare -A flags=(
	[rc-s1-a]="--transfers 32 --checkers 32"
	[rc-s1-b]="--transfers 32 --checkers 32 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s1-c]="--transfers 64 --checkers 64 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s2-a]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket"
	[rc-s2-b]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	[rc-s2-c]="--transfers 4 --s3-upload-concurrency 8 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
)
# Re-runs add to S1's best set how to tell a change: size + modtime (a HEAD
# per object for the modtime), size + MD5 against the listed ETag, or
# "newer than its upload".
declare -A rerun=([a]="" [b]="--checksum" [c]="--update --use-server-modtime")

# --- S1: many small files, first copy ----------------------------------

log "S1: first copy of $nfiles small files"
bucket mgw-s1
cfg_s1=$(mgwjob s1 "$small" "$B")
measure mgw-s1 "$mgw" run --config "$cfg_s1" bench-s1
copied mgw-s1 "$nfiles"
for v in a b c; do
	bucket rc-s1-$v
	# shellcheck disable=SC2086 # flags are words
	measure rc-s1-$v "${rclone[@]}" copy "$small" "vgw:$B" ${flags[rc-s1-$v]}
done
rc_s1=$(best rc-s1-a rc-s1-b rc-s1-c)
for v in a b c; do
	[ "rc-s1-$v" = "$rc_s1" ] || drop "rc-s1-$v"
done
bucket sdk-s1
measure sdk-put "${sdk[@]}" -bucket "$B" -workers 64 put "$small"
drop sdk-s1
check "$small" "$prefix-mgw-s1"
check "$small" "$prefix-$rc_s1"

# --- S3: nothing changed -----------------------------------------------

log "S3: run again, nothing changed"
measure mgw-s3 "$mgw" run --config "$cfg_s1" bench-s1
copied mgw-s3 0
for v in a b c; do
	flags[rc-s3-$v]="${flags[$rc_s1]} ${rerun[$v]}"
	# shellcheck disable=SC2086
	measure rc-s3-$v "${rclone[@]}" copy "$small" "vgw:$prefix-$rc_s1" ${flags[rc-s3-$v]}
done
rc_s3=$(best rc-s3-a rc-s3-b rc-s3-c)

# --- S4: 1% rewritten --------------------------------------------------

# One file in each of the first nchanged folders, or several per folder
# when there are fewer folders than that. Same size, new content, new
# mtime: the upload times (whole seconds) must be older than the rewrite.
nchanged=$((nfiles / 100))
log "S4: rewrite $nchanged files, run again"
sleep 1
changed=0
for ((i = 0; changed < nchanged; i++)); do
	f=$small/d$(printf %03d $((i % ndirs)))/f$(printf %04d $((i / ndirs)))
	head -c $fsize /dev/urandom >"$f"
	changed=$((changed + 1))
done
measure mgw-s4 "$mgw" run --config "$cfg_s1" bench-s1
flags[rc-s4]=${flags[$rc_s3]}
# shellcheck disable=SC2086
measure rc-s4 "${rclone[@]}" copy "$small" "vgw:$prefix-$rc_s1" ${flags[rc-s4]}
check "$small" "$prefix-mgw-s1"
check "$small" "$prefix-$rc_s1"
copied mgw-s4 $nchanged
drop mgw-s1
drop "$rc_s1"

# --- S2: a few large files, first copy ---------------------------------

log "S2: first copy of $nbig x $bigmib MiB"
bucket mgw-s2
measure mgw-s2 "$mgw" run --config "$(mgwjob s2 "$big" "$B")" bench-s2
drop mgw-s2
for v in a b c; do
	bucket rc-s2-$v
	# shellcheck disable=SC2086
	measure rc-s2-$v "${rclone[@]}" copy "$big" "vgw:$B" ${flags[rc-s2-$v]}
	drop rc-s2-$v
done
rc_s2=$(best rc-s2-a rc-s2-b rc-s2-c)
bucket sdk-s2
measure sdk-mpu "${sdk[@]}" -bucket "$B" -parts 8 -part-size $((16 << 20)) multipart "$big"
drop sdk-s2

# --- report ------------------------------------------------------------

fps() { calc "$nfiles / ${wall[$1]}"; }
mbs() { calc "$bigbytes / 1e6 / ${wall[$1]}"; }
per1k() { calc "${cpu[$1]} * 1000 / $nfiles"; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "no") }'; }

s1_m=$(fps mgw-s1) s1_r=$(fps "$rc_s1") s1_c=$(fps sdk-put)
c_m=$(per1k mgw-s1) c_r=$(per1k "$rc_s1")
s2_m=$(mbs mgw-s2) s2_r=$(mbs "$rc_s2") s2_c=$(mbs sdk-mpu)
s3_m=${wall[mgw-s3]} s3_r=${wall[$rc_s3]}
s4_m=${wall[mgw-s4]} s4_r=${wall[rc-s4]}
r1=$(calc "$s1_m / $s1_r") rcpu=$(calc "$c_r / $c_m") r2=$(calc "$s2_m / $s2_r")
r3=$(calc "$s3_r / $s3_m") r4=$(calc "$s4_r / $s4_m")

table=$(
	cat <<EOF
| scenario | mgw | rclone | ratio | target | met? | SDK loop | mgw / SDK |
|---|---:|---:|---:|---:|---|---:|---:|
| S1 first copy, $nfiles x 4 KiB: files/s | $s1_m | $s1_r | $r1 | ≥ $target_s1 | $(met "$r1" $target_s1) | $s1_c | $(calc "$s1_m / $s1_c") |
| S1 CPU s (user+sys) per 1,000 files | $c_m | $c_r | $rcpu | ≥ $target_cpu | $(met "$rcpu" $target_cpu) | | |
| S2 first copy, $nbig x $bigmib MiB: MB/s | $s2_m | $s2_r | $r2 | ≥ $target_s2 | $(met "$r2" $target_s2) | $s2_c | $(calc "$s2_m / $s2_c") |
| S3 run again, nothing changed: wall s | $s3_m | $s3_r | $r3 | ≥ $target_s3 | $(met "$r3" $target_s3) | | |
| S4 $nchanged files (1%) rewritten: wall s | $s4_m | $s4_r | $r4 | ≥ $target_s4 | $(met "$r4" $target_s4) | | |

Ratio: > 1 is better for mgw (mgw / rclone for rates, rclone / mgw for
times and CPU). SDK loop: aws-sdk-go-v2 alone, PutObject with 64 in flight
(S1), multipart with 8 parts of 16 MiB in flight (S2).

Peak RSS, MiB:

| scenario | mgw | rclone | SDK loop |
|---|---:|---:|---:|
| S1 first copy | ${rss[mgw-s1]} | ${rss[$rc_s1]} | ${rss[sdk-put]} |
| S2 first copy | ${rss[mgw-s2]} | ${rss[$rc_s2]} | ${rss[sdk-mpu]} |
| S3 nothing changed | ${rss[mgw-s3]} | ${rss[$rc_s3]} | |
| S4 1% rewritten | ${rss[mgw-s4]} | ${rss[rc-s4]} | |

Every run (the rclone row in the table above is the best of its flag sets):

| run | wall s | CPU s | peak RSS MiB | flags |
|---|---:|---:|---:|---|
EOF
	for n in mgw-s1 rc-s1-a rc-s1-b rc-s1-c sdk-put mgw-s3 rc-s3-a rc-s3-b rc-s3-c mgw-s4 rc-s4 \
		mgw-s2 rc-s2-a rc-s2-b rc-s2-c sdk-mpu; do
		f=${flags[$n]:-}
		case $n in
		mgw-*) f="defaults (overwrite: if-newer, concurrency 16)" ;;
		sdk-put) f="-workers 64" ;;
		sdk-mpu) f="-parts 8 -part-size 16MiB" ;;
		esac
		echo "| $n | ${wall[$n]} | ${cpu[$n]} | ${rss[$n]} | \`$f\` |"
	done
)
echo
echo "$table"

if [ "$scale" = full ]; then
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	{
		echo "# Benchmark results"
		echo
		echo "Generated by \`make bench\` (\`bash test/bench/bench.sh\`, BENCH_SCALE=$scale) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "mgw writes to versitygw's posix backend on loopback; each first copy goes to a fresh bucket."
		echo "mgw runs with its defaults; rclone with the best of the flag sets listed below."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r),"
		echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the run."
		echo
		echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
		echo "$(go version | cut -d' ' -f3), rclone $(mod "$bin/rclone"), versitygw $(mod "$bin/versitygw")."
		echo
		echo "$table"
	} >"$root/test/bench/RESULTS.md"
	log "wrote test/bench/RESULTS.md"
fi

#!/usr/bin/env bash
# bench.sh: mgw side by side with rclone, same data, same S3 server
# (versitygw on loopback), MinIO's `mc mirror` for the large files, and a
# bare aws-sdk-go-v2 loop for the server's ceiling. Prints one table and, at full scale, writes it with the machine
# and versions to test/bench/RESULTS.md.
#
#   S1  20,000 files x 4 KiB in 200 folders, first copy      files/s
#   S2  4 files x 512 MiB, first copy                        MB/s
#   S3  S1 again, nothing changed                            wall time
#   S4  S1 again after rewriting 1% of the files             wall time
#
# BENCH_SCALE=small runs the same scenarios on 2,000 files and 4 x 64 MiB
# for a smoke test; its numbers are not worth comparing and it writes no
# RESULTS.md. BENCH_ONLY=S2 runs the large files alone (mgw, rclone, mc
# and the SDK loop) and nothing after them, for tuning that path; at full
# scale it writes a section of its own. BENCH_RUNS=N (default 1) repeats
# every first copy and re-run N times and keeps the fastest, for a busy machine. BENCH_PROFILE=DIR
# keeps a CPU profile of every mgw run there (go tool pprof DIR/RUN.pprof).
# The benchmark fails
# only when a tool fails or a copy is wrong, never on a missed target.
# It ends with test/bench/sync.sh, the continuous-sync figures, and
# test/bench/nas.sh, an SMB share as the source, on the same server, then
# test/bench/cloud.sh, bucket to bucket from this server to a second one,
# test/bench/check.sh, mgw check beside rclone check, and
# test/bench/shards.sh, one job over 1, 2 and 4 shards.
#
# Each first copy goes to a fresh bucket (and, for mgw, a fresh state dir).
# mgw runs with its defaults (overwrite: if-newer, concurrency 64). rclone
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
runs=${BENCH_RUNS:-1}
only=${BENCH_ONLY:-}
case $only in
"" | S2) ;;
*)
	echo "bench: BENCH_ONLY must be S2 or unset, not $only" >&2
	exit 2
	;;
esac
fsize=4096
perdir=$((nfiles / ndirs))
nchanged=$((nfiles / 100))

# Targets, as ratios where > 1 is better for mgw.
# The issue's targets.
target_s1=1.5    # files/s, mgw / rclone
target_cpu=1.0   # CPU s per 1,000 files, rclone / mgw
target_s2=1.0    # MB/s, mgw / rclone
target_s2sdk=0.95 # MB/s, mgw / the bare SDK multipart loop
target_s2mc=1.1   # MB/s, mgw / mc mirror
target_s2mcrss=16 # MiB: mgw's peak RSS at most mc's plus this
target_s3=20     # wall time, rclone / mgw
target_s4=10     # wall time, rclone / mgw

# rclone's flag sets. Every set checks the destination, as mgw does:
# --no-check-dest would skip that and answer another question.
declare -A flags=(
	[rc-s1-a]="--transfers 32 --checkers 32"
	[rc-s1-b]="--transfers 32 --checkers 32 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s1-c]="--transfers 64 --checkers 64 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s2-a]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket"
	[rc-s2-b]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	[rc-s2-c]="--transfers 4 --s3-upload-concurrency 8 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	# The server's ceiling. On few cores more requests in flight can be
	# slower, so several; 16 x 8 MiB is mgw's own shape.
	[sdk-s1-16]="-workers 16 put"
	[sdk-s1-32]="-workers 32 put"
	[sdk-s1-64]="-workers 64 put"
	[sdk-s2-8x16]="-parts 8 -part-mib 16 multipart"
	[sdk-s2-16x8]="-parts 16 -part-mib 8 multipart"
	# mgw's own shape: 8 MiB parts, 6 in flight over all files.
	[sdk-s2-6x8]="-parts 6 -part-mib 8 multipart"
	# The same with a CRC32C on each part instead of Content-MD5, as mgw
	# sends them to S3.
	[sdk-s2-6x8c]="-crc32c -parts 6 -part-mib 8 multipart"
	# mc mirror with its defaults (16 MiB parts for these sizes).
	[mc-s2-a]=""
)
# Re-runs add to S1's best set how rclone tells a change: size + modtime (a
# HEAD per object for the modtime), size + MD5 against the listed ETag, or
# "newer than its upload".
declare -A rerun=([a]="" [b]="--checksum" [c]="--update --use-server-modtime")

# The test server's fixed credentials; every tool reads them from the
# environment, so they never show in ps or in a config file.
export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY

log() { echo "bench: $*" >&2; }

# --- tools and server ----------------------------------------------------

if [ ! -x /usr/bin/time ]; then
	log "installing GNU time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null
fi
if [ ! -x "$bin/rclone" ]; then
	log "installing rclone into $bin (minutes on a cold Go cache)"
	mkdir -p "$bin"
	GOBIN=$bin go install github.com/rclone/rclone@latest
fi
if [ ! -x "$bin/mc" ]; then
	log "installing mc into $bin (minutes on a cold Go cache)"
	mkdir -p "$bin"
	GOBIN=$bin go install github.com/minio/mc@latest
fi
# Always built: a binary left from an older tree would measure old code.
(cd "$root" && go build -o bin/mgw ./cmd/mgw)
mgw=$root/bin/mgw
if [ -n "${BENCH_PROFILE:-}" ]; then
	mkdir -p "$BENCH_PROFILE"
	profile=$(cd "$BENCH_PROFILE" && pwd)
fi
# mgwrun RUN ARGS...: mgw ARGS, with a CPU profile when asked for one.
mgwrun() {
	local run=$1
	shift
	measure "$run" "$mgw" ${profile:+--cpuprofile "$profile/$run.pprof"} "$@"
}

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
# The benchmark's own server, apart from the tests' one: keep-alive on by
# default, as every production object store keeps connections open (with
# it off, versitygw closes each connection after one answer and both tools
# spend a fifth of their CPU on connecting). BENCH_KEEPALIVE=false for the
# server's default.
export MGW_S3_PORT=${BENCH_S3_PORT:-7071}
export VGW_KEEP_ALIVE=${BENCH_KEEPALIVE:-true}
"$root/test/servers/versitygw.sh" stop >/dev/null 2>&1 || true
started_server=1
endpoint=$("$root/test/servers/versitygw.sh" start | sed -n 's/^endpoint=//p')

export RCLONE_CONFIG_VGW_TYPE=s3 RCLONE_CONFIG_VGW_PROVIDER=Other \
	RCLONE_CONFIG_VGW_ENDPOINT=$endpoint RCLONE_CONFIG_VGW_REGION=us-east-1 \
	RCLONE_CONFIG_VGW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
	RCLONE_CONFIG_VGW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
	RCLONE_CONFIG_VGW_FORCE_PATH_STYLE=true
rclone=("$bin/rclone" --config /dev/null)
# mc reads the server and its keys from MC_HOST_<alias>, so they stay out
# of ps and of its config dir (its own, in $tmp).
export MC_HOST_vgw="${endpoint%%://*}://$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY@${endpoint#*://}"
mc=("$bin/mc" --config-dir "$tmp/mc" --quiet --no-color)
sdk=("$tmp/sdkloop" -endpoint "$endpoint")

prefix=bench-$$
# bucket NAME: create a fresh bucket; its name is left in $B.
bucket() {
	B=$prefix-$1
	"${sdk[@]}" -bucket "$B" mkbucket
	buckets+=("$B")
}
# drop NAME: remove bucket NAME now, to keep the server's disk small.
drop() {
	local b=$prefix-$1 keep=() x
	"${sdk[@]}" -bucket "$b" purge
	for x in "${buckets[@]}"; do
		[ "$x" = "$b" ] || keep+=("$x")
	done
	buckets=("${keep[@]}")
}

# --- measuring -----------------------------------------------------------

declare -A wall cpu rss
order=()
# measure RUN CMD...: run CMD, keep its wall time (s), CPU time (user+sys,
# s) and peak RSS (MiB). Its output goes to $tmp/log/RUN.
measure() {
	local run=$1 t0 t1
	shift
	# Write back what earlier steps left dirty (the data just made, the
	# server's copy of the last run), so no run pays for another's.
	sync
	t0=$(date +%s%N)
	if ! /usr/bin/time -f '%U %S %M' -o "$tmp/m/$run" "$@" >"$tmp/log/$run" 2>&1; then
		log "$run failed: $*"
		tail -n 30 "$tmp/log/$run" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	wall[$run]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	cpu[$run]=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/m/$run")
	rss[$run]=$(awk '{ printf "%.0f", $3 / 1024 }' "$tmp/m/$run")
	order+=("$run")
	log "$(printf '%-16s %8.2f s wall %7.2f s CPU %5d MiB' "$run" "${wall[$run]}" "${cpu[$run]}" "${rss[$run]}")"
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

# mgwjob RUN SRC BUCKET: write a config with job bench-RUN copying SRC to
# BUCKET, state in its own dir, and print its path.
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

# copied RUN N: mgw's run RUN reported N files copied.
copied() {
	if ! grep -Eq "^copied and verified +$2 " "$tmp/log/$1"; then
		log "$1: mgw did not copy exactly $2 files"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}

# copy CONF RUN SRC N: copy the N files of SRC to a fresh bucket with
# CONF: mgw-* (mgw's defaults), rc-*, mc-* or sdk-* (with flags[CONF]);
# the bucket's name is left in $B.
copy() {
	local conf=$1 run=$2 src=$3
	bucket "$run"
	# Every tool reads the source from the page cache: this machine's
	# reclaim (DAMON) evicts files left unread a while. (The first run of
	# a series is slower still, cause not found: not the cache alone.)
	find "$src" -type f -exec cat {} + >/dev/null
	# shellcheck disable=SC2086 # flags are words
	case $conf in
	mgw-*)
		mgwrun "$run" run --config "$(mgwjob "$run" "$src" "$B")" "bench-$run"
		copied "$run" "$4"
		;;
	rc-*) measure "$run" "${rclone[@]}" copy "$src" "vgw:$B" ${flags[$conf]} ;;
	mc-*) measure "$run" "${mc[@]}" mirror ${flags[$conf]} "$src" "vgw/$B" ;;
	sdk-*) measure "$run" "${sdk[@]}" -bucket "$B" ${flags[$conf]} "$src" ;;
	esac
}

# first CONF SRC N: copy, once per try. The fastest try's name is left in
# $BEST and its bucket kept; the others go.
first() {
	local conf=$1 run
	for run in $(tries "$conf"); do
		copy "$conf" "$run" "$2" "$3"
	done
	# shellcheck disable=SC2046 # names are words
	BEST=$(best $(tries "$conf"))
	for run in $(tries "$conf"); do
		[ "$run" = "$BEST" ] || drop "$run"
	done
}

# rounds SRC N CONF...: copy with every CONF in turn, the whole round once
# per try, each bucket dropped right after its run: every tool meets the
# server's disk in the same state, and a drift of the machine over the
# rounds touches every tool alike. Each round starts one tool further on,
# so no tool is always the one right after the data was made or the last
# round's bucket was dropped (the server's disk still busy with either).
rounds() {
	local src=$1 n=$2 r i conf
	shift 2
	for ((r = 1; r <= runs; r++)); do
		for ((i = 0; i < $#; i++)); do
			conf=${@:$(((r - 1 + i) % $# + 1)):1}
			copy "$conf" "$conf-$r" "$src" "$n"
			drop "$conf-$r"
		done
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

# check SRC BUCKET: every file of SRC is in BUCKET with the same MD5.
check() {
	if ! "${rclone[@]}" check "$1" "vgw:$2" --one-way --fast-list --checkers 32 >"$tmp/log/check-$2" 2>&1; then
		log "copy in $2 differs from $1"
		tail -n 20 "$tmp/log/check-$2" >&2
		exit 1
	fi
}

# --- data ----------------------------------------------------------------

log "scale $scale, $runs run(s) each: $nfiles files x $fsize B in $ndirs folders; $nbig x $bigmib MiB"
small=$tmp/small big=$tmp/big
mkdir -p "$small" "$big"
for ((d = 0; d < ndirs && ${#only} == 0; d++)); do
	dir=$small/d$(printf %03d $d)
	mkdir "$dir"
	head -c $((perdir * fsize)) /dev/urandom | split -b $fsize -a 4 -d - "$dir/f"
done
for ((i = 0; i < nbig; i++)); do
	head -c $((bigmib << 20)) /dev/urandom >"$big/b$i"
done
bigbytes=$((nbig * bigmib << 20))

if [ -z "$only" ]; then
# --- S1: many small files, first copy ------------------------------------

log "S1: first copy of $nfiles small files"
first mgw-s1 "$small" "$nfiles"
mgw_s1=$BEST
tried=()
for v in a b c; do
	first rc-s1-$v "$small" "$nfiles"
	tried+=("$BEST")
done
rc_s1=$(best "${tried[@]}")
for run in "${tried[@]}"; do
	[ "$run" = "$rc_s1" ] || drop "$run"
done
tried=()
for w in 16 32 64; do
	first sdk-s1-$w "$small" "$nfiles"
	drop "$BEST"
	tried+=("$BEST")
done
sdk_s1=$(best "${tried[@]}")
check "$small" "$prefix-$mgw_s1"
check "$small" "$prefix-$rc_s1"

# --- S3: nothing changed -------------------------------------------------

log "S3: run again, nothing changed"
for run in $(tries mgw-s3); do
	mgwrun "$run" run --config "$tmp/$mgw_s1.yaml" "bench-$mgw_s1"
done
# shellcheck disable=SC2046
mgw_s3=$(best $(tries mgw-s3))
for run in $(tries mgw-s3); do
	copied "$run" 0
done
tried=()
for v in a b c; do
	flags[rc-s3-$v]="${flags[${rc_s1%-*}]}${rerun[$v]:+ ${rerun[$v]}}"
	# shellcheck disable=SC2086
	again rc-s3-$v "${rclone[@]}" copy "$small" "vgw:$prefix-$rc_s1" ${flags[rc-s3-$v]}
	tried+=("$BEST")
done
rc_s3=$(best "${tried[@]}")

# --- S4: 1% rewritten ----------------------------------------------------

# One file in each folder in turn: same size, new content, new mtime. The
# upload times (whole seconds on S3) must be older than the rewrite.
log "S4: rewrite $nchanged files, run again"
sleep 1
for ((i = 0; i < nchanged; i++)); do
	head -c $fsize /dev/urandom >"$small/d$(printf %03d $((i % ndirs)))/f$(printf %04d $((i / ndirs)))"
done
mgwrun mgw-s4-1 run --config "$tmp/$mgw_s1.yaml" "bench-$mgw_s1"
copied mgw-s4-1 "$nchanged"
flags[rc-s4]=${flags[${rc_s3%-*}]}
# shellcheck disable=SC2086
measure rc-s4-1 "${rclone[@]}" copy "$small" "vgw:$prefix-$rc_s1" ${flags[rc-s4]}
check "$small" "$prefix-$mgw_s1"
check "$small" "$prefix-$rc_s1"
drop "$mgw_s1"
drop "$rc_s1"
fi

# --- S2: a few large files, first copy -----------------------------------

log "S2: first copy of $nbig x $bigmib MiB, every tool in each of $runs round(s)"
rounds "$big" "$nbig" mgw-s2 rc-s2-a rc-s2-b rc-s2-c mc-s2-a sdk-s2-6x8 sdk-s2-6x8c sdk-s2-8x16 sdk-s2-16x8
# shellcheck disable=SC2046 # names are words
mgw_s2=$(best $(tries mgw-s2))
# shellcheck disable=SC2046
rc_s2=$(best $(tries rc-s2-a) $(tries rc-s2-b) $(tries rc-s2-c))
# shellcheck disable=SC2046
mc_s2=$(best $(tries mc-s2-a))
# shellcheck disable=SC2046
sdk_s2=$(best $(tries sdk-s2-6x8) $(tries sdk-s2-6x8c) $(tries sdk-s2-8x16) $(tries sdk-s2-16x8))

# --- report --------------------------------------------------------------

fps() { calc "$nfiles / ${wall[$1]}"; }
mbs() { calc "$bigbytes / 1e6 / ${wall[$1]}"; }
per1k() { calc "${cpu[$1]} * 1000 / $nfiles"; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "no") }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }

# Every run, in order.
runs_table() {
	local run f
	echo "| run | wall s | CPU s | peak RSS MiB | flags |"
	echo "|---|---:|---:|---:|---|"
	for run in "${order[@]}"; do
		case $run in
		mgw-*) f="defaults (overwrite: if-newer, concurrency 64)" ;;
		mc-*) f="mirror ${flags[${run%-*}]:-(defaults)}" ;;
		*) f=${flags[${run%-*}]} ;;
		esac
		echo "| $run | ${wall[$run]} | ${cpu[$run]} | ${rss[$run]} | \`$f\` |"
	done
}

s2_m=$(mbs "$mgw_s2") s2_r=$(mbs "$rc_s2") s2_c=$(mbs "$sdk_s2") s2_mc=$(mbs "$mc_s2")
r2=$(calc "$s2_m / $s2_r") r2c=$(calc "$s2_m / $s2_c") r2mc=$(calc "$s2_m / $s2_mc")
rss_cap=$((${rss[$mc_s2]} + target_s2mcrss))
# The large files, every tool in one table: mgw's rate over each one's.
s2table=$(
	cat <<EOF
S2 first copy, $nbig x $bigmib MiB, beside each tool (mgw / tool: > 1 is better for mgw):

| tool | MB/s | CPU s | peak RSS MiB | mgw / tool | target | met? |
|---|---:|---:|---:|---:|---:|---|
| mgw | $s2_m | ${cpu[$mgw_s2]} | ${rss[$mgw_s2]} | 1.00 | RSS ≤ $rss_cap (mc's + $target_s2mcrss) | $(le "${rss[$mgw_s2]}" "$rss_cap") |
| rclone (best set) | $s2_r | ${cpu[$rc_s2]} | ${rss[$rc_s2]} | $r2 | ≥ $target_s2 | $(met "$r2" $target_s2) |
| mc mirror | $s2_mc | ${cpu[$mc_s2]} | ${rss[$mc_s2]} | $r2mc | ≥ $target_s2mc | $(met "$r2mc" $target_s2mc) |
| SDK multipart loop (best shape) | $s2_c | ${cpu[$sdk_s2]} | ${rss[$sdk_s2]} | $r2c | ≥ $target_s2sdk | $(met "$r2c" $target_s2sdk) |

SDK multipart loop: aws-sdk-go-v2 alone, the best of Content-MD5 on every
part with 6 x 8 MiB (mgw's shape), 8 x 16 MiB and 16 x 8 MiB parts in
flight, and a CRC32C on every part (as mgw sends) with 6 x 8 MiB.
EOF
)
# about: the machine, its load and the versions, for a RESULTS.md section.
about() {
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
	echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r);"
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the run."
	echo
	echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
	echo "$(go version | cut -d' ' -f3), rclone $(mod "$bin/rclone"), mc $(mod "$bin/mc"), versitygw $(mod "$bin/versitygw")."
}

if [ -n "$only" ]; then
	echo
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "$s2table"
	echo
	runs_table
	if [ "$scale" = full ]; then
		section=$(
			echo "## Large files alone: mgw, rclone, mc mirror and a bare multipart loop"
			echo
			echo "Generated by \`BENCH_ONLY=S2 BENCH_RUNS=$runs bash test/bench/bench.sh\` on $(date -u +%Y-%m-%dT%H:%MZ):"
			echo "$nbig x $bigmib MiB from a local folder to versitygw on loopback, a fresh bucket each,"
			echo "dropped right after its run; every tool once per round, $runs round(s), the best of each counts."
			echo
			about
			echo
			echo "$s2table"
			echo
			runs_table
		)
		# shellcheck source-path=SCRIPTDIR source=results.sh
		. "$root/test/bench/results.sh"
		write_section "bench.sh S2" "$section"
		log "BENCH_ONLY=$only: wrote its section of test/bench/RESULTS.md; no other scenario"
	fi
	exit 0
fi

s1_m=$(fps "$mgw_s1") s1_r=$(fps "$rc_s1") s1_c=$(fps "$sdk_s1")
c_m=$(per1k "$mgw_s1") c_r=$(per1k "$rc_s1")
s3_m=${wall[$mgw_s3]} s3_r=${wall[$rc_s3]}
s4_m=${wall[mgw-s4-1]} s4_r=${wall[rc-s4-1]}
r1=$(calc "$s1_m / $s1_r") rcpu=$(calc "$c_r / $c_m")
r3=$(calc "$s3_r / $s3_m") r4=$(calc "$s4_r / $s4_m")

table=$(
	cat <<EOF
| scenario | mgw | rclone | ratio | target | met? | SDK loop | mgw / SDK |
|---|---:|---:|---:|---:|---|---:|---:|
| S1 first copy, $nfiles x 4 KiB: files/s | $s1_m | $s1_r | $r1 | ≥ $target_s1 | $(met "$r1" $target_s1) | $s1_c | $(calc "$s1_m / $s1_c") |
| S1 CPU s (user+sys) per 1,000 files | $c_m | $c_r | $rcpu | ≥ $target_cpu | $(met "$rcpu" $target_cpu) | | |
| S2 first copy, $nbig x $bigmib MiB: MB/s | $s2_m | $s2_r | $r2 | ≥ $target_s2 | $(met "$r2" $target_s2) | $s2_c | $r2c |
| S2 mgw / SDK loop | | | $r2c | ≥ $target_s2sdk | $(met "$r2c" $target_s2sdk) | | |
| S3 run again, nothing changed: wall s | $s3_m | $s3_r | $r3 | ≥ $target_s3 | $(met "$r3" $target_s3) | | |
| S4 $nchanged files (1%) rewritten: wall s | $s4_m | $s4_r | $r4 | ≥ $target_s4 | $(met "$r4" $target_s4) | | |

Ratio: > 1 is better for mgw (mgw / rclone for rates, rclone / mgw for
times and CPU). rclone: the best of the flag sets below. SDK loop:
aws-sdk-go-v2 alone, the best of PutObject with 16, 32 or 64 in flight (S1)
and of multipart with 6 x 8, 8 x 16 or 16 x 8 MiB parts in flight with
Content-MD5, or 6 x 8 with a CRC32C on each part (S2).
Best of $runs run(s) each, except S4 (one run); S2 runs every tool once
per round, each bucket dropped right after its run.

$s2table

Peak RSS, MiB:

| scenario | mgw | rclone | mgw ≤ rclone? | SDK loop |
|---|---:|---:|---|---:|
| S1 first copy | ${rss[$mgw_s1]} | ${rss[$rc_s1]} | $(le "${rss[$mgw_s1]}" "${rss[$rc_s1]}") | ${rss[$sdk_s1]} |
| S2 first copy | ${rss[$mgw_s2]} | ${rss[$rc_s2]} | $(le "${rss[$mgw_s2]}" "${rss[$rc_s2]}") | ${rss[$sdk_s2]} |
| S3 nothing changed | ${rss[$mgw_s3]} | ${rss[$rc_s3]} | $(le "${rss[$mgw_s3]}" "${rss[$rc_s3]}") | |
| S4 1% rewritten | ${rss[mgw-s4-1]} | ${rss[rc-s4-1]} | $(le "${rss[mgw-s4-1]}" "${rss[rc-s4-1]}") | |

Every run, in order:

$(runs_table)
EOF
)
echo
echo "$table"

if [ "$scale" = full ]; then
	section=$(
		echo "## One-shot copy: mgw, rclone and a bare SDK loop"
		echo
		echo "Generated by \`make bench\` (\`BENCH_RUNS=$runs bash test/bench/bench.sh\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "mgw, rclone and mc (S2) copy a local folder to versitygw's posix backend on loopback"
		echo "(keep-alive: $VGW_KEEP_ALIVE; BENCH_KEEPALIVE=false for the server's default);"
		echo "each first copy goes to a fresh bucket. mgw runs with its defaults."
		echo
		about
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section bench.sh "$section"
	log "wrote test/bench/RESULTS.md"
fi

# Continuous sync: its own table (and, at full scale, its own section of
# RESULTS.md), on the same server.
BENCH_SCALE=$scale bash "$root/test/bench/sync.sh"

# An SMB share as the source, beside rclone's smb backend: its own table
# (and section of RESULTS.md), to the same server.
BENCH_SCALE=$scale bash "$root/test/bench/nas.sh"

# Shares at size and under change: a 100,000-name folder and a
# 1,000,000-file share listed over SMB and NFS, the no-change poll's cost
# in server requests, a server bounced mid-listing. Its own servers.
BENCH_SCALE=$scale bash "$root/test/bench/nasscale.sh"

# Bucket to bucket: this server as the source, a second one on port 7072
# as the destination, beside rclone copy between the two.
BENCH_SCALE=$scale BENCH_RUNS=$runs bash "$root/test/bench/cloud.sh"

# mgw check beside rclone check, on a tree this server holds.
BENCH_SCALE=$scale BENCH_RUNS=$runs bash "$root/test/bench/check.sh"

# One job over 1, 2 and 4 shards, each its own process, on this server:
# what a shard costs on top of its files (its listing of the whole tree).
BENCH_SCALE=$scale bash "$root/test/bench/shards.sh"

# The read-only view: cat of a million-line failed.txt, beside a plain file.
if [ "$scale" = small ]; then
	FUSE_BENCH_FAILURES=${FUSE_BENCH_FAILURES:-100000} bash "$root/test/bench/fuse.sh"
else
	bash "$root/test/bench/fuse.sh"
fi
BENCH_SCALE=$scale bash "$root/test/bench/rescan.sh"

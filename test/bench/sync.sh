#!/usr/bin/env bash
# sync.sh: continuous sync (a mode: continuous job) from a local folder to
# versitygw on loopback, beside rclone where a comparison means something.
# bench.sh runs it last, so `make bench` prints this table after the
# engine's; it also runs alone. Prints one table and, at full scale, writes
# it with the machine and versions into its own section of
# test/bench/RESULTS.md.
#
#   L  change latency: in a synced job, one file rewritten every 100 ms for
#      60 s; p50 and p99 from the file's close to the destination's answer
#      to its upload, less settle (the job's default, 2 s)
#   T  storm: 10,000 new 4 KiB files written at once into a job indexing
#      200,000, until the destination acknowledged them all; against rclone
#      copy of a storm like it (10,000 other new files, while the job is
#      stopped) to the same bucket, which lists both sides to find them
#   I  idle: CPU time and RSS of `mgw run` on that synced job (200,000
#      files in 20,000 folders, watched) over 60 s with no change
#   X  index of 1,000,000 files: peak RSS (VmHWM) of `mgw run` of a
#      continuous job while its first pass rescans with nothing changed
#      (to a local folder, of empty files: building that index through S3
#      would take long and change nothing of what is measured)
#
# L and T run the job inside test/bench/syncbench, which sees each upload's
# answer to the millisecond; I and X measure the mgw binary from /proc.
# BENCH_SCALE=small divides the file counts by 10 and the 60 s windows by
# 6 for a smoke test; it writes no RESULTS.md. The benchmark fails only when
# a tool fails or a copy is missing or wrong, never on a missed target.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
full) nfiles=200000 ndirs=20000 nstorm=10000 window=60 nindex=1000000 nindexdirs=10000 ;;
small) nfiles=20000 ndirs=2000 nstorm=1000 window=10 nindex=100000 nindexdirs=1000 ;;
*)
	echo "sync.sh: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac

# The issue's targets.
target_p99=1       # s, change latency p99 less settle
target_storm=10    # rclone / mgw, wall time
target_idle_cpu=1  # % of one core
target_idle_rss=150 # MB
target_index_rss=300 # MB

# rclone's flags: the fastest set of bench.sh's re-runs (S4).
rc_storm="--transfers 32 --checkers 32 --s3-no-check-bucket --fast-list --s3-no-head --update --use-server-modtime"

export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY

log() { echo "sync.sh: $*" >&2; }

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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-syncbench.XXXXXX")
mkdir -p "$tmp/log"
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/syncbench" ./test/bench/syncbench &&
	go build -o "$tmp/sdkloop" ./test/bench/sdkloop)
mgw=$tmp/mgw sb=$tmp/syncbench

# The benchmark's server (bench.sh's, when it runs this): keep-alive on, as
# in bench.sh. Started here only if not running, and then stopped here.
export MGW_S3_PORT=${BENCH_S3_PORT:-7071}
export VGW_KEEP_ALIVE=${BENCH_KEEPALIVE:-true}
vgw=$root/test/servers/versitygw.sh
started_server=
if ! info=$("$vgw" status); then
	started_server=1
	info=$("$vgw" start)
fi
endpoint=$(sed -n 's/^endpoint=//p' <<<"$info")
sdk=("$tmp/sdkloop" -endpoint "$endpoint")
export RCLONE_CONFIG_VGW_TYPE=s3 RCLONE_CONFIG_VGW_PROVIDER=Other \
	RCLONE_CONFIG_VGW_ENDPOINT=$endpoint RCLONE_CONFIG_VGW_REGION=us-east-1 \
	RCLONE_CONFIG_VGW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
	RCLONE_CONFIG_VGW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
	RCLONE_CONFIG_VGW_FORCE_PATH_STYLE=true
rclone=("$bin/rclone" --config /dev/null)

prefix=syncbench-$$
mb=$prefix-mgw
buckets=()
pids=()
cleanup() {
	local p b
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	if [ -n "$started_server" ]; then
		"$vgw" stop
	else
		for b in "${buckets[@]}"; do
			"${sdk[@]}" -bucket "$b" purge || log "could not remove bucket $b"
		done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
"${sdk[@]}" -bucket "$mb" mkbucket
buckets+=("$mb")

# --- helpers -------------------------------------------------------------

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# secs T0 T1: seconds between two date +%s%N stamps.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# val FILE KEY: the value of KEY in syncbench's key=value output FILE.
val() {
	local v
	v=$(sed -n "s/^$2=//p" "$1" | tail -n 1)
	if [ -z "$v" ]; then
		log "no $2 in $1"
		exit 1
	fi
	echo "$v"
}

# config FILE STATE SRC DEST MODE: a config with job "sync" from the local
# folder SRC to DEST (a bucket of the server, or a local folder if DEST
# starts with /), in MODE, with state in STATE.
config() {
	local dst
	if [[ $4 == /* ]]; then
		dst="    type: local
    path: $4"
	else
		dst="    type: s3
    endpoint: $endpoint
    region: us-east-1
    bucket: $4
    path_style: true
    access_key_id: \${BENCH_S3_KEY}
    access_key_secret: \${BENCH_S3_SECRET}"
	fi
	cat >"$1" <<EOF
state_dir: $2
addresses:
  - name: src
    type: local
    path: $3
  - name: dst
$dst
jobs:
  - name: sync
    source: src
    destination: dst
    mode: $5
EOF
}

# run NAME CMD...: run CMD with its output in $tmp/log/NAME, and its wall
# time (s) in WALL.
run() {
	local name=$1 t0 t1
	shift
	sync # what earlier steps left dirty is written back before
	t0=$(date +%s%N)
	if ! "$@" >"$tmp/log/$name" 2>"$tmp/log/$name.err"; then
		log "$name failed: $*"
		tail -n 30 "$tmp/log/$name.err" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	WALL=$(secs "$t0" "$t1")
	log "$(printf '%-14s %9.3f s' "$name" "$WALL")"
}

# start_synced NAME CONFIG: start `mgw run CONFIG sync` (continuous) in the
# background, its pid in PID, and wait until its status line (every 10 s)
# says it is synced after a full pass.
start_synced() {
	local name=$1 i
	"$mgw" run --config "$2" sync >"$tmp/log/$name" 2>&1 &
	PID=$!
	pids+=("$PID")
	for ((i = 0; i < 7200; i++)); do
		if grep -Eq 'msg=status state=synced .*last_scan=[1-9]' "$tmp/log/$name"; then
			return 0
		fi
		if ! kill -0 "$PID" 2>/dev/null; then
			log "$name: mgw ended before it was synced"
			tail -n 30 "$tmp/log/$name" >&2
			exit 1
		fi
		sleep 0.5
	done
	log "$name: mgw not synced after an hour"
	exit 1
}

# stop_job: SIGTERM the job started by start_synced; it must end with 0.
stop_job() {
	kill -TERM "$PID"
	if ! wait "$PID"; then
		log "mgw did not stop cleanly on SIGTERM"
		exit 1
	fi
	pids=()
}

# cputicks PID: user + system CPU time of PID so far, in clock ticks.
cputicks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# vm PID FIELD: a /proc/PID/status memory figure, in MB.
vm() { awk -v f="$2:" '$1 == f { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$1/status"; }

# --- data, and the first copy --------------------------------------------

log "scale $scale: $nfiles files x 4 KiB in $ndirs folders; storm $nstorm; windows ${window} s; index $nindex files"
src=$tmp/src
run gen "$sb" gen -dir "$src" -files "$nfiles" -dirs "$ndirs" -size 4096
config "$tmp/job.yaml" "$tmp/state" "$src" "$mb" continuous

# The job's first pass copies everything.
run mgw-first "$sb" job -config "$tmp/job.yaml" -job sync
first_m=$(val "$tmp/log/mgw-first" first_pass_s)
copied=$(val "$tmp/log/mgw-first" first_pass_copied)
if [ "$copied" != "$nfiles" ]; then
	log "mgw's first pass copied $copied files, not $nfiles"
	exit 1
fi

# --- I: idle -------------------------------------------------------------

log "I: idle $window s, $nfiles files watched"
start_synced idle "$tmp/job.yaml"
hz=$(getconf CLK_TCK)
c0=$(cputicks "$PID") t0=$(date +%s%N)
sleep "$window" # the measuring window, not a wait for something
c1=$(cputicks "$PID") t1=$(date +%s%N)
idle_rss=$(vm "$PID" VmRSS) idle_hwm=$(vm "$PID" VmHWM)
idle_cpu_s=$(calc "($c1 - $c0) / $hz")
idle_cpu=$(calc "100 * $idle_cpu_s / $(secs "$t0" "$t1")")
idle_watch=$(grep 'msg=status' "$tmp/log/idle" | tail -n 1 | sed -n 's/.* watch=//p')
stop_job
log "idle: $idle_cpu_s s CPU in $window s ($idle_cpu%), RSS $idle_rss MB (peak $idle_hwm MB), watch $idle_watch"

# --- T for rclone ---------------------------------------------------------

# While the job is stopped: a storm of other files, copied by rclone into
# the job's bucket (the same data as the job's own storm finds there).
log "T: $nstorm new files at once, rclone"
run rc-write "$sb" add -dir "$src" -files "$nstorm" -dirs "$ndirs" -name rstorm
# shellcheck disable=SC2086 # flags are words
run rc-storm "${rclone[@]}" copy "$src" "vgw:$mb" $rc_storm -v
storm_r=$WALL
rc_copied=$(grep -c ': Copied (new)' "$tmp/log/rc-storm.err" || true)
if [ "$rc_copied" != "$nstorm" ]; then
	log "rclone copied $rc_copied new files in the storm, not $nstorm"
	exit 1
fi

# --- L and T: change latency, storm --------------------------------------

log "L: one change every 100 ms for $window s; T: $nstorm new files at once, mgw"
run mgw-lt "$sb" job -config "$tmp/job.yaml" -job sync -latency "${window}s" -storm "$nstorm" -dirs "$ndirs"
lt=$tmp/log/mgw-lt
p50=$(val "$lt" latency_p50_s) p99=$(val "$lt" latency_p99_s) pmax=$(val "$lt" latency_max_s)
nchanges=$(val "$lt" latency_changes) nuploads=$(val "$lt" latency_uploads)
storm_m=$(val "$lt" storm_s) storm_aw=$(val "$lt" storm_after_write_s) storm_w=$(val "$lt" storm_write_s) storm_passes=$(val "$lt" storm_full_passes)
storm_up=$(val "$lt" storm_uploads) overflows=$(val "$lt" overflows)
lt_watch=$(val "$lt" watch)

# Every file of the source is in mgw's bucket with its size.
if ! "${rclone[@]}" check "$src" "vgw:$mb" --one-way --size-only --fast-list --checkers 32 >"$tmp/log/check" 2>&1; then
	log "mgw's bucket differs from the source"
	tail -n 20 "$tmp/log/check" >&2
	exit 1
fi

# --- X: a large index ----------------------------------------------------

log "X: $nindex files in $nindexdirs folders, local to local"
run index-gen "$sb" gen -dir "$tmp/isrc" -files "$nindex" -dirs "$nindexdirs" -size 0
mkdir -p "$tmp/idst"
config "$tmp/index-once.yaml" "$tmp/istate" "$tmp/isrc" "$tmp/idst" once
config "$tmp/index.yaml" "$tmp/istate" "$tmp/isrc" "$tmp/idst" continuous
run index-build /usr/bin/time -f '%M' -o "$tmp/index-build.rss" "$mgw" run --config "$tmp/index-once.yaml" sync
if ! grep -Eq "^copied and verified +$nindex " "$tmp/log/index-build"; then
	log "mgw did not copy exactly $nindex files"
	cat "$tmp/log/index-build" >&2
	exit 1
fi
build_s=$WALL build_rss=$(awk '{ printf "%.1f", $1 * 1024 / 1e6 }' "$tmp/index-build.rss")
t0=$(date +%s%N)
start_synced index "$tmp/index.yaml"
index_s=$(secs "$t0" "$(date +%s%N)")
index_hwm=$(vm "$PID" VmHWM) index_rss=$(vm "$PID" VmRSS)
stop_job
log "index: peak RSS $index_hwm MB, $index_rss MB when synced (synced within $index_s s)"

# --- report --------------------------------------------------------------

met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "no") }'; }
below() { awk -v r="$1" -v t="$2" 'BEGIN { print (r < t ? "yes" : "no") }'; }
rstorm=$(calc "$storm_r / $storm_m")
table=$(
	cat <<EOF
| figure | mgw | target | ratio | met? |
|---|---:|---:|---:|---|
| L change latency p50, s (less settle 2 s) | $p50 | | | |
| L change latency p99, s (less settle 2 s) | $p99 | < $target_p99 | $(calc "$p99 / $target_p99") | $(below "$p99" $target_p99) |
| T storm, $nstorm new files into $nfiles: s until all acknowledged | $storm_m | | | |
| T rclone copy of such a storm, s | $storm_r | | | |
| T rclone / mgw | | ≥ $target_storm | $rstorm | $(met "$rstorm" $target_storm) |
| I idle, $nfiles files in $ndirs folders: % of one core | $idle_cpu | < $target_idle_cpu | $(calc "$idle_cpu / $target_idle_cpu") | $(below "$idle_cpu" $target_idle_cpu) |
| I idle RSS, MB | $idle_rss | < $target_idle_rss | $(calc "$idle_rss / $target_idle_rss") | $(below "$idle_rss" $target_idle_rss) |
| X $nindex-file index, no-change rescan: peak RSS, MB | $index_hwm | < $target_index_rss | $(calc "$index_hwm / $target_index_rss") | $(below "$index_hwm" $target_index_rss) |

Ratio: the figure over its target (below 1 is better for the "<" ones),
rclone / mgw for the storm (above 1 is better). Details:

- L: $nchanges changes ($window s, one every 100 ms, 100 files in turn);
  $nuploads uploads; max $pmax s. The time runs from the end of the
  file's write to the destination's answer to the PUT.
- T: mgw's time runs from the first file's write (8 writers, $storm_w s
  for all) to the last answer: $storm_aw s after the last write; $storm_up
  uploads; full passes during the storm: $storm_passes; watch overflows:
  $overflows (watch: $lt_watch). rclone's runs from its start, after the
  files were written, into the same bucket then holding the $nfiles files:
  \`$rc_storm\`.
- I: $idle_cpu_s s CPU over $window s; peak RSS $idle_hwm MB (the
  startup rescan); watch: $idle_watch.
- X: $index_rss MB once synced. Building the index (a one-shot copy of
  the $nindex empty files to a local folder): $build_s s, peak RSS
  $build_rss MB. The rescan was done within $index_s s of the start (the
  status line comes every 10 s).
- First copy of the $nfiles files by the job's first pass: $first_m s.
EOF
)
echo
echo "$table"

if [ "$scale" = full ]; then
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	section=$(
		echo "## Continuous sync"
		echo
		echo "Generated by \`bash test/bench/sync.sh\` (also the end of \`make bench\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "A mode: continuous job (settle 2 s, the default) from a local folder to"
		echo "versitygw's posix backend on loopback (keep-alive: $VGW_KEEP_ALIVE), except X (local to local)."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r),"
		echo "shared with other builds and tests while this ran: load average"
		echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end of the run. Every figure is from one run."
		echo
		echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
		echo "$(go version | cut -d' ' -f3), rclone $(mod "$bin/rclone"), versitygw $(mod "$bin/versitygw")."
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section sync.sh "$section"
	log "wrote its section of test/bench/RESULTS.md"
fi

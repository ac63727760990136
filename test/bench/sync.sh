#!/usr/bin/env bash
# sync.sh: continuous sync (a mode: continuous job) from a local folder to
# versitygw on loopback, beside rclone where a comparison means something.
# bench.sh runs it last, so `make bench` prints this table after the
# engine's; it also runs alone. Prints one table and, at full scale, writes
# it with the machine and versions into its own section of
# test/bench/RESULTS.md.
#
#   F  first pass: a continuous job's first pass over 20,000 4 KiB files in
#      2,000 folders, against a one-shot `mgw run` of the same tree into
#      another bucket (wall time; one-shot / continuous, higher is better)
#   I  idle: CPU time and RSS of `mgw run` on that synced job (20,000
#      files watched) over 60 s with no change
#   L  change latency: one file rewritten every 100 ms for 60 s in the
#      watched tree of a running `mgw run` (settle: 500ms); p50 and p99 of
#      the time from the file's close until the bucket holds its new
#      content (sdkloop watchlat, HEAD every 5 ms), and the same for
#      `mc mirror --watch` of another folder when mc is in $MGW_TEST_BIN
#   D  drop: 5,000 new 4 KiB files written at once into the synced job
#      (one per folder in turn), files/s from the first write to the
#      destination's last answer, against a one-shot `mgw run` of a tree
#      of 5,000 such files into a new bucket
#   X  index of 1,000,000 files: peak RSS (VmHWM) of `mgw run` of a
#      continuous job while its first pass rescans with nothing changed
#      (to a local folder, of empty files: building that index through S3
#      would take long and change nothing of what is measured)
#
# F and D run the job inside test/bench/syncbench, which sees each upload's
# answer to the millisecond; I and X measure the mgw binary from /proc, L
# from outside (the same way for mgw and mc).
# F and D compare two runs a few seconds long, which this machine's noise
# moves by a tenth or more: each runs BENCH_RUNS rounds (default 3; 1 at
# small scale), both sides once per round, the side that goes first
# changing each round, and compares the medians.
# BENCH_SCALE=small divides the file counts by 10 and the 60 s windows by
# 6 for a smoke test; it writes no RESULTS.md. The benchmark fails only when
# a tool fails or a copy is missing or wrong, never on a missed target.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
full) nfiles=20000 ndirs=2000 nstorm=5000 window=60 nindex=1000000 nindexdirs=10000 defruns=3 ;;
small) nfiles=2000 ndirs=200 nstorm=500 window=10 nindex=100000 nindexdirs=1000 defruns=1 ;;
*)
	echo "sync.sh: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac
runs=${BENCH_RUNS:-$defruns}

# The issue's targets.
target_first=0.95    # one-shot / continuous first pass, wall time
target_p99=0.1       # s, change latency p99 beyond the close
target_idle_cpu=0.2  # % of one core
target_idle_rss=50   # MB
target_drop=0.9      # continuous / one-shot, files/s
target_index_rss=300 # MB

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

# drop B: remove bucket B now, to keep the server's disk small.
drop() {
	local keep=() x
	"${sdk[@]}" -bucket "$1" purge
	for x in "${buckets[@]}"; do
		[ "$x" = "$1" ] || keep+=("$x")
	done
	buckets=("${keep[@]}")
}
# newbucket B: create bucket B, removed at the end if not before.
newbucket() {
	"${sdk[@]}" -bucket "$1" mkbucket
	buckets+=("$1")
}
# median V...: the middle value (the lower one of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# order R A B: the two sides of round R, A first in odd rounds.
order() { if (($1 % 2)); then echo "$2 $3"; else echo "$3 $2"; fi; }

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
    settle: 500ms
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

# --- F: data, and the first copy -----------------------------------------

log "scale $scale: $nfiles files x 4 KiB in $ndirs folders; drop $nstorm; windows ${window} s; index $nindex files"
src=$tmp/src
run gen "$sb" gen -dir "$src" -files "$nfiles" -dirs "$ndirs" -size 4096
config "$tmp/job.yaml" "$tmp/state" "$src" "$mb" continuous

log "F: first pass of $nfiles files, one-shot and continuous, $runs round(s) ($(uptime))"
onces=() firsts=()
for ((r = 1; r <= runs; r++)); do
	# The last round's continuous job is the synced one the phases below
	# use; the others get a bucket and state of their own.
	job=$tmp/job.yaml b=$mb
	if ((r < runs)); then
		job=$tmp/first-$r.yaml b=$prefix-first-$r
		newbucket "$b"
		config "$job" "$tmp/state-first-$r" "$src" "$b" continuous
	fi
	ob=$prefix-once-$r
	newbucket "$ob"
	config "$tmp/once-$r.yaml" "$tmp/state-once-$r" "$src" "$ob" once
	for side in $(order "$r" once first); do
		if [ "$side" = once ]; then
			run "mgw-once-$r" "$mgw" run --config "$tmp/once-$r.yaml" sync
			onces+=("$WALL")
			continue
		fi
		# The job's first pass copies everything.
		run "mgw-first-$r" "$sb" job -config "$job" -job sync
		firsts+=("$(val "$tmp/log/mgw-first-$r" first_pass_s)")
		copied=$(val "$tmp/log/mgw-first-$r" first_pass_copied)
		if [ "$copied" != "$nfiles" ]; then
			log "mgw's first pass copied $copied files, not $nfiles"
			exit 1
		fi
	done
	drop "$ob"
	if ((r < runs)); then
		drop "$b"
	fi
done
once_s=$(median "${onces[@]}") first_m=$(median "${firsts[@]}")
first_ratio=$(calc "$once_s / $first_m")

# --- I: idle -------------------------------------------------------------

log "I: idle $window s, $nfiles files watched"
start_synced idle "$tmp/job.yaml"
hz=$(getconf CLK_TCK)
c0=$(cputicks "$PID") t0=$(date +%s%N)
sleep "$window" # the measuring window, not a wait for something
c1=$(cputicks "$PID") t1=$(date +%s%N)
idle_rss=$(vm "$PID" VmRSS) idle_hwm=$(vm "$PID" VmHWM)
idle_anon=$(awk '$1 == "RssAnon:" { printf "%.1f", $2 * 1024 / 1e6 }' "/proc/$PID/status")
idle_cpu_s=$(calc "($c1 - $c0) / $hz")
idle_cpu=$(calc "100 * $idle_cpu_s / $(secs "$t0" "$t1")")
idle_watch=$(grep 'msg=status' "$tmp/log/idle" | tail -n 1 | sed -n 's/.* watch=//p')
log "idle: $idle_cpu_s s CPU in $window s ($idle_cpu%), RSS $idle_rss MB (anon $idle_anon, peak $idle_hwm MB), watch $idle_watch"

# --- L: change latency, beside mc mirror --watch -------------------------

log "L: one change every 100 ms for $window s, mgw"
run lat-mgw "${sdk[@]}" -bucket "$mb" -window "${window}s" watchlat "$src"
stop_job
p50=$(val "$tmp/log/lat-mgw" latency_p50_s) p99=$(val "$tmp/log/lat-mgw" latency_p99_s)
pmax=$(val "$tmp/log/lat-mgw" latency_max_s) plost=$(val "$tmp/log/lat-mgw" latency_lost)
nchanges=$(val "$tmp/log/lat-mgw" latency_changes)
mc_p50=n/a mc_p99=n/a mc_note="mc not in $bin: not measured"
if [ -x "$bin/mc" ]; then
	log "L: the same, mc mirror --watch"
	mcb=$prefix-mc
	"${sdk[@]}" -bucket "$mcb" mkbucket
	buckets+=("$mcb")
	mkdir -p "$tmp/mcsrc"
	hostport=${endpoint#*://}
	MC_HOST_vgw="http://$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY@$hostport" MC_CONFIG_DIR=$tmp/mc \
		"$bin/mc" mirror --watch --overwrite "$tmp/mcsrc" "vgw/$mcb" >"$tmp/log/mc-watch" 2>&1 &
	mcpid=$!
	pids+=("$mcpid")
	sleep 3 # mc's start-up before it watches; nothing tells it from outside
	run lat-mc "${sdk[@]}" -bucket "$mcb" -window "${window}s" watchlat "$tmp/mcsrc"
	kill "$mcpid" 2>/dev/null || true
	wait "$mcpid" 2>/dev/null || true
	pids=()
	mc_p50=$(val "$tmp/log/lat-mc" latency_p50_s) mc_p99=$(val "$tmp/log/lat-mc" latency_p99_s)
	mc_note="mc $("$bin/mc" --version 2>/dev/null | head -n 1 | awk '{ print $3 }'): $(val "$tmp/log/lat-mc" latency_lost) lost"
fi

# --- D: new files dropped into the watched tree, against one-shot ---------

log "D: $nstorm new files at once, one-shot"
# gen wants a whole number of files per folder: 5 each.
run drop-gen "$sb" gen -dir "$tmp/dsrc" -files "$nstorm" -dirs $((nstorm / 5)) -size 4096
donces=() drops=()
for ((r = 1; r <= runs; r++)); do
	db=$prefix-drop-$r
	newbucket "$db"
	config "$tmp/drop-once-$r.yaml" "$tmp/state-drop-$r" "$tmp/dsrc" "$db" once
	for side in $(order "$r" once storm); do
		if [ "$side" = once ]; then
			run "drop-once-$r" "$mgw" run --config "$tmp/drop-once-$r.yaml" sync
			donces+=("$WALL")
			continue
		fi
		# New names each round: the files are new to the job every time.
		run "mgw-drop-$r" "$sb" job -config "$tmp/job.yaml" -job sync -storm "$nstorm" -dirs "$ndirs" -storm-name "storm$r"
		drops+=("$(val "$tmp/log/mgw-drop-$r" storm_s)")
	done
	drop "$db"
done
dl=$tmp/log/mgw-drop-$runs # the details below are the last round's
storm_m=$(median "${drops[@]}") storm_aw=$(val "$dl" storm_after_write_s) storm_w=$(val "$dl" storm_write_s)
storm_passes=$(val "$dl" storm_full_passes) storm_up=$(val "$dl" storm_uploads) overflows=$(val "$dl" overflows)
lt_watch=$(val "$dl" watch)
drop_once_fps=$(calc "$nstorm / $(median "${donces[@]}")")
drop_fps=$(calc "$nstorm / $storm_m")
drop_ratio=$(calc "$drop_fps / $drop_once_fps")

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
table=$(
	cat <<EOF
| figure | mgw | mc mirror --watch | target | ratio | met? |
|---|---:|---:|---:|---:|---|
| F first pass, $nfiles files: continuous s (one-shot \`mgw run\`: $once_s s) | $first_m | | ≥ $target_first | $first_ratio | $(met "$first_ratio" $target_first) |
| L change latency p50 beyond the close, s | $p50 | $mc_p50 | | | |
| L change latency p99 beyond the close, s | $p99 | $mc_p99 | ≤ $target_p99 | $(calc "$p99 / $target_p99") | $(below "$p99" $target_p99) |
| I idle, $nfiles files watched: % of one core | $idle_cpu | | ≤ $target_idle_cpu | $(calc "$idle_cpu / $target_idle_cpu") | $(below "$idle_cpu" $target_idle_cpu) |
| I idle RSS, MB | $idle_rss | | ≤ $target_idle_rss | $(calc "$idle_rss / $target_idle_rss") | $(below "$idle_rss" $target_idle_rss) |
| D $nstorm files dropped: files/s (one-shot: $drop_once_fps) | $drop_fps | | ≥ $target_drop | $drop_ratio | $(met "$drop_ratio" $target_drop) |
| X $nindex-file index, no-change rescan: peak RSS, MB | $index_hwm | | < $target_index_rss | $(calc "$index_hwm / $target_index_rss") | $(below "$index_hwm" $target_index_rss) |

Ratio: one-shot / continuous for F and continuous / one-shot for D (above
1 is better); the figure over its target for the others (below 1 is
better). Details:

- F: the continuous first pass is timed inside syncbench from the job's
  start to its first synced state; the one-shot \`mgw run\` by its wall
  time, process start included. Medians of $runs round(s): one-shot
  ${onces[*]} s, continuous ${firsts[*]} s.
- L: $nchanges changes ($window s, one every 100 ms, 100 files in turn),
  $plost lost; max $pmax s. A file closed after writing is copied at once
  (Linux close-after-write); the settle time (500ms) holds only files
  still open. $mc_note.
- I: $idle_cpu_s s CPU over $window s; RSS $idle_anon MB of it anonymous
  (the rest is the binary's pages and Badger's tables, file-backed); peak
  $idle_hwm MB (the startup rescan); watch: $idle_watch.
- D: from the first file's write to the last answer; medians of $runs
  round(s): continuous ${drops[*]} s, one-shot ${donces[*]} s (\`mgw
  run\` of a tree of $nstorm such files in $((nstorm / 5)) folders into an
  empty bucket, wall time). The last round: 8 writers took $storm_w s
  for all, the last answer came $storm_aw s after the last write;
  $storm_up uploads; full passes during the drop: $storm_passes; watch
  overflows: $overflows (watch: $lt_watch).
- X: $index_rss MB once synced. Building the index (a one-shot copy of
  the $nindex empty files to a local folder): $build_s s, peak RSS
  $build_rss MB. The rescan was done within $index_s s of the start (the
  status line comes every 10 s).
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
		echo "A mode: continuous job (settle: 500ms) from a local folder to"
		echo "versitygw's posix backend on loopback (keep-alive: $VGW_KEEP_ALIVE), except X (local to local)."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r),"
		echo "load average (the benchmark's own servers and tools count in it)"
		echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end of the run. F and D are medians of $runs"
		echo "round(s); every other figure is from one run."
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

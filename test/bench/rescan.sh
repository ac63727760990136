#!/usr/bin/env bash
# rescan.sh: a no-change rescan of a large local tree (issue 14: 1,000,000
# empty files in 10,000 folders, <= 10 s and <= 200 MB peak RSS). Builds
# the index with a one-shot `mgw run` to a local folder, then times a
# second one-shot run with nothing changed (every file looked up in the
# index, size and mtime compared), beside `rclone copy` of the same tree
# to the same folder, which also finds nothing to copy. Prints the load
# average before each timed run, wall time, peak RSS (GNU time's %M) and
# the ratio. Then the first pass of a continuous job over the same tree
# (the same rescan, with the watch set up): from the start to the log's
# "run finished" line, which is exact where the status line (every 10 s)
# is not, and the peak RSS (VmHWM) then. At full scale writes its section
# of test/bench/RESULTS.md.
#
#   BENCH_SCALE=small  100,000 files in 1,000 folders, no RESULTS.md
#   BENCH_RUNS=N       timed runs of each tool, the best counts (default 3)
#
# Fails only when a tool fails or the rescan copies something, never on a
# missed target.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH
scale=${BENCH_SCALE:-full}
runs=${BENCH_RUNS:-3}
case $scale in
full) n=1000000 dirs=10000 ;;
small) n=100000 dirs=1000 ;;
*)
	echo "rescan.sh: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac
log() { echo "rescan.sh: $*" >&2; }
if [ ! -x /usr/bin/time ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-rescan.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/syncbench" ./test/bench/syncbench)

log "$n empty files in $dirs folders"
"$tmp/syncbench" gen -dir "$tmp/src" -files "$n" -dirs "$dirs" -size 0
mkdir -p "$tmp/dst"
cat >"$tmp/mgw.yaml" <<EOT
state_dir: $tmp/state
addresses:
  - name: src
    type: local
    path: $tmp/src
  - name: dst
    type: local
    path: $tmp/dst
jobs:
  - name: sync
    source: src
    destination: dst
    mode: once
EOT
log "building the index (a first run copies every file)"
"$tmp/mgw" run --config "$tmp/mgw.yaml" sync >"$tmp/build.log" 2>&1 || {
	tail -20 "$tmp/build.log" >&2
	exit 1
}

# timed NAME CMD...: run CMD, keep the best wall time and its peak RSS.
declare -A wall rss load
timed() {
	local name=$1
	shift
	for _ in $(seq "$runs"); do
		local l
		l=$(cut -d' ' -f1-3 /proc/loadavg)
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >"$tmp/$name.log" 2>&1 || {
			tail -20 "$tmp/$name.log" >&2
			exit 1
		}
		read -r w m <"$tmp/time"
		log "$name: ${w} s, peak RSS $((m / 1024)) MiB, load $l"
		if [ -z "${wall[$name]:-}" ] || awk -v a="$w" -v b="${wall[$name]}" 'BEGIN { exit !(a < b) }'; then
			wall[$name]=$w rss[$name]=$(awk -v k="$m" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }') load[$name]=$l
		fi
	done
}
timed mgw "$tmp/mgw" run --config "$tmp/mgw.yaml" sync
if ! grep -Eq "^unchanged +$n\$" "$tmp/mgw.log" || ! grep -Eq "^copied and verified +0 " "$tmp/mgw.log"; then
	log "the rescan found changes where there were none"
	cat "$tmp/mgw.log" >&2
	exit 1
fi
# The continuous job's first pass, best of $runs.
sed 's/mode: once/mode: continuous/' "$tmp/mgw.yaml" >"$tmp/cont.yaml"
for _ in $(seq "$runs"); do
	l=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date +%s.%N)
	"$tmp/mgw" run --log-level info --config "$tmp/cont.yaml" sync >"$tmp/cont.log" 2>&1 &
	pid=$!
	until grep -q 'msg="run finished"' "$tmp/cont.log"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "the continuous job ended before its first pass finished"
			tail -20 "$tmp/cont.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	hwm=$(awk '/VmHWM/ { printf "%.0f", $2 * 1024 / 1e6 }' "/proc/$pid/status")
	kill -TERM "$pid"
	wait "$pid"
	grep -q 'msg="run finished".* copied=0 failed=0' "$tmp/cont.log" || {
		log "the continuous job's first pass copied or failed files"
		exit 1
	}
	t1=$(date -d "$(grep -m1 'msg="run finished"' "$tmp/cont.log" | sed 's/^time=\([^ ]*\) .*/\1/')" +%s.%N)
	w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	log "continuous first pass: $w s, peak RSS $hwm MB, load $l"
	if [ -z "${wall[cont]:-}" ] || awk -v a="$w" -v b="${wall[cont]}" 'BEGIN { exit !(a < b) }'; then
		wall[cont]=$w rss[cont]=$hwm load[cont]=$l
	fi
done
timed rclone rclone copy "$tmp/src" "$tmp/dst" --checkers 8 --transfers 8

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }
table=$(
	cat <<EOT
| no-change rescan, $n local files in $dirs folders | mgw | rclone copy | rclone / mgw | target | met? |
|---|---:|---:|---:|---:|---|
| wall, s | ${wall[mgw]} | ${wall[rclone]} | $(ratio "${wall[rclone]}" "${wall[mgw]}") | ≤ 10 | $(met "${wall[mgw]}" 10) |
| peak RSS, MB | ${rss[mgw]} | ${rss[rclone]} | $(ratio "${rss[rclone]}" "${rss[mgw]}") | ≤ 200 | $(met "${rss[mgw]}" 200) |
| load average before the run | ${load[mgw]} | ${load[rclone]} | | | |

| first pass of a continuous job, same tree, nothing changed | mgw | target | met? |
|---|---:|---:|---|
| wall to "run finished", s | ${wall[cont]} | ≤ 10 | $(met "${wall[cont]}" 10) |
| peak RSS (VmHWM), MB | ${rss[cont]} | ≤ 200 | $(met "${rss[cont]}" 200) |
| load average before the run | ${load[cont]} | | |
EOT
)
echo "$table"
if [ "$scale" = full ]; then
	section=$(
		echo "## No-change rescan of a large local tree (issue 14)"
		echo
		echo "Generated by \`bash test/bench/rescan.sh\` (BENCH_RUNS=$runs, best run of each) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "A one-shot \`mgw run\` of $n empty files already in the index (built by a first run"
		echo "to a local folder), nothing changed: every file stat'd and looked up in the index."
		echo "rclone copy of the same tree to the same folder finds nothing to copy either."
		echo
		echo "Machine: $(nproc) cores, Linux $(uname -r); $(go version | cut -d' ' -f3), $(rclone version 2>/dev/null | head -1)."
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section rescan.sh "$section"
fi

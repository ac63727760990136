#!/usr/bin/env bash
# shards.sh: one job spread over 1, 2 and 4 shards, each an mgw process of
# its own (mgw --shard I/N run), on the same 20,000-file tree and the same
# S3 server (versitygw on loopback). bench.sh runs it after cloud.sh; it
# also runs alone. Prints one table and, at full scale, writes it with the
# machine and versions into its own section of test/bench/RESULTS.md.
#
# On one machine the shards share its cores and one server, so expect
# little speed-up: the point is what each shard costs on top of its files.
# Every shard lists the whole source and plans only its own files, so the
# listing is paid once per shard: the no-change re-run (S3 in bench.sh)
# measures it, with the lookups of the shard's own files in its index.
#
#   first copy   wall of the slowest shard, CPU of all shards, peak RSS of the largest
#   re-run       nothing changed: each shard's wall and CPU (its listing of
#                the whole tree, its own files looked up in its index)
#   index        bytes of state dir per indexed file; RSS of a no-change
#                re-run over 1 file and over all, per indexed file
#
# BENCH_SCALE=small runs 2,000 files for a smoke test and writes no
# RESULTS.md. The benchmark fails only when mgw fails or a copy is
# incomplete, never on a figure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
full) nfiles=20000 ndirs=200 ;;
small) nfiles=2000 ndirs=20 ;;
*)
	echo "shards.sh: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac
fsize=4096
perdir=$((nfiles / ndirs))
export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY

log() { echo "shards.sh: $*" >&2; }

if [ ! -x /usr/bin/time ]; then
	log "installing GNU time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-shardbench.XXXXXX")
mkdir -p "$tmp/m" "$tmp/log"
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/sdkloop" ./test/bench/sdkloop)
mgw=$tmp/mgw

# The server: bench.sh's when it runs (keep-alive on), else started here
# and stopped here.
export VGW_KEEP_ALIVE=${BENCH_KEEPALIVE:-true}
vgw=$root/test/servers/versitygw.sh
port=${BENCH_S3_PORT:-7071}
stop_server=
if ! info=$(MGW_S3_PORT=$port "$vgw" status); then
	info=$(MGW_S3_PORT=$port "$vgw" start)
	stop_server=1
fi
endpoint=$(sed -n 's/^endpoint=//p' <<<"$info")
sdk=("$tmp/sdkloop" -endpoint "$endpoint")
buckets=()
cleanup() {
	local b
	for b in "${buckets[@]}"; do
		"${sdk[@]}" -bucket "$b" purge >/dev/null 2>&1 || log "could not remove bucket $b"
	done
	if [ -n "$stop_server" ]; then
		MGW_S3_PORT=$port "$vgw" stop || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

declare -A wall cpu rss
order=()
# start RUN CMD...: start CMD in the background, measured as bench.sh's
# measure does (wall s, CPU s user+sys, peak RSS MiB); finish RUN waits.
declare -A pid t0
start() {
	local run=$1
	shift
	t0[$run]=$(date +%s%N)
	/usr/bin/time -f '%U %S %M' -o "$tmp/m/$run" "$@" >"$tmp/log/$run" 2>&1 &
	pid[$run]=$!
}
finish() {
	local run=$1 t1
	if ! wait "${pid[$run]}"; then
		log "$run failed"
		tail -n 30 "$tmp/log/$run" >&2
		exit 1
	fi
	t1=$(date +%s%N)
	wall[$run]=$(awk -v a="${t0[$run]}" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	cpu[$run]=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/m/$run")
	rss[$run]=$(awk '{ printf "%.0f", $3 / 1024 }' "$tmp/m/$run")
	order+=("$run")
	log "$(printf '%-14s %8.2f s wall %7.2f s CPU %5d MiB' "$run" "${wall[$run]}" "${cpu[$run]}" "${rss[$run]}")"
}
# copied RUN N: the run's report says N files copied.
copied() {
	if ! grep -Eq "^copied and verified +$2 " "$tmp/log/$1"; then
		log "$1: mgw did not copy exactly $2 files"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# config NAME SRC BUCKET: a job copying SRC to BUCKET, state under
# $tmp/state-NAME (each shard below it in shard-I).
config() {
	cat >"$tmp/$1.yaml" <<EOF
state_dir: $tmp/state-$1
mount: ""
addresses:
  - {name: src, type: local, path: $2}
  - name: dst
    type: s3
    endpoint: $endpoint
    region: us-east-1
    bucket: $3
    path_style: true
    access_key_id: \${BENCH_S3_KEY}
    access_key_secret: \${BENCH_S3_SECRET}
jobs:
  - {name: bench, source: src, destination: dst}
EOF
}

log "scale $scale: $nfiles files x $fsize B in $ndirs folders; 1, 2 and 4 shards"
src=$tmp/src one=$tmp/one
mkdir -p "$src" "$one"
for ((d = 0; d < ndirs; d++)); do
	dir=$src/d$(printf %03d $d)
	mkdir "$dir"
	head -c $((perdir * fsize)) /dev/urandom | split -b $fsize -a 4 -d - "$dir/f"
done
head -c $fsize /dev/urandom >"$one/f"

declare -A firstwall firstcpu firstrss againwall againcpu statebytes
for n in 1 2 4; do
	b=shardbench-$$-$n
	"${sdk[@]}" -bucket "$b" mkbucket
	buckets+=("$b")
	config "n$n" "$src" "$b"
	for ((i = 0; i < n; i++)); do
		start "copy-$i-of-$n" "$mgw" --config "$tmp/n$n.yaml" --shard "$i/$n" run bench
	done
	total=0 maxwall=0 sumcpu=0 maxrss=0
	for ((i = 0; i < n; i++)); do
		r=copy-$i-of-$n
		finish "$r"
		total=$((total + $(sed -nE 's/^copied and verified +([0-9]+) .*/\1/p' "$tmp/log/$r")))
		maxwall=$(awk -v a="$maxwall" -v b="${wall[$r]}" 'BEGIN { print (b > a ? b : a) }')
		sumcpu=$(calc "$sumcpu + ${cpu[$r]}")
		maxrss=$((rss[$r] > maxrss ? rss[$r] : maxrss))
	done
	if [ "$total" != "$nfiles" ]; then
		log "$n shards copied $total files, not $nfiles"
		exit 1
	fi
	firstwall[$n]=$maxwall firstcpu[$n]=$sumcpu firstrss[$n]=$maxrss
	# Nothing changed: each shard lists the whole tree again.
	maxwall=0 sumcpu=0
	for ((i = 0; i < n; i++)); do
		start "again-$i-of-$n" "$mgw" --config "$tmp/n$n.yaml" --shard "$i/$n" run bench
	done
	for ((i = 0; i < n; i++)); do
		r=again-$i-of-$n
		finish "$r"
		copied "$r" 0
		maxwall=$(awk -v a="$maxwall" -v b="${wall[$r]}" 'BEGIN { print (b > a ? b : a) }')
		sumcpu=$(calc "$sumcpu + ${cpu[$r]}")
	done
	againwall[$n]=$maxwall againcpu[$n]=$(calc "$sumcpu / $n")
	statebytes[$n]=$(du -sb "$tmp/state-n$n" | cut -f1)
	"${sdk[@]}" -bucket "$b" purge
	unset 'buckets[-1]'
done

# Memory per indexed file: a no-change re-run over one indexed file and
# over all of them, one shard.
b=shardbench-$$-one
"${sdk[@]}" -bucket "$b" mkbucket
buckets+=("$b")
config one "$one" "$b"
start one-copy "$mgw" --config "$tmp/one.yaml" --shard 0/1 run bench
finish one-copy
start one-again "$mgw" --config "$tmp/one.yaml" --shard 0/1 run bench
finish one-again
perfile_rss=$(calc "(${rss[again-0-of-1]} - ${rss[one-again]}) * 1048576 / $nfiles")
perfile_state=$(calc "${statebytes[1]} / $nfiles")
listcpu=$(calc "${againcpu[1]} * 1000000 / $nfiles") # CPU µs per listed file

table=$(
	echo "| shards | first copy: wall s (slowest shard) | files/s | CPU s, all shards | CPU s per 1,000 files | peak RSS MiB (largest shard) | re-run, nothing changed: wall s | CPU s per shard | state dirs, bytes per file |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for n in 1 2 4; do
		echo "| $n | ${firstwall[$n]} | $(calc "$nfiles / ${firstwall[$n]}") | ${firstcpu[$n]} | $(calc "${firstcpu[$n]} * 1000 / $nfiles") | ${firstrss[$n]} | ${againwall[$n]} | ${againcpu[$n]} | $(calc "${statebytes[$n]} / $nfiles") |"
	done
	echo
	echo "Per indexed file: $perfile_state bytes of state dir; $perfile_rss bytes of RSS (a no-change run over"
	echo "$nfiles indexed files, ${rss[again-0-of-1]} MiB, against one over 1 file, ${rss[one-again]} MiB). Listing: ${againcpu[1]} CPU s"
	echo "for a no-change pass over $nfiles files, $listcpu µs a file; each shard pays it for the whole tree."
	echo
	echo "Every run, in order:"
	echo
	echo "| run | wall s | CPU s | peak RSS MiB |"
	echo "|---|---:|---:|---:|"
	for run in "${order[@]}"; do
		echo "| $run | ${wall[$run]} | ${cpu[$run]} | ${rss[$run]} |"
	done
)
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "$table"
echo
echo "load average $load"

if [ "$scale" = full ]; then
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	section=$(
		echo "## One job over 1, 2 and 4 shards"
		echo
		echo "Generated by \`bash test/bench/shards.sh\` (also part of \`make bench\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "Each shard is an mgw process (\`mgw --shard I/N run\`) copying the same $nfiles x $fsize B"
		echo "local tree to versitygw (posix backend, $endpoint, keep-alive: $VGW_KEEP_ALIVE) on"
		echo "loopback; the shards of a row run at once and share the machine and the server."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r),"
		echo "load average $load at the end of the run (the benchmark's own servers and tools count in it)."
		echo
		echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
		echo "$(go version | cut -d' ' -f3), versitygw $(mod "$bin/versitygw")."
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section shards.sh "$section"
	log "wrote its section of test/bench/RESULTS.md"
fi

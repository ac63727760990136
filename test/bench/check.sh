#!/usr/bin/env bash
# check.sh: `mgw check` side by side with `rclone check`, on the same local
# tree and the same bucket of versitygw (127.0.0.1:7071, keep-alive on, as
# bench.sh). bench.sh runs it after cloud.sh; it also runs alone. Prints one
# table and, at full scale, writes it with the machine and versions into its
# own section of test/bench/RESULTS.md.
#
#   C1  a migrated tree checked: the source read and hashed once, the
#       bucket listed (nothing read from it)            wall time, peak RSS
#   C2  the same with --download: both sides read       wall time, peak RSS
#
# The tree is N files x 4 KiB in N/100 folders: small files, where a
# check's cost per file shows. (Large files are left out: mgw recomputes
# the multipart ETag of each, reading it, where rclone compares only
# their sizes, so the two would not do the same work.) mgw copies the tree
# once (the mgw-copy row, for information), then each tool checks it;
# every check must find no difference. mgw runs with its defaults
# (concurrency 64); rclone with several --checkers, and the fastest counts.
#
# BENCH_SCALE: small (2,000 files), full (100,000, the default) or large
# (1,000,000: 4 GiB of files and as much in the bucket, for a quiet machine
# with the disk for it). Only full writes RESULTS.md. BENCH_RUNS=N (default
# 1) repeats every check N times and keeps the fastest. Before each run the
# script waits up to BENCH_QUIET_WAIT seconds (default 120 at full and large
# scale, 0 at small) for the 1-minute load average to fall under
# BENCH_MAX_LOAD (default 1.0); the load average at the start of each run is
# in the table. The benchmark fails only when a tool fails or finds a
# difference, never on a missed target.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
small) nfiles=2000 quiet_wait=${BENCH_QUIET_WAIT:-0} ;;
full) nfiles=100000 quiet_wait=${BENCH_QUIET_WAIT:-120} ;;
large) nfiles=1000000 quiet_wait=${BENCH_QUIET_WAIT:-120} ;;
*)
	echo "check.sh: BENCH_SCALE must be small, full or large, not $scale" >&2
	exit 2
	;;
esac
runs=${BENCH_RUNS:-1}
max_load=${BENCH_MAX_LOAD:-1.0}
fsize=4096 ndirs=$((nfiles / 100))

# The issue's targets: wall time rclone / mgw, and peak RSS mgw <= rclone.
target_c1=3
target_c2=1

# rclone's flag sets; every set compares hashes, as mgw does.
declare -A flags=(
	[rc-c1-a]="--checkers 8"
	[rc-c1-b]="--checkers 32"
	[rc-c1-c]="--checkers 64 --fast-list"
	[rc-c2-a]="--download --checkers 8"
	[rc-c2-b]="--download --checkers 32"
)

export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY

log() { echo "check.sh: $*" >&2; }

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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-checkbench.XXXXXX")
mkdir -p "$tmp/m" "$tmp/log"
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/sdkloop" ./test/bench/sdkloop)
mgw=$tmp/mgw

export VGW_KEEP_ALIVE=${BENCH_KEEPALIVE:-true}
vgw=$root/test/servers/versitygw.sh
port=${BENCH_S3_PORT:-7071}
started=
if ! info=$(MGW_S3_PORT=$port "$vgw" status); then
	info=$(MGW_S3_PORT=$port "$vgw" start)
	started=1
fi
endpoint=$(sed -n 's/^endpoint=//p' <<<"$info")
sdk=("$tmp/sdkloop" -endpoint "$endpoint")
bkt=checkbench-$$
cleanup() {
	"${sdk[@]}" -bucket "$bkt" purge >/dev/null 2>&1 || log "could not remove bucket $bkt"
	if [ -n "$started" ]; then
		MGW_S3_PORT=$port "$vgw" stop || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

export RCLONE_CONFIG_VGW_TYPE=s3 RCLONE_CONFIG_VGW_PROVIDER=Other \
	RCLONE_CONFIG_VGW_ENDPOINT=$endpoint RCLONE_CONFIG_VGW_REGION=us-east-1 \
	RCLONE_CONFIG_VGW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
	RCLONE_CONFIG_VGW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
	RCLONE_CONFIG_VGW_FORCE_PATH_STYLE=true
rclone=("$bin/rclone" --config /dev/null)

# --- measuring (as cloud.sh, with the load average) ----------------------

declare -A wall cpu rss load
order=()
# quiet: wait (up to quiet_wait s) for the load average to fall under
# max_load, so a figure is not another build's.
quiet() {
	local waited=0
	while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$max_load" 'BEGIN { exit !(l > m) }' && ((waited < quiet_wait)); do
		sleep 5 # waiting for other work on the machine, not for a result
		waited=$((waited + 5))
	done
}
# measure RUN CMD...: run CMD, keep its wall time (s), CPU time (user+sys,
# s), peak RSS (MiB) and the load average when it started. Its output goes
# to $tmp/log/RUN.
measure() {
	local run=$1 t0 t1
	shift
	sync
	quiet
	load[$run]=$(cut -d' ' -f1 /proc/loadavg)
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
	log "$(printf '%-12s %8.2f s wall %7.2f s CPU %5d MiB  load %s' "$run" "${wall[$run]}" "${cpu[$run]}" "${rss[$run]}" "${load[$run]}")"
}
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
best() {
	local n b=$1
	for n in "$@"; do
		if awk -v x="${wall[$n]}" -v y="${wall[$b]}" 'BEGIN { exit !(x < y) }'; then
			b=$n
		fi
	done
	echo "$b"
}
# each CONF CMD...: run CMD once per try as CONF-1, CONF-2...; the
# fastest try's name is left in $BEST.
each() {
	local conf=$1 r
	shift
	for ((r = 1; r <= runs; r++)); do
		measure "$conf-$r" "$@"
	done
	local names=()
	for ((r = 1; r <= runs; r++)); do
		names+=("$conf-$r")
	done
	BEST=$(best "${names[@]}")
}

# --- data: the tree, copied once by mgw ------------------------------------

log "scale $scale: $nfiles files x $fsize B in $ndirs folders"
src=$tmp/src
mkdir -p "$src"
for ((d = 0; d < ndirs; d++)); do
	dir=$src/d$(printf %04d $d)
	mkdir "$dir"
	head -c $((100 * fsize)) /dev/urandom | split -b $fsize -a 2 -d - "$dir/f"
done
"${sdk[@]}" -bucket "$bkt" mkbucket
cat >"$tmp/mgw.yaml" <<EOF
state_dir: $tmp/state
mount: ""
addresses:
  - name: src
    type: local
    path: $src
  - name: dst
    type: s3
    endpoint: $endpoint
    region: us-east-1
    bucket: $bkt
    path_style: true
    access_key_id: \${BENCH_S3_KEY}
    access_key_secret: \${BENCH_S3_SECRET}
jobs:
  - name: bench-check
    source: src
    destination: dst
EOF
measure mgw-copy "$mgw" run --config "$tmp/mgw.yaml" bench-check
if ! grep -Eq "^copied and verified +$nfiles " "$tmp/log/mgw-copy"; then
	log "mgw did not copy every file"
	exit 1
fi

# --- C1, C2 ----------------------------------------------------------------

# clean RUN: the check RUN found nothing missing or different.
clean() {
	case $1 in
	mgw-*) grep -Eq '^result +no differences' "$tmp/log/$1" ;;
	*) grep -q ' 0 differences found' "$tmp/log/$1" ;;
	esac || {
		log "$1 found differences in a clean copy"
		tail -n 20 "$tmp/log/$1" >&2
		exit 1
	}
}

log "C1: check, the source read once"
each mgw-c1 "$mgw" check --config "$tmp/mgw.yaml" bench-check
mgw_c1=$BEST
tried=()
for v in a b c; do
	# shellcheck disable=SC2086 # flags are words
	each rc-c1-$v "${rclone[@]}" check "$src" "vgw:$bkt" ${flags[rc-c1-$v]}
	tried+=("$BEST")
done
rc_c1=$(best "${tried[@]}")

log "C2: check --download, both sides read"
each mgw-c2 "$mgw" check --config "$tmp/mgw.yaml" --download bench-check
mgw_c2=$BEST
tried=()
for v in a b; do
	# shellcheck disable=SC2086
	each rc-c2-$v "${rclone[@]}" check "$src" "vgw:$bkt" ${flags[rc-c2-$v]}
	tried+=("$BEST")
done
rc_c2=$(best "${tried[@]}")
for run in "${order[@]}"; do
	[ "$run" = mgw-copy ] || clean "$run"
done

# --- report ----------------------------------------------------------------

met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "no") }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }
r1=$(calc "${wall[$rc_c1]} / ${wall[$mgw_c1]}") r2=$(calc "${wall[$rc_c2]} / ${wall[$mgw_c2]}")
table=$(
	cat <<EOF
| scenario | mgw s | rclone s | ratio | target | met? | mgw MiB | rclone MiB | mgw ≤ rclone? |
|---|---:|---:|---:|---:|---|---:|---:|---|
| C1 check of $nfiles files | ${wall[$mgw_c1]} | ${wall[$rc_c1]} | $r1 | ≥ $target_c1 | $(met "$r1" $target_c1) | ${rss[$mgw_c1]} | ${rss[$rc_c1]} | $(le "${rss[$mgw_c1]}" "${rss[$rc_c1]}") |
| C2 the same, --download | ${wall[$mgw_c2]} | ${wall[$rc_c2]} | $r2 | ≥ $target_c2 | $(met "$r2" $target_c2) | ${rss[$mgw_c2]} | ${rss[$rc_c2]} | $(le "${rss[$mgw_c2]}" "${rss[$rc_c2]}") |

Ratio: rclone's wall time / mgw's (> 1 is better for mgw); MiB: peak RSS.
mgw: \`mgw check\` with the job's defaults (concurrency 64); rclone: \`rclone
check\` of the same folder and bucket, the best of the flag sets below. Each
check reads every source file once and, in C2 only, every object. Best of
$runs run(s) each. Load: the 1-minute load average when the run started.

| run | wall s | CPU s | peak RSS MiB | load | flags |
|---|---:|---:|---:|---:|---|
EOF
	for run in "${order[@]}"; do
		case $run in
		mgw-copy) f="mgw run: the copy checked (not a figure)" ;;
		mgw-*) f="defaults" ;;
		*) f=${flags[${run%-*}]} ;;
		esac
		echo "| $run | ${wall[$run]} | ${cpu[$run]} | ${rss[$run]} | ${load[$run]} | \`$f\` |"
	done
)
echo
echo "$table"
uptime

if [ "$scale" = full ]; then
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	section=$(
		echo "## Check: mgw check and rclone check"
		echo
		echo "Generated by \`bash test/bench/check.sh\` (also part of \`make bench\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "A local tree copied by mgw to versitygw (posix backend, $endpoint, keep-alive:"
		echo "$VGW_KEEP_ALIVE), then checked by each tool."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r)."
		echo
		echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
		echo "$(go version | cut -d' ' -f3), rclone $(mod "$bin/rclone"), versitygw $(mod "$bin/versitygw")."
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section check.sh "$section"
	log "wrote its section of test/bench/RESULTS.md"
fi

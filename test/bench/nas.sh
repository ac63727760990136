#!/usr/bin/env bash
# nas.sh: an SMB share as the source, mgw side by side with rclone's smb
# backend, on the same share of the same smbd and to the same S3 server
# (versitygw on loopback). bench.sh runs it at its end; it also runs
# alone. Prints one table and, at full scale, writes it with the machine
# and versions into its own section of test/bench/RESULTS.md.
#
#   S1  20,000 files x 4 KiB in 200 folders, first copy      files/s
#   S2  4 files x 512 MiB, first copy                        MB/s
#   S3  S1 again, nothing changed (mgw's poll of the share)  wall time
#   S4  S1's files with mgw alone, from the local disk, two NFS
#       exports and the SMB share                         files/s
#
# BENCH_SCALE=small runs the same scenarios on 2,000 files and 4 x 64 MiB
# for a smoke test; it writes no RESULTS.md. BENCH_RUNS=N (default 1)
# repeats every run N times and keeps the fastest. BENCH_NAS=s4 runs S4
# alone (and writes no RESULTS.md). The benchmark fails only when a tool
# fails or a copy is wrong, never on a missed target.
#
# The share is a private smbd (test/servers/samba.sh with MGW_SMB_PORT,
# BENCH_SMB_PORT, default 14453), so the tests' server on 1445 keeps its
# own data and load; it is started empty here and stopped at the end. The
# data is written into the share's folder on the local disk, not through
# SMB. Each first copy goes to a fresh bucket (and, for mgw, a fresh state
# dir). mgw runs with its defaults; rclone runs several flag sets per
# scenario and the best one counts.
#
# S4's NFS exports are nfs-ganesha behind rpcbind (test/servers/ganesha.sh,
# reached through the portmapper; started here unless it runs, and then
# stopped here), a real server whose rate the target is judged on, and a
# private go-nfs server (test/servers/nfs.sh with MGW_NFS_PORT,
# BENCH_NFS_PORT, default 12069, built into the benchmark's own folder),
# the tests' server, for comparison; each is given a copy of S1's folder.
# Its local-disk run reads S1's folder in the share's folder directly. The
# four sources run in turn, BENCH_RUNS times, so that a load coming and
# going on the machine falls on all of them alike.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
only=${BENCH_NAS:-}
case $only in
'' | s4) ;;
*)
	echo "nas.sh: BENCH_NAS must be empty or s4, not $only" >&2
	exit 2
	;;
esac
case $scale in
full) nfiles=20000 ndirs=200 nbig=4 bigmib=512 ;;
small) nfiles=2000 ndirs=20 nbig=4 bigmib=64 ;;
*)
	echo "nas.sh: BENCH_SCALE must be full or small, not $scale" >&2
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
target_s4=0.7 # files/s, mgw from NFS / mgw from the local disk

# rclone's flag sets: bench.sh's, which tune the S3 side; the smb backend
# has no knob for speed beyond --transfers and --checkers (its connection
# pool grows with them). Every set checks the destination, as mgw does.
declare -A flags=(
	[rc-s1-a]="--transfers 32 --checkers 32"
	[rc-s1-b]="--transfers 32 --checkers 32 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s1-c]="--transfers 64 --checkers 64 --s3-no-check-bucket --fast-list --s3-no-head"
	[rc-s2-a]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket"
	[rc-s2-b]="--transfers 4 --s3-upload-concurrency 4 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
	[rc-s2-c]="--transfers 4 --s3-upload-concurrency 8 --s3-chunk-size 16M --s3-no-check-bucket --s3-disable-checksum"
)
# The no-change run adds to S1's best set how rclone tells a change: size +
# modtime (a HEAD per object for the modtime), --checksum (SMB gives no
# hash, so rclone falls back to the size alone), or "newer than its upload".
declare -A rerun=([a]="" [b]="--checksum" [c]="--update --use-server-modtime")

# The test servers' fixed credentials (versitygw.sh's keys, samba.sh's
# user and password). Every tool reads them from the environment or a
# file, so they never show in ps or in a config file.
export AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret
export BENCH_S3_KEY=$AWS_ACCESS_KEY_ID BENCH_S3_SECRET=$AWS_SECRET_ACCESS_KEY
smb_password='pa,ss"wo'\''rd 1'

log() { echo "nas.sh: $*" >&2; }

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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-nasbench.XXXXXX")
mkdir -p "$tmp/m" "$tmp/log"
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/sdkloop" ./test/bench/sdkloop)
mgw=$tmp/mgw

# The benchmark's S3 server (bench.sh's, when it runs this): keep-alive on,
# as in bench.sh. Started here only if not running, and then stopped here.
export MGW_S3_PORT=${BENCH_S3_PORT:-7071}
export VGW_KEEP_ALIVE=${BENCH_KEEPALIVE:-true}
vgw=$root/test/servers/versitygw.sh
started_vgw=
if ! info=$("$vgw" status); then
	started_vgw=1
	info=$("$vgw" start)
fi
endpoint=$(sed -n 's/^endpoint=//p' <<<"$info")
sdk=("$tmp/sdkloop" -endpoint "$endpoint")

smb=(bash "$root/test/servers/samba.sh")
smb_port=${BENCH_SMB_PORT:-14453}
# The NFS server is built into $tmp: the tests' /tmp/bin/mgw-nfsd stays theirs.
nfs=(env MGW_TEST_BIN="$tmp" MGW_NFS_PORT="${BENCH_NFS_PORT:-12069}" bash "$root/test/servers/nfs.sh")
ganesha=(bash "$root/test/servers/ganesha.sh")
started_ganesha=
buckets=()
cleanup() {
	local b
	if [ -n "$started_vgw" ]; then
		"$vgw" stop
	else
		for b in "${buckets[@]}"; do
			"${sdk[@]}" -bucket "$b" purge || log "could not remove bucket $b"
		done
	fi
	MGW_SMB_PORT=$smb_port "${smb[@]}" stop || true
	"${nfs[@]}" stop || true
	if [ -n "$started_ganesha" ]; then
		"${ganesha[@]}" stop || true
	else
		rm -rf "${ganesha_dir:?}/$prefix"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# restart: an empty server, whatever an earlier run left.
info=$(MGW_SMB_PORT=$smb_port "${smb[@]}" restart)
smb_server=$(sed -n 's/^server=//p' <<<"$info")
smb_share=$(sed -n 's/^share=//p' <<<"$info")
smb_user=$(sed -n 's/^user=//p' <<<"$info")
smb_dir=$(sed -n 's/^dir=//p' <<<"$info")
printf '%s\n' "$smb_password" >"$tmp/smb.pw"
chmod 0600 "$tmp/smb.pw"
info=$("${nfs[@]}" restart)
nfs_server=$(sed -n 's/^server=//p' <<<"$info")
nfs_export=$(sed -n 's/^export=//p' <<<"$info")
nfs_dir=$(sed -n 's/^dir=//p' <<<"$info")
if ! info=$("${ganesha[@]}" status); then
	started_ganesha=1
	info=$("${ganesha[@]}" start)
fi
ganesha_server=$(sed -n 's/^server=//p' <<<"$info")
ganesha_export=$(sed -n 's/^export=//p' <<<"$info")
ganesha_dir=$(sed -n 's/^dir=//p' <<<"$info")

export RCLONE_CONFIG_VGW_TYPE=s3 RCLONE_CONFIG_VGW_PROVIDER=Other \
	RCLONE_CONFIG_VGW_ENDPOINT=$endpoint RCLONE_CONFIG_VGW_REGION=us-east-1 \
	RCLONE_CONFIG_VGW_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
	RCLONE_CONFIG_VGW_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
	RCLONE_CONFIG_VGW_FORCE_PATH_STYLE=true
rclone=("$bin/rclone" --config /dev/null)
# rclone's smb backend takes the password obscured; from stdin, not argv.
export RCLONE_CONFIG_NAS_TYPE=smb RCLONE_CONFIG_NAS_HOST=${smb_server%:*} \
	RCLONE_CONFIG_NAS_PORT=${smb_server##*:} RCLONE_CONFIG_NAS_USER=$smb_user
RCLONE_CONFIG_NAS_PASS=$("${rclone[@]}" obscure - <"$tmp/smb.pw")
export RCLONE_CONFIG_NAS_PASS

prefix=nasbench-$$
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

declare -A wall cpu rss load
order=()
# measure RUN CMD...: run CMD, keep its wall time (s), CPU time (user+sys,
# s), peak RSS (MiB) and the load average (1 minute) when it started. Its
# output goes to $tmp/log/RUN. smbd's own CPU is not counted: it serves
# both tools alike.
measure() {
	local run=$1 t0 t1
	shift
	sync # what earlier steps left dirty is written back before
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
	log "$(printf '%-16s %8.2f s wall %7.2f s CPU %5d MiB  load %s' "$run" "${wall[$run]}" "${cpu[$run]}" "${rss[$run]}" "${load[$run]}")"
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

# mgwjob RUN FOLDER BUCKET [SOURCE]: write a config with job bench-RUN
# copying FOLDER of SOURCE (smb, the default: the share; nfs: go-nfs's
# export; ganesha: nfs-ganesha's, through the portmapper; local: the
# share's folder on disk) to BUCKET, state in its own dir, and print its
# path.
mgwjob() {
	local cfg=$tmp/$1.yaml src
	case ${4:-smb} in
	smb)
		src="    type: smb
    server: $smb_server
    share: $smb_share
    path: $2
    user: $smb_user
    password_file: $tmp/smb.pw"
		;;
	nfs)
		src="    type: nfs
    server: $nfs_server
    export: $nfs_export
    path: $2"
		;;
	ganesha)
		src="    type: nfs
    server: $ganesha_server
    export: $ganesha_export
    path: $prefix/$2"
		;;
	local)
		src="    type: local
    path: $smb_dir/$2"
		;;
	esac
	cat >"$cfg" <<EOF
state_dir: $tmp/state-$1
addresses:
  - name: src
$src
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

# unchanged RUN N: mgw's run RUN scanned the share's N files and found
# them all unchanged (a fast no-change run that listed nothing would not).
unchanged() {
	if ! grep -Eq "^files scanned +$2 " "$tmp/log/$1" || ! grep -Eq "^unchanged +$2\$" "$tmp/log/$1"; then
		log "$1: mgw did not scan $2 files and find them unchanged"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}

# first CONF FOLDER N: copy the N files of the share's FOLDER to a fresh
# bucket per try, with CONF: mgw-* (mgw's defaults) or rc-* (with
# flags[CONF]). The fastest try's name is left in $BEST and its bucket
# kept; the others go.
first() {
	local conf=$1 folder=$2 run
	for run in $(tries "$conf"); do
		bucket "$run"
		# shellcheck disable=SC2086 # flags are words
		case $conf in
		mgw-*)
			measure "$run" "$mgw" run --config "$(mgwjob "$run" "$folder" "$B")" "bench-$run"
			copied "$run" "$3"
			;;
		rc-*) measure "$run" "${rclone[@]}" copy "nas:$smb_share/$folder" "vgw:$B" ${flags[$conf]} ;;
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

# check FOLDER BUCKET [DIR]: every file of FOLDER in DIR (default: the
# share's folder on disk: SMB gives no hash) is in BUCKET with the same MD5.
check() {
	if ! "${rclone[@]}" check "${3:-$smb_dir}/$1" "vgw:$2" --one-way --fast-list --checkers 32 >"$tmp/log/check-$2" 2>&1; then
		log "copy in $2 differs from $1 in ${3:-$smb_dir}"
		tail -n 20 "$tmp/log/check-$2" >&2
		exit 1
	fi
}

# --- data ----------------------------------------------------------------

log "scale $scale, $runs run(s) each: $nfiles files x $fsize B in $ndirs folders; $nbig x $bigmib MiB; share //$smb_server/$smb_share"
small=bench/small big=bench/big
mkdir -p "$smb_dir/$small" "$smb_dir/$big"
for ((d = 0; d < ndirs; d++)); do
	dir=$smb_dir/$small/d$(printf %03d $d)
	mkdir "$dir"
	head -c $((perdir * fsize)) /dev/urandom | split -b $fsize -a 4 -d - "$dir/f"
done
if [ -z "$only" ]; then
	for ((i = 0; i < nbig; i++)); do
		head -c $((bigmib << 20)) /dev/urandom >"$smb_dir/$big/b$i"
	done
fi
bigbytes=$((nbig * bigmib << 20))
# S4's NFS exports hold the same files, copied with their times; in
# ganesha's, under a folder of this run's own: ganesha keeps what it
# listed, and files changed behind its back in a folder an earlier run
# listed would not show.
for d in "$nfs_dir" "$ganesha_dir/$prefix"; do
	mkdir -p "$d/$small"
	cp -a "$smb_dir/$small/." "$d/$small/"
done

# --- S4: the same small files from a local disk, NFS and SMB ---------------

# One try of each source in turn, BENCH_RUNS times; the fastest try of
# each counts and its copy is checked.
log "S4: first copy of $nfiles small files from the local disk, two NFS exports and the SMB share"
s4src=(local ganesha nfs smb)
for ((r = 1; r <= runs; r++)); do
	for src in "${s4src[@]}"; do
		run=mgw-s4-$src-$r
		bucket "$run"
		measure "$run" "$mgw" run --config "$(mgwjob "$run" "$small" "$B" "$src")" "bench-$run"
		copied "$run" "$nfiles"
	done
done
declare -A s4
for src in "${s4src[@]}"; do
	# shellcheck disable=SC2046
	s4[$src]=$(best $(tries "mgw-s4-$src"))
	for run in $(tries "mgw-s4-$src"); do
		[ "$run" = "${s4[$src]}" ] || drop "$run"
	done
done
check "$small" "$prefix-${s4[local]}"
check "$small" "$prefix-${s4[ganesha]}" "$ganesha_dir/$prefix"
check "$small" "$prefix-${s4[nfs]}" "$nfs_dir"
check "$small" "$prefix-${s4[smb]}"
for src in "${s4src[@]}"; do
	drop "${s4[$src]}"
done

if [ -z "$only" ]; then # S1 to S3: to the end of the next if

# --- S1: many small files, first copy ------------------------------------

log "S1: first copy of $nfiles small files from the share"
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
check "$small" "$prefix-$mgw_s1"
check "$small" "$prefix-$rc_s1"

# --- S3: nothing changed -------------------------------------------------

log "S3: run again, nothing changed"
for run in $(tries mgw-s3); do
	measure "$run" "$mgw" run --config "$tmp/$mgw_s1.yaml" "bench-$mgw_s1"
	copied "$run" 0
	unchanged "$run" "$nfiles"
done
# shellcheck disable=SC2046
mgw_s3=$(best $(tries mgw-s3))
tried=()
for v in a b c; do
	flags[rc-s3-$v]="${flags[${rc_s1%-*}]}${rerun[$v]:+ ${rerun[$v]}}"
	# shellcheck disable=SC2086
	again rc-s3-$v "${rclone[@]}" copy "nas:$smb_share/$small" "vgw:$prefix-$rc_s1" ${flags[rc-s3-$v]}
	tried+=("$BEST")
done
rc_s3=$(best "${tried[@]}")
drop "$mgw_s1"
drop "$rc_s1"

# --- S2: a few large files, first copy -----------------------------------

log "S2: first copy of $nbig x $bigmib MiB from the share"
first mgw-s2 "$big" "$nbig"
mgw_s2=$BEST
drop "$BEST"
tried=()
for conf in rc-s2-a rc-s2-b rc-s2-c; do
	first $conf "$big" "$nbig"
	drop "$BEST"
	tried+=("$BEST")
done
rc_s2=$(best "${tried[@]}")

fi # S1 to S3

# --- report --------------------------------------------------------------

fps() { calc "$nfiles / ${wall[$1]}"; }
s4_l=$(fps "${s4[local]}") s4_g=$(fps "${s4[ganesha]}") s4_n=$(fps "${s4[nfs]}") s4_s=$(fps "${s4[smb]}")
r4=$(calc "$s4_g / $s4_l")
s4table=$(
	cat <<EOF
| S4: mgw, first copy of $nfiles x 4 KiB, from | files/s | CPU s per 1,000 files | load at start |
|---|---:|---:|---:|
| the local disk (type: local) | $s4_l | $(calc "${cpu[${s4[local]}]} * 1000 / $nfiles") | ${load[${s4[local]}]} |
| an NFS export (nfs-ganesha, through the portmapper) | $s4_g | $(calc "${cpu[${s4[ganesha]}]} * 1000 / $nfiles") | ${load[${s4[ganesha]}]} |
| an NFS export (go-nfs, the tests' server) | $s4_n | $(calc "${cpu[${s4[nfs]}]} * 1000 / $nfiles") | ${load[${s4[nfs]}]} |
| the SMB share (smbd) | $s4_s | $(calc "${cpu[${s4[smb]}]} * 1000 / $nfiles") | ${load[${s4[smb]}]} |

| S4 ratio | value | target | met? |
|---|---:|---:|---|
| NFS (ganesha) / local disk | $r4 | ≥ $target_s4 | $(awk -v r="$r4" -v t="$target_s4" 'BEGIN { print (r >= t ? "yes" : "no") }') |
| NFS (go-nfs) / local disk | $(calc "$s4_n / $s4_l") | | |
| NFS (ganesha) / SMB | $(calc "$s4_g / $s4_s") | | |
| SMB / local disk | $(calc "$s4_s / $s4_l") | | |

S4 is mgw alone, with its defaults, reading S1's folder from four
sources: the folder on the local disk, the same files in a folder exported
by nfs-ganesha (NFSv3, its ports from rpcbind) and by the project's go-nfs
test server (test/servers/nfsd, one port; a Go server whose share of the
two cores holds mgw back), and the SMB share of S1; each to a fresh bucket of the same S3
server. The sources run in turn, best of $runs try(s) each; CPU is mgw's,
not the file servers'.
EOF
)
if [ -n "$only" ]; then
	echo
	echo "$s4table"
	echo
	echo "| run | wall s | CPU s | peak RSS MiB | load at start |"
	echo "|---|---:|---:|---:|---:|"
	for run in "${order[@]}"; do
		echo "| $run | ${wall[$run]} | ${cpu[$run]} | ${rss[$run]} | ${load[$run]} |"
	done
	exit 0
fi
mbs() { calc "$bigbytes / 1e6 / ${wall[$1]}"; }
per1k() { calc "${cpu[$1]} * 1000 / $nfiles"; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "yes" : "no") }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }

s1_m=$(fps "$mgw_s1") s1_r=$(fps "$rc_s1")
c_m=$(per1k "$mgw_s1") c_r=$(per1k "$rc_s1")
s2_m=$(mbs "$mgw_s2") s2_r=$(mbs "$rc_s2")
s3_m=${wall[$mgw_s3]} s3_r=${wall[$rc_s3]}
r1=$(calc "$s1_m / $s1_r") r2=$(calc "$s2_m / $s2_r") r3=$(calc "$s3_r / $s3_m")

table=$(
	cat <<EOF
| scenario (source: SMB share) | mgw | rclone | ratio | target | met? |
|---|---:|---:|---:|---:|---|
| S1 first copy, $nfiles x 4 KiB: files/s | $s1_m | $s1_r | $r1 | ≥ $target_s1 | $(met "$r1" $target_s1) |
| S1 CPU s (user+sys) per 1,000 files | $c_m | $c_r | $(calc "$c_r / $c_m") | | |
| S2 first copy, $nbig x $bigmib MiB: MB/s | $s2_m | $s2_r | $r2 | ≥ $target_s2 | $(met "$r2" $target_s2) |
| S3 run again, nothing changed: wall s | $s3_m | $s3_r | $r3 | ≥ $target_s3 | $(met "$r3" $target_s3) |
| S4 mgw from NFS (ganesha) / mgw from the local disk, files/s | $s4_g | $s4_l | $r4 | ≥ $target_s4 | $(met "$r4" $target_s4) |

Ratio: > 1 is better for mgw (mgw / rclone for rates, rclone / mgw for
times and CPU). rclone: its smb backend, the best of the flag sets below.
S3 is mgw's job run again (it lists the share and compares with its
index) against \`rclone copy\` with nothing to copy. Best of $runs run(s)
each. CPU and RSS are the client's; smbd's and versitygw's are not
counted. S4's row compares mgw with itself, NFS against the local disk;
its own table follows.

$s4table

Peak RSS, MiB:

| scenario | mgw | rclone | mgw ≤ rclone? |
|---|---:|---:|---|
| S1 first copy | ${rss[$mgw_s1]} | ${rss[$rc_s1]} | $(le "${rss[$mgw_s1]}" "${rss[$rc_s1]}") |
| S2 first copy | ${rss[$mgw_s2]} | ${rss[$rc_s2]} | $(le "${rss[$mgw_s2]}" "${rss[$rc_s2]}") |
| S3 nothing changed | ${rss[$mgw_s3]} | ${rss[$rc_s3]} | $(le "${rss[$mgw_s3]}" "${rss[$rc_s3]}") |

Every run, in order:

| run | wall s | CPU s | peak RSS MiB | load at start | flags |
|---|---:|---:|---:|---:|---|
EOF
	for run in "${order[@]}"; do
		case $run in
		mgw-*) f="defaults (overwrite: if-newer, concurrency 64)" ;;
		*) f=${flags[${run%-*}]} ;;
		esac
		echo "| $run | ${wall[$run]} | ${cpu[$run]} | ${rss[$run]} | ${load[$run]} | \`$f\` |"
	done
)
echo
echo "$table"

if [ "$scale" = full ]; then
	mod() { go version -m "$1" | awk '$1 == "mod" { print $3 }'; }
	section=$(
		echo "## SMB and NFS shares as the source: mgw and rclone's smb backend; mgw from NFS, SMB and a local disk"
		echo
		echo "Generated by \`bash test/bench/nas.sh\` (also the end of \`make bench\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "S1 to S3: mgw and rclone copy a folder of an SMB share (Debian's smbd $(smbd --version | awk '{ print $2 }'), SMB2/3,"
		echo "on loopback) to versitygw's posix backend on loopback (keep-alive: $VGW_KEEP_ALIVE);"
		echo "each first copy goes to a fresh bucket. mgw runs with its defaults."
		echo "S4: mgw copies S1's small files from the local disk, from NFS exports of"
		echo "the same files (nfs-ganesha and the go-nfs test server, NFSv3 on loopback) and from the SMB share, to the"
		echo "same S3 server: what NFS costs against the disk it serves (target: NFS ≥ $target_s4 × local)."
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
	write_section nas.sh "$section"
	log "wrote its section of test/bench/RESULTS.md"
fi

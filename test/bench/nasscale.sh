#!/usr/bin/env bash
# nasscale.sh: shares at size and under change, for SMB (a private smbd)
# and NFS (a private test/servers/nfsd). bench.sh runs it at its end; it
# also runs alone. Prints one table and, at full scale, writes it with the
# machine and versions into its own section of test/bench/RESULTS.md.
#
#   W  a folder of 100,000 names, listed
#   F  a share of 1,000,000 files (1,000 folders x 1,000), listed
#   P  F's no-change poll: a pass of a job whose index holds every file
#   D  P with the server bounced mid-listing; and W likewise (DW)
#
# A listing (W, F) is `mgw run` of a job whose filter excludes every file
# (exclude: ["**"]): it lists the whole share and copies nothing, the
# cheapest mgw command that does. P is what a continuous job does every
# poll on a share it cannot watch: list, compare with the index, nothing to
# copy. Its index is filled by test/bench/nasseed, which lists the share
# through mgw's own connector and records each file as a first copy would:
# a first copy of a million files over SMB would take an hour here and
# change nothing of what is measured. For each run: wall time, peak RSS
# (/usr/bin/time), and the requests the server received, by operation
# (smbd's own profiling, `smbd profiling level = count`; nfsd's call
# counter, -count), so "what does a poll cost my NAS" has an answer.
#
# D checks that the run ends with the exact count after the bounce
# (samba.sh/nfs.sh bounce keep the files) and compares its requests with
# the run without a drop: a listing started over would read every folder
# read before the drop again.
#
# BENCH_SCALE=small: 10,000 names, 100,000 files in 100 folders, for a
# smoke test; it writes no RESULTS.md. Before each figure the script waits
# (up to BENCH_QUIET_WAIT seconds, default 300 at full scale, 0 at small)
# for the 1-minute load average to fall under BENCH_MAX_LOAD (default 1.0),
# and prints uptime; the load average goes into the table beside the
# figure. The benchmark fails only when a tool fails or a count is wrong,
# never on a missed target or a busy machine. BENCH_LOGS=DIR keeps the
# runs' output and request counts there.
#
# The servers run on their own ports (BENCH_SMB_PORT, default 14463;
# BENCH_NFS_PORT, default 12059), started empty here and stopped at the
# end, which also removes the files. The files are written into the
# server's folder on the local disk (test/bench/syncbench gen, empty
# files), first the SMB share's, then moved (one rename) into the NFS
# export.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$bin:$PATH

scale=${BENCH_SCALE:-full}
case $scale in
full) nwide=100000 nfiles=1000000 ndirs=1000 quiet_wait=${BENCH_QUIET_WAIT:-300} ;;
small) nwide=10000 nfiles=100000 ndirs=100 quiet_wait=${BENCH_QUIET_WAIT:-0} ;;
*)
	echo "nasscale.sh: BENCH_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac
max_load=${BENCH_MAX_LOAD:-1.0}

# The memory bound this benchmark states: a listing or a no-change pass
# of the share, whatever its size, within this peak RSS.
bound_rss=256 # MiB

smb_password='pa,ss"wo'\''rd 1' # samba.sh's fixed test password

log() { echo "nasscale.sh: $*" >&2; }

# --- tools and servers ---------------------------------------------------

if [ ! -x /usr/bin/time ]; then
	log "installing GNU time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mgw-nasscale.XXXXXX")
mkdir -p "$tmp/m" "$tmp/log" "$tmp/dst"
(cd "$root" && go build -o "$tmp/mgw" ./cmd/mgw && go build -o "$tmp/syncbench" ./test/bench/syncbench &&
	go build -o "$tmp/nasseed" ./test/bench/nasseed)
mgw=$tmp/mgw

smb=(bash "$root/test/servers/samba.sh")
# nfsd built into our own folder: another worktree's nfs.sh may rebuild
# the one in /tmp/bin from its own source meanwhile.
nfs=(env MGW_TEST_BIN="$tmp/bin" bash "$root/test/servers/nfs.sh")
smb_port=${BENCH_SMB_PORT:-14463}
nfs_port=${BENCH_NFS_PORT:-12059}
export MGW_SMB_PROFILE=1 MGW_NFS_COUNT=1
running= # the run measure waits for, stopped first if the script fails
cleanup() {
	if [ -n "$running" ]; then
		# /usr/bin/time's child, mgw, then time itself.
		pkill -TERM -P "$running" 2>/dev/null || true
		kill "$running" 2>/dev/null || true
		wait "$running" 2>/dev/null || true
	fi
	if [ -n "${BENCH_LOGS:-}" ]; then
		mkdir -p "$BENCH_LOGS"
		cp -r "$tmp/log" "$tmp"/req.* "$tmp"/*.yaml "$BENCH_LOGS/" 2>/dev/null || true
	fi
	MGW_SMB_PORT=$smb_port "${smb[@]}" stop || true
	MGW_NFS_PORT=$nfs_port "${nfs[@]}" stop || true
	[ -z "${nfs_dir:-}" ] || rm -f "$(dirname "$nfs_dir").log"
	rm -rf "$tmp"
}
trap cleanup EXIT
# restart: empty servers, whatever an earlier run left.
info=$(MGW_SMB_PORT=$smb_port "${smb[@]}" restart)
smb_server=$(sed -n 's/^server=//p' <<<"$info")
smb_share=$(sed -n 's/^share=//p' <<<"$info")
smb_user=$(sed -n 's/^user=//p' <<<"$info")
smb_dir=$(sed -n 's/^dir=//p' <<<"$info")
smb_conf=$(sed -n 's/^conf=//p' <<<"$info")
info=$(MGW_NFS_PORT=$nfs_port "${nfs[@]}" restart)
nfs_server=$(sed -n 's/^server=//p' <<<"$info")
nfs_export=$(sed -n 's/^export=//p' <<<"$info")
nfs_dir=$(sed -n 's/^dir=//p' <<<"$info")
nfs_counts=$(sed -n 's/^counts=//p' <<<"$info")
printf '%s\n' "$smb_password" >"$tmp/smb.pw"
chmod 0600 "$tmp/smb.pw"

# bounce PROTO: restart PROTO's server, keeping the files.
bounce() {
	case $1 in
	smb) MGW_SMB_PORT=$smb_port "${smb[@]}" bounce >/dev/null ;;
	nfs) MGW_NFS_PORT=$nfs_port "${nfs[@]}" bounce >/dev/null ;;
	esac
}

# --- counting the server's requests ---------------------------------------

# counts PROTO [now]: "op count" lines, the requests PROTO's server
# received since it started (smb: by SMB2 command; nfs: by
# program.procedure). smbd's processes write their counts out within a
# second: counts waits for that, unless asked for them now.
counts() {
	case $1 in
	smb)
		[ -n "${2:-}" ] || sleep 1.5
		smbstatus --configfile="$smb_conf" --profile |
			awk -F'[: ]+' '/^smb2_[a-z_]+_count:/ && $2 > 0 { sub(/^smb2_/, "", $1); sub(/_count$/, "", $1); print $1, $2 }'
		;;
	nfs)
		# Each server process's last dump holds its totals (they only
		# grow); a bounced server's counts come from several processes.
		kill -USR1 "$(cat "$(dirname "$nfs_dir").pid")"
		sleep 0.2
		awk 'NF == 3 && $2 != "dump" && $2 != "connections" { v[$1 " " $2] = $3 }
			END { for (k in v) { split(k, a, " "); n[a[2]] += v[k] } for (o in n) print o, n[o] }' "$nfs_counts" |
			sed 's/^NFS3\.//' | sort
		;;
	esac
}
# sum A B: A's counts plus B's.
sum() { awk '{ n[$1] += $2 } END { for (o in n) print o, n[o] }' "$@" | sort; }
# minus A B: A's counts less B's (B: taken earlier from the same server).
minus() { awk 'FILENAME == ARGV[1] { b[$1] = $2; next } { d = $2 - b[$1]; if (d != 0) print $1, d }' "$2" "$1" | sort; }
# dirop PROTO: the op that reads a folder's names (a page of them).
dirop() { case $1 in smb) echo find ;; nfs) echo READDIRPLUS ;; esac }
# total FILE: all requests.
total() { awk '{ n += $2 } END { print n + 0 }' "$1"; }
# ops FILE: the counts on one line, largest first.
ops() { sort -k2,2nr "$1" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'; }
# op FILE NAME: one op's count.
op() { awk -v o="$2" '$1 == o { n = $2 } END { print n + 0 }' "$1"; }

# --- measuring -------------------------------------------------------------

# quiet: wait (up to quiet_wait s) for the 1-minute load average to fall
# under max_load, then print uptime and keep the load average in $LOAD.
quiet() {
	local waited=0
	while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$max_load" 'BEGIN { exit !(l >= m) }' &&
		[ "$waited" -lt "$quiet_wait" ]; do
		sleep 10
		waited=$((waited + 10))
	done
	log "uptime:$(uptime)"
	LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
}

declare -A wall rss req byop took load
order=()
# measure RUN PROTO CMD...: run CMD, keep its wall time (s), peak RSS
# (MiB), the run's own time (its report's), the 1-minute load average
# before it and the requests PROTO's server received meanwhile. Its
# output goes to $tmp/log/RUN. With BOUNCE_AFTER=N set, the server is
# bounced once it has answered N folder (page) reads of the run.
measure() {
	local run=$1 proto=$2 t0 t1 pid
	shift 2
	sync
	quiet
	load[$run]=$LOAD
	counts "$proto" >"$tmp/before.$run"
	: >"$tmp/at-bounce.$run"
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$tmp/m/$run" "$@" >"$tmp/log/$run" 2>&1 &
	pid=$!
	running=$pid
	if [ -n "${BOUNCE_AFTER:-}" ]; then
		# Until the server has answered BOUNCE_AFTER folder reads.
		while kill -0 "$pid" 2>/dev/null &&
			[ $(($(counts "$proto" now | op - "$(dirop "$proto")") - $(op "$tmp/before.$run" "$(dirop "$proto")"))) -lt "$BOUNCE_AFTER" ]; do
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			counts "$proto" now >"$tmp/at-bounce.$run"
			bounce "$proto"
			log "$run: $proto server bounced after $(($(op "$tmp/at-bounce.$run" "$(dirop "$proto")") - $(op "$tmp/before.$run" "$(dirop "$proto")"))) folder reads"
		else
			log "$run: ended before the bounce"
		fi
	fi
	if ! wait "$pid"; then
		running=
		log "$run failed: $*"
		tail -n 30 "$tmp/log/$run" >&2
		exit 1
	fi
	running=
	t1=$(date +%s%N)
	counts "$proto" >"$tmp/after.$run"
	if [ "$proto" = smb ] && [ -s "$tmp/at-bounce.$run" ]; then
		# smbd counts from zero again after the bounce.
		minus "$tmp/at-bounce.$run" "$tmp/before.$run" >"$tmp/upto.$run"
		sum "$tmp/upto.$run" "$tmp/after.$run" >"$tmp/req.$run"
	else
		minus "$tmp/after.$run" "$tmp/before.$run" >"$tmp/req.$run"
	fi
	wall[$run]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	rss[$run]=$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/m/$run")
	took[$run]=$(sed -n 's/^finished .*(\(.*\))$/\1/p' "$tmp/log/$run")
	req[$run]=$(total "$tmp/req.$run")
	byop[$run]=$(ops "$tmp/req.$run")
	order+=("$run")
	log "$(printf '%-10s %8.2f s wall %5d MiB %9d requests (%s)' "$run" "${wall[$run]}" "${rss[$run]}" "${req[$run]}" "${byop[$run]}")"
}

# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }

# job RUN PROTO FOLDER MODE: write a config with job RUN reading the
# share's FOLDER, state in its own dir, and print its path. MODE list:
# every file excluded (a listing); poll: no filter.
job() {
	local cfg=$tmp/$1.yaml src
	case $2 in
	smb)
		src="    type: smb
    server: $smb_server
    share: $smb_share
    user: $smb_user
    password_file: $tmp/smb.pw"
		;;
	nfs)
		src="    type: nfs
    server: $nfs_server
    export: $nfs_export"
		;;
	esac
	cat >"$cfg" <<EOF
state_dir: $tmp/state-$1
addresses:
  - name: src
$src
    path: $3
  - name: dst
    type: local
    path: $tmp/dst
jobs:
  - name: $1
    source: src
    destination: dst
EOF
	if [ "$4" = list ]; then
		echo '    exclude: ["**"]' >>"$cfg"
	fi
	echo "$cfg"
}

# listed RUN N: the run listed exactly N files and excluded them all.
listed() {
	if ! grep -Eq "^files scanned +$2 " "$tmp/log/$1" || ! grep -Eq "^excluded by filters +$2\$" "$tmp/log/$1"; then
		log "$1: mgw did not list exactly $2 files"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}
# unchanged RUN N: the run listed exactly N files and found them all
# unchanged.
unchanged() {
	if ! grep -Eq "^files scanned +$2 " "$tmp/log/$1" || ! grep -Eq "^unchanged +$2\$" "$tmp/log/$1" ||
		! grep -Eq "^copied and verified +0 " "$tmp/log/$1"; then
		log "$1: mgw did not list exactly $2 files and find them all unchanged"
		cat "$tmp/log/$1" >&2
		exit 1
	fi
}

# --- data ----------------------------------------------------------------

wide=scale/wide/d00000 tree=scale/tree
log "scale $scale: a folder of $nwide names; $nfiles files in $ndirs folders"
t0=$(date +%s)
"$tmp/syncbench" gen -dir "$smb_dir/scale/tree" -files "$nfiles" -dirs "$ndirs" -size 0
"$tmp/syncbench" gen -dir "$smb_dir/scale/wide" -files "$nwide" -dirs 1 -size 0
gen_s=$(($(date +%s) - t0))
log "generated $((nfiles + nwide)) files in $gen_s s"

# scenarios PROTO: W, F, P, D and DW on PROTO's server.
scenarios() {
	local p=$1 cfg
	log "$p: W, a folder of $nwide names"
	measure "$p-W" "$p" "$mgw" run --config "$(job "$p-w" "$p" "$wide" list)" "$p-w"
	listed "$p-W" "$nwide"
	log "$p: F, $nfiles files in $ndirs folders"
	measure "$p-F" "$p" "$mgw" run --config "$(job "$p-f" "$p" "$tree" list)" "$p-f"
	listed "$p-F" "$nfiles"
	log "$p: P, a no-change pass over the $nfiles files (index filled by nasseed)"
	cfg=$(job "$p-p" "$p" "$tree" poll)
	seeded=$("$tmp/nasseed" -config "$cfg" -job "$p-p")
	if [ "$seeded" != "$nfiles" ]; then
		log "$p: nasseed recorded $seeded files, not $nfiles"
		exit 1
	fi
	measure "$p-P" "$p" "$mgw" run --config "$cfg" "$p-p"
	unchanged "$p-P" "$nfiles"
	log "$p: D, P again, the server bounced once it answered 40% of P's folder reads"
	BOUNCE_AFTER=$(($(op "$tmp/req.$p-P" "$(dirop "$p")") * 4 / 10)) measure "$p-D" "$p" "$mgw" run --config "$cfg" "$p-p"
	unchanged "$p-D" "$nfiles"
	log "$p: DW, W again, the server bounced once it answered half W's page reads"
	BOUNCE_AFTER=$(($(op "$tmp/req.$p-W" "$(dirop "$p")") / 2)) measure "$p-DW" "$p" "$mgw" run --config "$(job "$p-dw" "$p" "$wide" list)" "$p-dw"
	listed "$p-DW" "$nwide"
}

scenarios smb
# The same files for NFS: one rename into the export.
mv "$smb_dir/scale" "$nfs_dir/scale"
scenarios nfs

# --- report --------------------------------------------------------------

met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "yes" : "no") }'; }
per() { calc "$1 / $2"; }

# resumed PROTO RUN BASE: how run RUN, bounced, compares with BASE, not
# bounced: folder reads before the bounce, in all, and more than BASE.
resumed() {
	local d before all base
	if [ ! -s "$tmp/at-bounce.$2" ]; then
		echo "(no bounce: the run was over first)"
		return
	fi
	d=$(dirop "$1")
	before=$(($(op "$tmp/at-bounce.$2" "$d") - $(op "$tmp/before.$2" "$d")))
	all=$(op "$tmp/req.$2" "$d")
	base=$(op "$tmp/req.$3" "$d")
	echo "$before/$all/$((all - base))"
}

table=$(
	cat <<EOF
| figure | SMB (smbd) | NFS (nfsd) |
|---|---:|---:|
| W list a folder of $nwide names: wall s | ${wall[smb-W]} | ${wall[nfs-W]} |
| W peak RSS, MiB | ${rss[smb-W]} | ${rss[nfs-W]} |
| W server requests | ${req[smb-W]} | ${req[nfs-W]} |
| F list $nfiles files in $ndirs folders: wall s | ${wall[smb-F]} | ${wall[nfs-F]} |
| F files/s | $(per "$nfiles" "${wall[smb-F]}") | $(per "$nfiles" "${wall[nfs-F]}") |
| F peak RSS, MiB | ${rss[smb-F]} | ${rss[nfs-F]} |
| F server requests | ${req[smb-F]} | ${req[nfs-F]} |
| P no-change pass over the $nfiles files: wall s | ${wall[smb-P]} | ${wall[nfs-P]} |
| P peak RSS, MiB (bound: $bound_rss) | ${rss[smb-P]} | ${rss[nfs-P]} |
| P within the bound (W, F, P)? | $(met "$(printf '%s\n' "${rss[smb-W]}" "${rss[smb-F]}" "${rss[smb-P]}" | sort -n | tail -1)" $bound_rss) | $(met "$(printf '%s\n' "${rss[nfs-W]}" "${rss[nfs-F]}" "${rss[nfs-P]}" | sort -n | tail -1)" $bound_rss) |
| P server requests | ${req[smb-P]} | ${req[nfs-P]} |
| P requests per 1,000 files | $(calc "${req[smb-P]} * 1000 / $nfiles") | $(calc "${req[nfs-P]} * 1000 / $nfiles") |
| P requests per folder | $(per "${req[smb-P]}" "$ndirs") | $(per "${req[nfs-P]}" "$ndirs") |
| D P, bounced after 40% of its folder reads: exact count? | yes | yes |
| D wall s | ${wall[smb-D]} | ${wall[nfs-D]} |
| D folder reads before the bounce / in all / more than P | $(resumed smb smb-D smb-P) | $(resumed nfs nfs-D nfs-P) |
| D server requests, more than P | $((${req[smb-D]} - ${req[smb-P]})) | $((${req[nfs-D]} - ${req[nfs-P]})) |
| DW W, bounced after half its page reads: exact count? | yes | yes |
| DW folder page reads before the bounce / in all / more than W | $(resumed smb smb-DW smb-W) | $(resumed nfs nfs-DW nfs-W) |

Reading D and DW: a listing started over after the bounce would read
again every folder read before it ("more than P" close to "before the
bounce"); one that resumes reads again only the folders being read at the
bounce (a few: 8 are read at a time). DW's bounce falls inside one folder,
which is opened again and read from its start, the names already passed
on being skipped: "more than W" close to "before the bounce" there means
the folder's pages were read twice, not its files listed twice (the count
is exact). Wall time beyond P's or W's is the reconnection.

The server's requests by operation (SMB2 commands, NFSv3 and MOUNT
procedures), the 1-minute load average before the run, the run's own
time (its report's) and wall time:

| run | load avg | wall s | run's time | peak RSS MiB | requests | by operation |
|---|---|---:|---:|---:|---:|---|
EOF
	for run in "${order[@]}"; do
		echo "| $run | ${load[$run]} | ${wall[$run]} | ${took[$run]} | ${rss[$run]} | ${req[$run]} | ${byop[$run]} |"
	done
)
echo
echo "$table"

if [ "$scale" = full ]; then
	dep() { go version -m "$1" | awk -v m="$2" '$1 == "dep" && $2 == m { print $3 }'; }
	section=$(
		echo "## Shares at size and under change: listing, no-change poll, a drop mid-listing"
		echo
		echo "Generated by \`bash test/bench/nasscale.sh\` (also the end of \`make bench\`) on $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "mgw lists an SMB share (Debian's smbd $(smbd --version | awk '{ print $2 }'), SMB2/3, on loopback) and an NFSv3"
		echo "export (test/servers/nfsd: go-nfs $(cd "$root" && go list -m -f '{{.Version}}' github.com/willscott/go-nfs), on loopback) holding the same empty"
		echo "files, written in $gen_s s by \`syncbench gen\`. mgw runs with its defaults (concurrency 64,"
		echo "a listing on 8 connections); the destination is a local folder. W and F are \`mgw run\` of a"
		echo "job that excludes every file; P is \`mgw run\` of a job whose index holds every"
		echo "file (filled by test/bench/nasseed), as a continuous job's poll; D is P, and DW"
		echo "is W, with the server bounced (\`samba.sh bounce\`, \`nfs.sh bounce\`) mid-listing."
		echo "smbd's counts are read just before the bounce (its processes write them out"
		echo "every second), so D's SMB figures may miss up to a second of requests."
		echo
		echo "Machine: $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)),"
		echo "$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, Linux $(uname -r),"
		echo "shared with other agents' builds and tests; the load average before each"
		echo "run is in the last table ($(cut -d' ' -f1-3 /proc/loadavg) at the end)."
		echo
		echo "Versions: mgw $(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown),"
		echo "$(go version | cut -d' ' -f3), go-smb2 $(dep "$mgw" github.com/cloudsoda/go-smb2),"
		echo "go-nfs-client $(dep "$mgw" github.com/willscott/go-nfs-client)."
		echo
		echo "$table"
	)
	# shellcheck source-path=SCRIPTDIR source=results.sh
	. "$root/test/bench/results.sh"
	write_section nasscale.sh "$section"
	log "wrote its section of test/bench/RESULTS.md"
fi

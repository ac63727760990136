#!/usr/bin/env bash
# nfs.sh start|stop|restart|bounce|status
#
# The NFSv3 test server: test/servers/nfsd (github.com/willscott/go-nfs
# over a real folder), MOUNT and NFS on one port, 127.0.0.1:12049, no
# portmapper. The export is /export, the folder /tmp/mgw-nfs/export; the
# export /denied refuses every client. The
# server runs as nobody, so the folder denied/ (root's, mode 0700) is
# refused to every client. start builds the server into $MGW_TEST_BIN
# (default /tmp/bin) and does nothing if it already runs; restart gives an
# empty server; bounce stops and starts it keeping the files (a server
# restart under a running job). MGW_NFS_PORT runs another instance on
# another port, with its own folder. start and status print key=value
# lines for tests. MGW_NFS_COUNT=1 counts the calls the server receives by
# procedure: the counts are appended to the file that info's counts= names
# on SIGUSR1 and when the server stops (a bounce keeps the file).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

bin=${MGW_TEST_BIN:-/tmp/bin}
host=127.0.0.1
port=${MGW_NFS_PORT:-12049}
dir=/tmp/mgw-nfs
[ "$port" = 12049 ] || dir=/tmp/mgw-nfs-$port
pidfile=$dir.pid
log=$dir.log
counts=
[ -z "${MGW_NFS_COUNT:-}" ] || counts=$dir.counts

info() {
	echo "server=$host:$port"
	echo "export=/export"
	echo "dir=$dir/export"
	echo "pid=$(cat "$pidfile")"
	[ -z "$counts" ] || echo "counts=$counts"
}

install() {
	mkdir -p "$bin"
	# Always rebuilt (seconds with a warm cache): the source is in the tree.
	(cd "$here/../.." && go build -o "$bin/mgw-nfsd" ./test/servers/nfsd)
}

run() {
	local count=()
	if [ -n "$counts" ]; then
		touch "$counts"
		chown nobody:nogroup "$counts"
		count=(-count "$counts")
	fi
	# A session of its own, as nobody: see the header.
	setsid setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$bin/mgw-nfsd" -dir "$dir/export" -listen "$host:$port" -export /export "${count[@]}" >"$log" 2>&1 &
	echo $! >"$pidfile"
	if ! wait_tcp "$host" "$port" "$(cat "$pidfile")"; then
		tail -n 20 "$log" >&2
		stop_pidfile "$pidfile"
		return 1
	fi
}

start() {
	if pidfile_alive "$pidfile"; then
		info
		return 0
	fi
	rm -f "$pidfile"
	if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
		echo "$host:$port is taken by a process this script did not start" >&2
		return 1
	fi
	install
	rm -rf "$dir"
	mkdir -p "$dir/export/denied"
	echo secret >"$dir/export/denied/file"
	chown nobody:nogroup "$dir/export"
	chmod 0700 "$dir/export/denied"
	run
	info
}

stop() {
	stop_pidfile "$pidfile"
	rm -rf "$dir" "$dir.counts"
}

# bounce: stop and start the server keeping its files (a server restart
# under a running job).
bounce() {
	if ! [ -d "$dir/export" ]; then
		echo "not started" >&2
		exit 1
	fi
	stop_pidfile "$pidfile"
	run
	info
}

serve "$@"

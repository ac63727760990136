#!/usr/bin/env bash
# toxiproxy.sh start|stop|restart|status
#
# The network fault injector: toxiproxy's server, its HTTP API on
# 127.0.0.1:8474. It holds no proxy of its own: each test creates the
# proxies it needs (a name and a listen port of its own, in front of
# one of the other test servers) and the toxics on them (latency,
# bandwidth, reset_peer, timeout, slicer, limit_data), and deletes them
# when it ends. start installs toxiproxy into $MGW_TEST_BIN (default
# /tmp/bin) if it is missing, and does nothing if the server already
# runs; restart gives a server without proxies. start and status print
# key=value lines for tests. MGW_TOXIPROXY_PORT runs another instance on
# another port.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

version=v2.12.0
bin=${MGW_TEST_BIN:-/tmp/bin}
host=127.0.0.1
port=${MGW_TOXIPROXY_PORT:-8474}
dir=/tmp/mgw-toxiproxy
[ "$port" = 8474 ] || dir=/tmp/mgw-toxiproxy-$port
pidfile=$dir.pid
log=$dir.log

info() {
	echo "api=http://$host:$port"
	echo "pid=$(cat "$pidfile")"
}

install() {
	# go version -m reads the module version built into the binary.
	if [ -x "$bin/toxiproxy-server" ] &&
		go version -m "$bin/toxiproxy-server" | grep -Eq "^\s+mod\s+github.com/Shopify/toxiproxy/v2\s+$version\s"; then
		return 0
	fi
	echo "installing toxiproxy $version into $bin" >&2
	mkdir -p "$bin"
	# go install names the binary after its folder (server): build it in
	# a folder of its own, then give it its real name.
	local tmp
	tmp=$(mktemp -d)
	GOBIN=$tmp go install "github.com/Shopify/toxiproxy/v2/cmd/server@$version"
	mv -f "$tmp/server" "$bin/toxiproxy-server"
	rmdir "$tmp"
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
	# Warnings only: at its default level it logs every connection.
	LOG_LEVEL=warn nohup "$bin/toxiproxy-server" -host "$host" -port "$port" >"$log" 2>&1 &
	echo $! >"$pidfile"
	if ! wait_tcp "$host" "$port" "$(cat "$pidfile")"; then
		tail -n 20 "$log" >&2
		stop_pidfile "$pidfile"
		return 1
	fi
	info
}

stop() {
	stop_pidfile "$pidfile"
	rm -f "$log"
}

serve "$@"

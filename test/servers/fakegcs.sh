#!/usr/bin/env bash
# fakegcs.sh start|stop|restart|status
#
# The Google Cloud Storage test server: fake-gcs-server (the JSON and XML
# APIs of GCS) on http://127.0.0.1:4443, data in memory, empty at each start.
# It checks no credentials: the connector's key-file checks happen before a
# request. start installs the binary into $MGW_TEST_BIN (default /tmp/bin)
# once, and does nothing if the server already runs; restart gives an empty
# server. start and status print key=value lines for tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

version=v1.56.1
bin=${MGW_TEST_BIN:-/tmp/bin}
host=127.0.0.1
port=${MGW_GCS_PORT:-4443}
dir=/tmp/mgw-fakegcs
[ "$port" = 4443 ] || dir=/tmp/mgw-fakegcs-$port
pidfile=$dir.pid
log=$dir.log

info() {
	echo "endpoint=http://$host:$port/storage/v1/"
	echo "pid=$(cat "$pidfile")"
}

install() {
	# go version -m reads the module version built into the binary.
	if [ -x "$bin/fake-gcs-server" ] &&
		go version -m "$bin/fake-gcs-server" | grep -Eq "^\s+mod\s+github.com/fsouza/fake-gcs-server\s+$version\s"; then
		return 0
	fi
	echo "installing fake-gcs-server $version into $bin (minutes on a cold Go cache)" >&2
	mkdir -p "$bin"
	GOBIN=$bin go install "github.com/fsouza/fake-gcs-server@$version"
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
	mkdir -p "$dir"
	# -public-host makes the upload and download URLs it hands out point
	# back at this address.
	nohup "$bin/fake-gcs-server" -scheme http -host "$host" -port "$port" \
		-public-host "$host:$port" -external-url "http://$host:$port" \
		-backend memory -log-level error >"$log" 2>&1 &
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
	rm -rf "$dir"
}

serve "$@"

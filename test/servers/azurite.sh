#!/usr/bin/env bash
# azurite.sh start|stop|restart|status
#
# The Azure Blob test server: Azurite's blob service only, on
# 127.0.0.1:10000, with the well-known development account devstoreaccount1
# and a fresh data directory at each start. start installs Azurite with npm
# into a private prefix ($MGW_TEST_BIN/npm-azurite, default /tmp/bin) if it is
# missing, and does nothing if the server already runs; restart gives an
# empty server. start and status print key=value lines for tests.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

version=3.35.0
bin=${MGW_TEST_BIN:-/tmp/bin}
prefix=$bin/npm-azurite
exe=$prefix/node_modules/.bin/azurite-blob
host=127.0.0.1
port=${MGW_AZURITE_PORT:-10000}
dir=/tmp/mgw-azurite
[ "$port" = 10000 ] || dir=/tmp/mgw-azurite-$port
pidfile=$dir.pid
log=$dir.log

info() {
	echo "blob_endpoint=http://$host:$port/devstoreaccount1"
	echo "account=devstoreaccount1"
	echo "pid=$(cat "$pidfile")"
}

install() {
	if [ -x "$exe" ] && grep -q "\"version\": \"$version\"" "$prefix/node_modules/azurite/package.json" 2>/dev/null; then
		return 0
	fi
	command -v npm >/dev/null || {
		echo "npm is missing: apt-get install -y npm" >&2
		return 1
	}
	echo "installing azurite $version into $prefix (about a minute)" >&2
	mkdir -p "$prefix"
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "azurite@$version" >&2
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
	# --disableTelemetry: no internet here, it would only log errors;
	# --skipApiVersionCheck: the SDK's x-ms-version is newer than Azurite's.
	nohup "$exe" --blobHost "$host" --blobPort "$port" --location "$dir" \
		--skipApiVersionCheck --loose --silent --disableTelemetry >"$log" 2>&1 &
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

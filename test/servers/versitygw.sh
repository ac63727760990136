#!/usr/bin/env bash
# versitygw.sh start|stop|restart|status
#
# The S3 test server: versitygw with its posix backend, on 127.0.0.1:7070,
# access key testkey (secret testsecret), data in a fresh directory at each
# start. A second user, denied (secret deniedsecret), owns nothing and so is
# refused access to the root user's buckets. start installs versitygw into $MGW_TEST_BIN (default /tmp/bin) if it
# is missing, and does nothing if the server already runs; restart gives an
# empty server. start and status print key=value lines for tests.
# MGW_S3_PORT runs another instance on another port (the benchmark's);
# VGW_KEEP_ALIVE=true, read by versitygw itself, keeps connections open.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

version=v1.8.0
bin=${MGW_TEST_BIN:-/tmp/bin}
host=127.0.0.1
port=${MGW_S3_PORT:-7070}
dir=/tmp/mgw-s3
[ "$port" = 7070 ] || dir=/tmp/mgw-s3-$port
pidfile=$dir.pid
log=$dir.log

info() {
	echo "endpoint=http://$host:$port"
	echo "region=us-east-1"
	echo "access_key_id=testkey"
	echo "pid=$(cat "$pidfile")"
}

install() {
	# go version -m reads the module version built into the binary.
	if [ -x "$bin/versitygw" ] &&
		go version -m "$bin/versitygw" | grep -Eq "^\s+mod\s+github.com/versity/versitygw\s+$version\s"; then
		return 0
	fi
	echo "installing versitygw $version into $bin (minutes on a cold Go cache)" >&2
	mkdir -p "$bin"
	GOBIN=$bin go install "github.com/versity/versitygw/cmd/versitygw@$version"
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
	mkdir -p "$dir/data" "$dir/iam"
	# Credentials through the environment keep them out of ps.
	ROOT_ACCESS_KEY_ID=testkey ROOT_SECRET_ACCESS_KEY=testsecret \
		nohup "$bin/versitygw" --port "$host:$port" --iam-dir "$dir/iam" --quiet \
		posix "$dir/data" >"$log" 2>&1 &
	echo $! >"$pidfile"
	if ! wait_tcp "$host" "$port" "$(cat "$pidfile")" ||
		! ADMIN_ACCESS_KEY_ID=testkey ADMIN_SECRET_ACCESS_KEY=testsecret \
			"$bin/versitygw" admin --endpoint-url "http://$host:$port" \
			create-user --access denied --secret deniedsecret --role user >>"$log" 2>&1; then
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

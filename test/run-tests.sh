#!/usr/bin/env bash
# The one test command (make test): install and start every server the tests
# need, lint, run all tests with the race detector, stop the servers.
# Under CI=true a test whose server is missing fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
export MGW_TEST_BIN="${MGW_TEST_BIN:-/tmp/bin}"
export PATH="$MGW_TEST_BIN:$PATH"
mkdir -p "$MGW_TEST_BIN"

servers=(versitygw azurite fakegcs fuse samba nfs ganesha toxiproxy)
stop_all() { for s in "${servers[@]}"; do bash "test/servers/$s.sh" stop || true; done; }
trap stop_all EXIT

for s in "${servers[@]}"; do bash "test/servers/$s.sh" start; done
# Every test below talks to these servers: a missing one is a failure, not a skip.
export MGW_REQUIRE_SERVERS=1

bash test/lint.sh
bash test/packaging.sh
go test -race -count=1 -timeout 30m ./... 2>&1 | tee /tmp/mgw-test.log
# Every fuzz target for a bounded time, from the corpora kept in testdata/fuzz.
bash test/fuzz.sh

#!/usr/bin/env bash
# kills.sh: mgw killed with SIGKILL at random moments (test/e2e/kills_test.go,
# TestKillsRandom) at full count, and the table of what each kill left.
# Each kill has its own versitygw bucket and source (150 small files and
# two files of three parts); mgw is killed at a moment drawn from a seeded
# generator (the source scan, a single PUT, a part upload, the request that
# completes an upload, the index write after a PUT was answered; for the
# continuous job also a delete, an archive copy and a reload), started
# again, and must finish the job.
#
# Per kill: the objects expected, the wrong objects and the lost files
# (read back from versitygw with an SDK GET, not through mgw), the
# multipart uploads left open (ListMultipartUploads), the files sent again
# from their start (counted at a proxy in front of versitygw: files the
# killed run had begun to write that a later run began again; at most the
# job's concurrency, 4) and the time from the restart to the job complete.
#
# KILLS (default 20) kills per mode, one-shot and continuous; KILL_SEED
# replays a run (the seed is printed). BENCH_SCALE=small runs 3 per mode.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export MGW_TEST_BIN=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$MGW_TEST_BIN:$PATH

kills=${KILLS:-20}
[ "${BENCH_SCALE:-}" != small ] || kills=${KILLS:-3}
seed=${KILL_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}

started=()
table=$(mktemp)
stop_started() {
	rm -f "$table"
	for s in "${started[@]}"; do bash "test/servers/$s.sh" stop || true; done
}
trap stop_started EXIT
if ! bash test/servers/versitygw.sh status >/dev/null; then
	bash test/servers/versitygw.sh start >/dev/null
	started+=(versitygw)
fi

echo "kills.sh: $kills kills per mode, seed $seed (KILL_SEED=$seed replays); load: $(uptime | sed 's/.*load average: //')" >&2
status=0
MGW_KILLS=$kills MGW_KILL_SEED=$seed MGW_KILLS_TABLE="$table" MGW_REQUIRE_SERVERS=1 \
	go test -count=1 -timeout 120m -run 'TestKillsRandom$' ./test/e2e/ >&2 || status=$?

echo "load after: $(uptime | sed 's/.*load average: //')"
{
	printf 'kill\tmode\tmoment\tlanded at\tobjects\twrong\tlost\topen uploads\tre-sent files\ttime to recover\n'
	awk -F'\t' '{ printf "%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f s\n", NR, $1, $2, $3, $4, $5, $6, $7, $8, $9 / 1000 }' "$table"
	awk -F'\t' '{ n++; w += $5; l += $6; o += $7; r += $8; if ($8 > m) m = $8 }
		END { printf "total\t%d kills\t\t\t\t%d\t%d\t%d\t%d (most %d per kill)\t\n", n, w, l, o, r, m }' "$table"
} | column -t -s$'\t'
exit "$status"

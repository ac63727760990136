#!/usr/bin/env bash
# faults.sh: the network fault tests (test/e2e/netfaults_test.go) at a
# larger scale and repeated, and the table of what they found. toxiproxy
# sits between mgw and each test server (versitygw, Azurite, the OSS test
# server, samba, the NFS server), as the source and as the destination:
#
#   slow            200 ms ± 100 ms on every answer, 1 MiB/s each way
#   reset mid part  every connection to the destination reset while the
#                   parts of a large file (a share: its stream) are sent
#   reset mid read  every connection to the source reset while a large
#                   file is read
#   black hole      the destination takes requests and never answers, for
#                   30 s (5 minutes with FAULTS_LONG=1); address timeout 5 s
#   cut short       answers sliced, and connections closed after a few
#                   bytes of answers
#
# For each fault and server, over the runs: the files, the wrong objects
# (recorded as done, yet wrong or missing at the destination, read back
# from the server itself), the lost files (neither done nor failed with a
# catalogue code), the files sent more than once, whole or a part of them
# (the OSS test server's counts where it is the destination, else mgw's
# log of retries and the files the first run failed; a share's writer
# that starts a file again on a new connection does not tell), and the
# longest time from the end of the fault to the end of the last run that
# copied everything (0 for a fault that lasts the whole run).
#
# FAULTS_SCALE=full (default) runs each scenario FAULTS_RUNS times
# (default 3) with ten times the small files of make test;
# FAULTS_SCALE=small once, at make test's size. It starts the servers it
# needs that are not running, and stops those it started. A scenario that
# loses or damages a file fails its test: the script then exits non-zero
# after printing the table.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export MGW_TEST_BIN=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$MGW_TEST_BIN:$PATH

scale=${FAULTS_SCALE:-full}
case $scale in
full) mult=10 runs=${FAULTS_RUNS:-3} ;;
small) mult=1 runs=${FAULTS_RUNS:-1} ;;
*)
	echo "faults.sh: FAULTS_SCALE must be full or small, not $scale" >&2
	exit 2
	;;
esac

started=()
stop_started() { for s in "${started[@]}"; do bash "test/servers/$s.sh" stop || true; done; }
trap stop_started EXIT
for s in versitygw azurite samba nfs toxiproxy; do
	if ! bash "test/servers/$s.sh" status >/dev/null; then
		bash "test/servers/$s.sh" start >/dev/null
		started+=("$s")
	fi
done

table=$(mktemp)
trap 'rm -f "$table"; stop_started' EXIT
long=()
[ -z "${FAULTS_LONG:-}" ] || long=(MGW_TEST_LONG=1)
echo "faults.sh: $scale scale, $runs run(s) of each scenario; load: $(uptime | sed 's/.*load average: //')" >&2
status=0
env "${long[@]}" MGW_FAULTS_TABLE="$table" MGW_FAULTS_SCALE=$mult MGW_REQUIRE_SERVERS=1 \
	go test -count="$runs" -timeout 180m -run 'TestNet(Slow|ResetMidPart|ResetMidRead|BlackHole|CutShort)$' ./test/e2e/ >&2 || status=$?

echo "load after: $(uptime | sed 's/.*load average: //')"
{
	printf 'fault\tserver\truns\tfiles\twrong objects\tlost files\tre-sent files\ttime to recover\n'
	sort -t$'\t' -k1,1 -k2,2 "$table" | awk -F'\t' '
		function flush() {
			if (key != "") printf "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f s\n", f, c, n, files, wrong, lost, resent, worst / 1000
		}
		{
			k = $1 "\t" $2
			if (k != key) { flush(); key = k; f = $1; c = $2; n = files = wrong = lost = resent = worst = 0 }
			n++; files += $4; wrong += $5; lost += $6; resent += $7
			if ($8 > worst) worst = $8
		}
		END { flush() }'
} | column -t -s$'\t'
exit "$status"

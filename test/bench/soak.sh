#!/usr/bin/env bash
# soak.sh: a continuous `mgw agent` job from a local folder to versitygw
# under steady random churn (creates, edits, renames, deletes; SOAK_RATE a
# second, default 300) over SOAK_FILES files (default 20,000) for
# SOAK_MINUTES (default 30). Each minute it samples the agent's RSS and
# the anonymous part of it (the heap and stacks: the rest is the binary's
# pages and Badger's mapped tables, which follow the state dir), its
# goroutines (go_goroutines from metrics_listen when served, else the
# process's threads), its open file descriptors (/proc/PID/fd) and the
# state dir's size on disk (Badger); at the end it prints each sample, the
# slope per hour of each (least squares), and `mgw check` of the source
# against the bucket once the writer stopped and the job caught up, which
# must find no difference. Not part of make test: `make soak`.
# SOAK_MINUTES=2 SOAK_FILES=2000 is a smoke run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
export MGW_TEST_BIN=${MGW_TEST_BIN:-/tmp/bin}
export PATH=$MGW_TEST_BIN:$PATH
minutes=${SOAK_MINUTES:-30}
files=${SOAK_FILES:-20000}
rate=${SOAK_RATE:-300}

work=$(mktemp -d /tmp/mgw-soak.XXXXXX)
started=()
agent=
cleanup() {
	[ -z "$agent" ] || kill "$agent" 2>/dev/null || true
	for s in "${started[@]}"; do bash "test/servers/$s.sh" stop || true; done
	rm -rf "$work"
}
trap cleanup EXIT
if ! bash test/servers/versitygw.sh status >/dev/null; then
	bash test/servers/versitygw.sh start >/dev/null
	started+=(versitygw)
fi

go build -o "$work/mgw" ./cmd/mgw
go build -o "$work/soakchurn" ./test/bench/soakchurn
bucket=mgw-soak-$$
RCLONE_CONFIG_S3_TYPE=s3 RCLONE_CONFIG_S3_PROVIDER=Other RCLONE_CONFIG_S3_ENDPOINT=http://127.0.0.1:7070 \
	RCLONE_CONFIG_S3_ACCESS_KEY_ID=testkey RCLONE_CONFIG_S3_SECRET_ACCESS_KEY=testsecret \
	rclone mkdir "s3:$bucket"
mkdir -p "$work/src"
"$work/soakchurn" -dir "$work/src" -files "$files" -seed
port=$((20000 + $$ % 10000))
cat >"$work/config.yaml" <<YAML
state_dir: $work/state
mount: ""
status_dir: $work/status
metrics_listen: 127.0.0.1:$port
addresses:
  - {name: src, type: local, path: $work/src}
  - {name: dst, type: s3, endpoint: "http://127.0.0.1:7070", region: us-east-1, bucket: $bucket, path_style: true, access_key_id: testkey, access_key_secret: testsecret}
jobs:
  - {name: soak, source: src, destination: dst, mode: continuous, settle: 1s, deletes: mirror, max_delete: "100%"}
YAML
chmod 600 "$work/config.yaml"
"$work/mgw" --config "$work/config.yaml" agent >"$work/agent.log" 2>&1 &
agent=$!
echo "soak.sh: $minutes min, $files files, $rate changes/s; load: $(uptime | sed 's/.*load average: //')" >&2

sample() {
	local rss anon fds gor state
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$agent/status")
	anon=$(awk '/^RssAnon/ {print $2}' "/proc/$agent/status")
	fds=$(find "/proc/$agent/fd" -mindepth 1 -maxdepth 1 | wc -l)
	gor=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null | awk '/^go_goroutines / {print $2}' || true)
	[ -n "$gor" ] || gor=$(awk '/^Threads/ {print $2}' "/proc/$agent/status")
	state=$(du -sk "$work/state" | cut -f1)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rss" "$anon" "$gor" "$fds" "$state" >>"$work/samples"
}

"$work/soakchurn" -dir "$work/src" -files "$files" -rate "$rate" -for "${minutes}m" >"$work/churn.log" &
churn=$!
start=$(date +%s)
# The first sample a minute in: the first pass and warm-up are not a trend.
while kill -0 "$churn" 2>/dev/null; do
	# The sampling period: one sample a minute, not a wait for an event.
	sleep 60 & wait $! || true
	sample "$(($(date +%s) - start))"
done
wait "$churn"
cat "$work/churn.log" >&2

# The job catches up: mgw check compares fresh listings of both sides.
status=1
for _ in $(seq 1 60); do
	if "$work/mgw" --config "$work/config.yaml" check soak >"$work/check.out" 2>&1; then
		status=0
		break
	fi
	sleep 10 & wait $! # polling the job's catch-up
done
sample "$(($(date +%s) - start))"
echo "load after: $(uptime | sed 's/.*load average: //')"
printf 'second\tRSS KiB\tanonymous KiB\tgoroutines (else threads)\topen fds\tstate KiB\n'
cat "$work/samples"
awk -F'\t' '{ n++; x[n] = $1 / 3600; for (c = 2; c <= 6; c++) y[c, n] = $c }
	END {
		split("RSS KiB,anonymous KiB,goroutines,open fds,state KiB", name, ",")
		for (c = 2; c <= 6; c++) {
			sx = sy = sxx = sxy = 0
			for (i = 1; i <= n; i++) { sx += x[i]; sy += y[c, i]; sxx += x[i] * x[i]; sxy += x[i] * y[c, i] }
			d = n * sxx - sx * sx
			printf "slope of %s: %.1f per hour\n", name[c - 1], d == 0 ? 0 : (n * sxy - sx * sy) / d
		}
	}' "$work/samples"
echo "final compare (mgw check):"
tail -n 5 "$work/check.out"
[ "$status" = 0 ] || echo "soak.sh: the destination never came to equal the source" >&2
exit "$status"

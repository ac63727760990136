#!/usr/bin/env bash
# make demo [DEST=local|s3]: generate a small sample tree, write a config,
# run the demo job once, show the migration report and the failed files.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-local}"
root="$PWD/.demo"
mgw="$PWD/bin/mgw"

rm -rf "$root"
mkdir -p "$root/photos" "$root/copy"

echo "==> generating a sample tree in .demo/photos"
# A few hundred small files in nested folders, one large file (it goes in
# parts), a symlink (skipped: not followed) and a name that is not UTF-8.
for y in 2022 2023 2024; do
  for m in 01 04 07 10; do
    d="$root/photos/$y/$m"
    mkdir -p "$d"
    for i in $(seq 1 25); do
      printf 'photo %s-%s #%d\n' "$y" "$m" "$i" > "$d/img_$i.jpg"
    done
  done
done
head -c $((24 << 20)) /dev/urandom > "$root/photos/2024/holiday-video.mp4"
ln -s 2024/01/img_1.jpg "$root/photos/favourite.jpg"
printf 'latin-1 name\n' > "$root/photos/caf$(printf '\351').txt"
mkdir -p "$root/photos/notes with spaces"
printf 'tab\there\n' > "$root/photos/notes with spaces/to do.txt"

case "$dest" in
local)
  dest_yaml="  - name: demo-copy
    type: local
    path: $root/copy"
  next_dest="the copy is in .demo/copy"
  ;;
s3)
  bash test/servers/versitygw.sh start >/dev/null
  AWS_ACCESS_KEY_ID=testkey AWS_SECRET_ACCESS_KEY=testsecret \
    go run ./test/servers/mkbucket http://127.0.0.1:7070 demo-copy >/dev/null
  dest_yaml="  - name: demo-copy
    type: s3
    endpoint: http://127.0.0.1:7070
    region: us-east-1
    bucket: demo-copy
    path_style: true
    access_key_id: testkey
    access_key_secret: \${DEMO_S3_SECRET}"
  export DEMO_S3_SECRET=testsecret
  next_dest="the copy is in the local S3 gateway (versitygw) at http://127.0.0.1:7070, bucket demo-copy;
      stop it with: bash test/servers/versitygw.sh stop"
  ;;
*)
  echo "unknown DEST=$dest (local or s3)" >&2; exit 2 ;;
esac

cat > "$root/mgw.yaml" <<YAML
# The demo config: copy .demo/photos to $dest.
state_dir: $root/state
addresses:
  - name: demo-photos
    type: local
    path: $root/photos
$dest_yaml
jobs:
  - name: demo
    source: demo-photos
    destination: demo-copy
    overwrite: if-newer
    concurrency: 16
YAML

echo "==> mgw run --config .demo/mgw.yaml demo"
set +e
"$mgw" run --config "$root/mgw.yaml" demo
rc=$?
set -e
echo
echo "==> mgw failed --config .demo/mgw.yaml demo   (exit code of the run: $rc)"
failed=$("$mgw" failed --config "$root/mgw.yaml" demo)
if [ -n "$failed" ]; then printf '%s\n' "$failed"; else echo "(no failed files)"; fi
echo
echo "==> mgw skipped --config .demo/mgw.yaml demo"
"$mgw" skipped --config "$root/mgw.yaml" demo

cat <<TXT

What next:
  - $next_dest
  - run it again: only what changed is copied
      bin/mgw run --config .demo/mgw.yaml demo
  - touch or edit a file under .demo/photos and run again: just that file is copied
  - the last run's report, and what a code means:
      bin/mgw report --config .demo/mgw.yaml demo
      bin/mgw explain SourceAddrHasUnsupportedChar
  - copy to Alibaba Cloud OSS instead: add an address like this to .demo/mgw.yaml,
    point the job's destination at it, and check it first with
    bin/mgw address verify --config .demo/mgw.yaml oss-archive
      - name: oss-archive
        type: oss
        endpoint: https://oss-cn-hangzhou.aliyuncs.com
        region: cn-hangzhou
        bucket: YOUR-BUCKET
        prefix: photos/
        access_key_id: \${OSS_ACCESS_KEY_ID}
        access_key_secret: \${OSS_ACCESS_KEY_SECRET}
  - the same demo against a local S3 gateway: make demo DEST=s3
TXT

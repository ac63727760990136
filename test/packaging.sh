#!/usr/bin/env bash
# Packaging checks, run by make test: every release target compiles
# (Windows and macOS included), and the .deb installs as docs/service.md says:
# files and modes, mgw version, mgw agent --check-config on the example
# config, the unit verified by systemd-analyze where it exists, the config
# kept on reinstall, everything but the config and state gone on removal.
# The dpkg part needs root and dpkg (CI runs as root on Debian); elsewhere
# it is skipped, and under CI=true that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export MGW_TEST_BIN="${MGW_TEST_BIN:-/tmp/bin}"
export PATH="$MGW_TEST_BIN:$PATH"
pass=0 fail=0
ok()   { echo "ok: $*"; pass=$((pass+1)); }
bad()  { echo "FAIL: $*" >&2; fail=$((fail+1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
finish() { echo "packaging: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }

for t in linux/amd64 linux/arm64 windows/amd64 darwin/arm64; do
  check "go build $t" env CGO_ENABLED=0 GOOS="${t%/*}" GOARCH="${t#*/}" go build -o /dev/null ./cmd/mgw
done
# The Kubernetes manifests, decoded strictly into the API types: a module
# of its own, so its dependencies stay out of mgw's.
check "packaging/kubernetes: manifests decode and are wired" bash -c 'cd packaging/kubernetes && go test -count=1 ./...'

if [ "$(id -u)" != 0 ] || ! command -v dpkg >/dev/null; then
  if [ "${CI:-}" = true ]; then bad "the .deb needs root and dpkg under CI"; else echo "skip: the .deb checks need root and dpkg"; fi
  finish; exit
fi
if dpkg -s mgw >/dev/null 2>&1; then
  if [ "${CI:-}" != true ]; then echo "skip: mgw is installed on this machine; not touching it"; finish; exit; fi
  dpkg -P mgw >/dev/null
fi

arch="$(dpkg --print-architecture)"
work="$(mktemp -d)"
trap 'dpkg -P mgw >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
VERSION="pkgtest-$(git rev-parse --short HEAD 2>/dev/null || echo none)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LDFLAGS="-X main.version=$VERSION -X main.commit=test -X main.date=$DATE"
CGO_ENABLED=0 go build -ldflags "$LDFLAGS" -o "$work/mgw" ./cmd/mgw
MGW_ARCH="$arch" MGW_BINARY="$work/mgw" MGW_PKG_VERSION="0.0.0+pkgtest" \
  bash packaging/nfpm.sh package --config packaging/nfpm.yaml --packager deb --target "$work/"
deb="$(ls "$work"/*.deb)"
check "nfpm built a .deb" test -s "$deb"

# The .rpm from the same config: its files, modes and the noreplace
# config, read with rpm where it is installed (apt-get install rpm).
MGW_ARCH="$arch" MGW_BINARY="$work/mgw" MGW_PKG_VERSION="0.0.0+pkgtest" \
  bash packaging/nfpm.sh package --config packaging/nfpm.yaml --packager rpm --target "$work/"
rpmf="$(ls "$work"/*.rpm)"
check "nfpm built an .rpm" test -s "$rpmf"
if command -v rpm >/dev/null; then
  files="$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags} %{FILEMODES:perms}\n]' "$rpmf")"
  echo "$files"
  check "rpm: /etc/mgw/mgw.yaml config(noreplace) 0600" grep -qx '/etc/mgw/mgw.yaml cn -rw-------' <<<"$files"
  check "rpm: /usr/bin/mgw 0755" grep -qx '/usr/bin/mgw  -rwxr-xr-x' <<<"$files"
  check "rpm: /var/lib/mgw 0700" grep -qx '/var/lib/mgw  drwx------' <<<"$files"
  check "rpm: the unit" grep -q "^/usr/lib/systemd/system/mgw.service " <<<"$files"
  check "rpm: the shard template unit" grep -q "^/usr/lib/systemd/system/mgw@.service " <<<"$files"
  check "rpm: /mnt/mgw" grep -q "^/mnt/mgw " <<<"$files"
else
  echo "skip: rpm is not installed; the .rpm is built, not inspected"
fi

check "dpkg -i" dpkg -i "$deb"
mode() { stat -c '%a %U' "$1" 2>/dev/null; }
check "/usr/bin/mgw 755 root" test "$(mode /usr/bin/mgw)" = "755 root"
check "/etc/mgw/mgw.yaml 600 root" test "$(mode /etc/mgw/mgw.yaml)" = "600 root"
check "/var/lib/mgw 700 directory" test -d /var/lib/mgw -a "$(mode /var/lib/mgw)" = "700 root"
check "/mnt/mgw directory" test -d /mnt/mgw
check "unit installed" test -f /usr/lib/systemd/system/mgw.service
check "shard template unit installed" test -f /usr/lib/systemd/system/mgw@.service
check "/etc/mgw/mgw.yaml is a conffile" grep -qx ' */etc/mgw/mgw.yaml [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' mgw)
out="$(/usr/bin/mgw version)"
check "mgw version stamped ($out)" grep -q "mgw $VERSION (commit test, built $DATE)" <<<"$out"
check "mgw agent --check-config on the example" /usr/bin/mgw agent --check-config
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify mgw.service" bash -c 'out=$(systemd-analyze verify /usr/lib/systemd/system/mgw.service 2>&1); echo "$out"; [ -z "$out" ]'
  check "systemd-analyze verify mgw@0.service" bash -c 'out=$(systemd-analyze verify mgw@0.service 2>&1); echo "$out"; [ -z "$out" ]'
else
  echo "skip: systemd-analyze is not installed"
fi

# An edited config survives a reinstall (an upgrade never overwrites it).
echo "# edited by the administrator" >> /etc/mgw/mgw.yaml
check "dpkg -i again" dpkg -i --force-confold "$deb"
check "edited config kept" grep -q "edited by the administrator" /etc/mgw/mgw.yaml

# mgw service install/uninstall from the binary, with whatever service
# manager this machine has, under a name of its own.
check "mgw service install" /usr/bin/mgw service install --name mgw-pkgtest
check "mgw service status: installed, not running" bash -c '/usr/bin/mgw service status --name mgw-pkgtest; [ $? -eq 1 ]'
check "mgw service uninstall" /usr/bin/mgw service uninstall --name mgw-pkgtest

check "dpkg -r" dpkg -r mgw
check "binary removed" test ! -e /usr/bin/mgw
check "unit removed" test ! -e /usr/lib/systemd/system/mgw.service
check "shard template unit removed" test ! -e /usr/lib/systemd/system/mgw@.service
check "config kept after remove" test -f /etc/mgw/mgw.yaml
check "dpkg -P" dpkg -P mgw
check "config gone after purge" test ! -e /etc/mgw/mgw.yaml
finish

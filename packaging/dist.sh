#!/usr/bin/env bash
# make dist: binaries for every supported platform and the Linux packages,
# version, commit and date stamped in, all under dist/.
#   VERSION, COMMIT, DATE   stamped into the binaries (the Makefile sets them)
#   DIST_TARGETS            os/arch list (default: all four)
#   DIST_PACKAGES           linux arches to package as .deb/.rpm (default: amd64 arm64)
#   DIST_FORMATS            deb rpm (default both)
set -euo pipefail
cd "$(dirname "$0")/.."
export MGW_TEST_BIN="${MGW_TEST_BIN:-/tmp/bin}"
export PATH="$MGW_TEST_BIN:$PATH"

VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
COMMIT="${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo none)}"
DATE="${DATE:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}"
TARGETS="${DIST_TARGETS:-linux/amd64 linux/arm64 windows/amd64 darwin/arm64}"
PACKAGES="${DIST_PACKAGES:-amd64 arm64}"
FORMATS="${DIST_FORMATS:-deb rpm}"
LDFLAGS="-s -w -X main.version=$VERSION -X main.commit=$COMMIT -X main.date=$DATE"

# Package versions must start with a digit: a tag v1.2.3 gives 1.2.3, an
# untagged build 0.0.0+git<commit> (a dirty tree adds .dirty).
pkg_version() {
  local v="${VERSION#v}"
  if [[ "$v" =~ ^[0-9]+\.[0-9]+ ]]; then
    echo "${v//-/+}"
  else
    local s="0.0.0+git${COMMIT}"
    [[ "$VERSION" == *dirty ]] && s+=".dirty"
    echo "$s"
  fi
}

mkdir -p dist
for t in $TARGETS; do
  os="${t%/*}" arch="${t#*/}"
  out="dist/mgw_${VERSION}_${os}_${arch}"
  [ "$os" = windows ] && out+=".exe"
  echo "build $out" >&2
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -ldflags "$LDFLAGS" -o "$out" ./cmd/mgw
done

if [ -n "$PACKAGES" ] && [ -n "$FORMATS" ]; then
  export MGW_PKG_VERSION; MGW_PKG_VERSION="$(pkg_version)"
  for arch in $PACKAGES; do
    export MGW_ARCH="$arch" MGW_BINARY="dist/mgw_${VERSION}_linux_${arch}"
    if [ ! -x "$MGW_BINARY" ]; then
      CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags "$LDFLAGS" -o "$MGW_BINARY" ./cmd/mgw
    fi
    for f in $FORMATS; do
      bash packaging/nfpm.sh package --config packaging/nfpm.yaml --packager "$f" --target dist/
    done
  done
fi
ls -l dist/

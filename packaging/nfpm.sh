#!/usr/bin/env bash
# Runs nfpm (github.com/goreleaser/nfpm/v2), installing it first, like the
# test servers, into $MGW_TEST_BIN (default /tmp/bin) when missing.
set -euo pipefail
NFPM_VERSION=v2.45.2
export MGW_TEST_BIN="${MGW_TEST_BIN:-/tmp/bin}"
export PATH="$MGW_TEST_BIN:$PATH"
nfpm="$(command -v nfpm || true)"
if [ -z "$nfpm" ] || ! go version -m "$nfpm" 2>/dev/null | grep -q "goreleaser/nfpm/v2[[:space:]]*$NFPM_VERSION"; then
  echo "installing nfpm $NFPM_VERSION into $MGW_TEST_BIN" >&2
  mkdir -p "$MGW_TEST_BIN"
  GOBIN="$MGW_TEST_BIN" go install "github.com/goreleaser/nfpm/v2/cmd/nfpm@$NFPM_VERSION"
fi
exec nfpm "$@"

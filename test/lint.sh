#!/usr/bin/env bash
# gofmt, go vet and staticcheck over the whole module; installs staticcheck if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${MGW_TEST_BIN:-/tmp/bin}:$PATH"

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
if ! command -v staticcheck >/dev/null; then
  GOBIN="${MGW_TEST_BIN:-/tmp/bin}" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
staticcheck ./...
(cd packaging/kubernetes && go vet ./... && staticcheck ./...) # a module of its own
echo "lint: ok"

# mgw — make demo runs the demo job; make test runs every test against real servers.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
DEST    ?= local

.PHONY: build demo test test-long lint bench faults kills soak dist clean

## build: compile bin/mgw
build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/mgw ./cmd/mgw

## demo: copy a generated sample tree once and show the report (DEST=local|s3)
demo: build
	bash test/demo.sh $(DEST)

## test: install and start the test servers, lint, run every test with -race and every fuzz target for 8 s, stop the servers
test:
	bash test/run-tests.sh

## test-long: make test with the loop tests' long variants (MGW_TEST_LONG=1: 50 repeats where make test runs 10)
test-long:
	MGW_TEST_LONG=1 bash test/run-tests.sh

## lint: gofmt, go vet, staticcheck
lint:
	bash test/lint.sh

## bench: mgw side by side with rclone on the same data and server, then continuous sync (BENCH_SCALE=small for a quick run)
bench: build
	bash test/bench/bench.sh

## faults: the network fault tests at a larger scale, repeated, and their table (FAULTS_SCALE=small for a quick run)
faults:
	bash test/bench/faults.sh

## kills: 20 SIGKILLs at random moments per mode (one-shot, continuous) against versitygw, and their table (KILL_SEED replays; BENCH_SCALE=small for 3)
kills:
	bash test/bench/kills.sh

## soak: a continuous job under steady churn for 30 minutes: slopes of RSS, threads, fds, state size, and the final compare (SOAK_MINUTES, SOAK_FILES, SOAK_RATE)
soak:
	bash test/bench/soak.sh

## dist: binaries for linux/amd64, linux/arm64, windows/amd64, darwin/arm64 and the .deb/.rpm packages in dist/
dist:
	VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) bash packaging/dist.sh

clean:
	rm -rf bin dist .demo

# chartscan: make run (set up and serve on the built-in defaults),
# make test (set up and run every test), make bench (performance).

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOFLAGS_BUILD := -trimpath -ldflags "-X main.version=$(VERSION)"

.PHONY: all build run test bench setup setup-test setup-bench clean

all: build

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

setup-bench:
	scripts/setup.sh --bench

build: setup
	go build $(GOFLAGS_BUILD) -o bin/chartscan ./cmd/chartscan

run: build
	bin/chartscan serve

test: setup-test
	scripts/test.sh

# Runs chartscan, the tesseract command and OCRmyPDF over the same scans,
# then the search and reindex benchmarks, and writes docs/performance.md;
# then a migration with one and two capture nodes and a search node over a
# MinIO, into docs/scaling.md.
bench: setup-bench
	OMP_THREAD_LIMIT=1 go run ./bench
	OMP_THREAD_LIMIT=1 go run ./bench -cluster

clean:
	rm -rf bin

# chartscan: make run (set up and serve on the built-in defaults),
# make test (set up and run every test), make bench (performance).

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GOFLAGS_BUILD := -trimpath -ldflags "-X main.version=$(VERSION)"

.PHONY: all build run test setup setup-test clean

all: build

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build: setup
	go build $(GOFLAGS_BUILD) -o bin/chartscan ./cmd/chartscan

run: build
	bin/chartscan serve

test: setup-test
	scripts/test.sh

clean:
	rm -rf bin

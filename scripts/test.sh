#!/usr/bin/env bash
# Runs the whole test suite against real parts: Tesseract, poppler, and a
# MinIO server started here on a free loopback port with a throw-away data
# folder, and stopped afterwards. Extra arguments go to go test.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${MINIO_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/chartscan/bin/minio}"
data="$(mktemp -d)"
port=""
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "test: no free port for MinIO" >&2; exit 1; }

export MINIO_ROOT_USER=chartscan-test
export MINIO_ROOT_PASSWORD="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
"$bin" server "$data/minio" --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" --quiet >"$data/minio.log" 2>&1 &
minio_pid=$!
cleanup() {
	kill "$minio_pid" 2>/dev/null || true
	wait "$minio_pid" 2>/dev/null || true
	rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.2
done

export CHARTSCAN_TEST_S3_ENDPOINT="127.0.0.1:$port"
export CHARTSCAN_TEST_S3_ACCESS_KEY="$MINIO_ROOT_USER"
export CHARTSCAN_TEST_S3_SECRET_KEY="$MINIO_ROOT_PASSWORD"
export CHARTSCAN_TEST_MINIO_BIN="$bin"
export OMP_THREAD_LIMIT=1
# The figures the accuracy tests measure are kept here and printed at the
# end, whether or not go test shows the tests' logs.
export CHARTSCAN_REPORT_DIR="$data/reports"
# The browser tests keep a screenshot of every page they visit here.
export CHARTSCAN_SCREENSHOT_DIR="${CHARTSCAN_SCREENSHOT_DIR:-$PWD/test-artifacts/screenshots}"
rm -rf "$CHARTSCAN_SCREENSHOT_DIR"

go vet ./...
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
[ -z "$unformatted" ] || { echo "test: gofmt needed: $unformatted" >&2; exit 1; }
go test -count=1 -timeout 20m "$@" ./...

# The race detector over what runs concurrently: the queue, pipeline and
# watcher (their tests, without the long accuracy runs), the object
# stores, the index, the audit log, tokens and users, the records service.
go test -race -count=1 -timeout 20m ./storage/... ./index ./audit ./auth ./records ./internal/...
go test -race -count=1 -timeout 20m -run 'Queue|Watcher|Process|Concurrent|Upload|Panic|FileThatKeeps' ./ingest

# Each fuzz target runs briefly on top of its seed corpus (testdata/fuzz),
# for a number of inputs (about 20 s of fuzzing each on 2 cores) rather
# than a time: with a time limit, Go 1.26's fuzzing coordinator can fail a
# target with a bare "context deadline exceeded" when the limit falls while
# a worker is busy, having found nothing (go.dev/issue/75804, fixed in Go
# 1.27). Run them longer by hand with FUZZTIME=10m (or FUZZTIME=1000000x).
for target in \
	".:FuzzParseCoverSheet:1500000" \
	"./index:FuzzParseQuery:200000" \
	"./config:FuzzParseProfile:400000" \
	"./config:FuzzParseConfig:400000" \
	"./raster:FuzzOpenPDF:20000" \
	"./raster:FuzzOpenTIFF:20000" \
	"./raster:FuzzOpenImage:20000"; do
	IFS=: read -r pkg name count <<<"$target"
	fuzztime="${FUZZTIME:-${count}x}"
	echo "fuzz $name ($fuzztime)"
	go test "$pkg" -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime"
done

echo
echo "screenshots of the web UI: $CHARTSCAN_SCREENSHOT_DIR"
echo
echo "== figures measured by this run =="
for f in "$CHARTSCAN_REPORT_DIR"/*.txt; do
	[ -e "$f" ] || { echo "test: no figures were reported" >&2; exit 1; }
	echo
	echo "-- $(basename "$f" .txt)"
	cat "$f"
done

#!/usr/bin/env bash
# Installs what chartscan needs and is missing: Debian packages (Tesseract
# with the English and orientation models, Leptonica, poppler's pdftoppm,
# the ZXing C++ library for PDF417), Go modules, and - for the tests - zint
# (a second barcode encoder the barcode tests draw with) and a MinIO server
# binary, built once into a cache folder and reused.
#
#   scripts/setup.sh          packages and modules (make run)
#   scripts/setup.sh --test   also MinIO and Chromium (make test)
#   scripts/setup.sh --bench  also OCRmyPDF, the tool compared against (make bench)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-osd poppler-utils libzxing-dev pkg-config)
[ "${1:-}" = "--bench" ] && packages+=(ocrmypdf)
# The browser tests drive Debian's Chromium (headless) through chromedp;
# the barcode tests also draw with zint, a second encoder.
[ "${1:-}" = "--test" ] && packages+=(chromium fonts-dejavu-core zint)
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "setup: Go is not installed (https://go.dev/dl/)" >&2; exit 1; }
go mod download

if [ "${1:-}" = "--test" ]; then
	bin="${MINIO_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/chartscan/bin/minio}"
	if [ ! -x "$bin" ]; then
		echo "setup: building the MinIO server for the tests (a few minutes, once)"
		mkdir -p "$(dirname "$bin")"
		(cd / && GOFLAGS= GOBIN="$(dirname "$bin")" go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c)
	fi
fi

#!/usr/bin/env bash
# Installs what chartscan needs and is missing: Debian packages (Tesseract
# with the English and orientation models, Leptonica, poppler's pdftoppm
# and pdfinfo, qpdf to repair damaged PDFs), Go modules, and - for the
# tests - the tesseract command (the OCR accuracy test compares with it)
# and a MinIO server binary, built once into a cache folder and reused.
#
#   scripts/setup.sh          packages and modules (make run)
#   scripts/setup.sh --test   also the tesseract command and MinIO (make test)
#   scripts/setup.sh --bench  also the tesseract command and OCRmyPDF, the tools compared against (make bench)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-osd poppler-utils qpdf)
[ "${1:-}" = "--test" ] && packages+=(tesseract-ocr)
[ "${1:-}" = "--bench" ] && packages+=(tesseract-ocr ocrmypdf)
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

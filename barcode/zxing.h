// The C interface of zxing.cpp: PDF417 reading and writing with the
// ZXing C++ library, for pdf417.go. gozxing has no PDF417.
#ifndef CHARTSCAN_ZXING_H
#define CHARTSCAN_ZXING_H
#ifdef __cplusplus
extern "C" {
#endif

// cs_pdf417_read reads one PDF417 symbol, in any of the four turns, in an
// 8-bit grey image. It writes at most cap-1 bytes of its text (UTF-8) and
// a NUL to out and returns the text's full length, or -1 when nothing was
// read, -2 when the library failed.
int cs_pdf417_read(const unsigned char *pix, int width, int height, int stride, char *out, int cap);

// cs_pdf417_write encodes text (UTF-8, len bytes) at error correction
// level ecc (0..8) into a module matrix: one byte per module, 1 dark,
// row by row. It returns a malloc'ed matrix the caller frees and sets
// *width and *height, or NULL when the text cannot be encoded.
unsigned char *cs_pdf417_write(const char *text, int len, int ecc, int *width, int *height);

#ifdef __cplusplus
}
#endif
#endif

// The C interface of zxing.cpp: reading and writing with the ZXing C++
// library, for zxing.go. gozxing has no PDF417, and its Data Matrix
// detector gives up on rougher scans than this one.
#ifndef CHARTSCAN_ZXING_H
#define CHARTSCAN_ZXING_H
#ifdef __cplusplus
extern "C" {
#endif

// The symbologies cs_read looks for, as a bit set.
#define CS_PDF417 1
#define CS_QR 2
#define CS_DATAMATRIX 4

// cs_read reads one symbol of the given formats, in any of the four
// turns, in an 8-bit grey image. It writes at most cap-1 bytes of its
// text (UTF-8) and a NUL to out, sets *format to the symbology read, and
// returns the text's full length, or -1 when nothing was read, -2 when
// the library failed.
int cs_read(const unsigned char *pix, int width, int height, int stride, int formats, char *out, int cap, int *format);

// cs_pdf417_write encodes text (UTF-8, len bytes) at error correction
// level ecc (0..8) into a module matrix: one byte per module, 1 dark,
// row by row. It returns a malloc'ed matrix the caller frees and sets
// *width and *height, or NULL when the text cannot be encoded.
unsigned char *cs_pdf417_write(const char *text, int len, int ecc, int *width, int *height);

#ifdef __cplusplus
}
#endif
#endif

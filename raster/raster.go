// Package raster splits a scanned file into upright page images.
//
// It reads multi-page PDF (through package pdf), multi-page TIFF (CCITT G3
// and G4, LZW, Deflate, PackBits, JPEG, uncompressed), JPEG and PNG, and
// recognises the format from the file's bytes, never from its name. For an
// image-only PDF page, the page image is the one embedded in the file, not
// a re-rendering; other PDF pages are rendered with poppler's pdftoppm.
package raster

import (
	"bytes"
	"context"
	"image"
	"io"
	"os"
	"time"

	"chartscan"
)

// Page is one page image taken from a file.
type Page struct {
	// Number is the page's 1-based position in the file.
	Number int
	// Image holds the page's pixels, turned as the file says the page is
	// displayed (PDF /Rotate and image placement, TIFF Orientation).
	Image image.Image
	// Bilevel is true for black-and-white scans (1 bit per pixel).
	Bilevel bool
	// DPI is the image's resolution, 0 when the file does not say.
	DPI int
	// Rendered is true when the page was rasterised by pdftoppm rather
	// than taken as its embedded image.
	Rendered bool
	// Rotation is the clockwise turn, in degrees, applied to the file's
	// pixels to display the page.
	Rotation int
	// Encoded is the file's own encoding of Image, when it can be stored
	// as is (the page needed no turn): JPEG bytes from a JPEG file or a
	// DCT-encoded PDF image, or the bytes of a PNG file. EncodedType is
	// its MIME type. Both are empty otherwise.
	Encoded     []byte
	EncodedType string
}

// Limits bound the work a file can cause.
type Limits struct {
	MaxPages      int           // pages per file
	MaxPagePixels int64         // pixels per page image
	RenderTimeout time.Duration // per rendered PDF page
}

// DefaultLimits are sane limits for scanned records.
var DefaultLimits = Limits{MaxPages: 2000, MaxPagePixels: 120_000_000, RenderTimeout: 2 * time.Minute}

// Format is a file format chartscan reads.
type Format string

// The formats.
const (
	PDF  Format = "pdf"
	TIFF Format = "tiff"
	JPEG Format = "jpeg"
	PNG  Format = "png"
)

// File is an open scanned file. It is not safe for concurrent use; the
// pages it returns are independent of it and of each other.
type File interface {
	// Format is the file's format.
	Format() Format
	// NumPages returns the number of pages.
	NumPages() int
	// Page returns page n (1-based). An error concerns that page only.
	Page(ctx context.Context, n int) (*Page, error)
	// Close releases the file.
	Close() error
}

// Sniff returns the format of a file from its first bytes, or an
// EUNSUPPORTED error.
func Sniff(head []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF, nil
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TIFF, nil
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return JPEG, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(head) == 0:
		return "", chartscan.Errorf(chartscan.EINVALID, "file is empty")
	}
	// A PDF may start with a few bytes of junk before its header.
	if i := bytes.Index(head, []byte("%PDF-")); i > 0 && i < 1024 {
		return PDF, nil
	}
	return "", chartscan.Errorf(chartscan.EUNSUPPORTED, "not a PDF, TIFF, JPEG or PNG file (%s)", describe(head))
}

// describe names what a file that is not a scan looks like, without
// quoting its content.
func describe(head []byte) string {
	h := bytes.ToLower(bytes.TrimSpace(head))
	switch {
	case bytes.HasPrefix(h, []byte("<!doctype html")), bytes.HasPrefix(h, []byte("<html")):
		return "it is an HTML page"
	case bytes.HasPrefix(h, []byte("<?xml")):
		return "it is an XML file"
	case bytes.HasPrefix(h, []byte("pk\x03\x04")):
		return "it is a ZIP archive or Office document"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "it is a GIF image"
	case bytes.HasPrefix(head, []byte("BM")):
		return "it is a BMP image"
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0")):
		return "it is an old Office document"
	}
	return "unrecognised content"
}

// Open opens the file at path. Errors are chartscan errors: EINVALID for
// damaged files, EUNSUPPORTED for other formats or encrypted PDFs,
// ETOOLARGE beyond the limits.
func Open(path string, lim Limits) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 1024)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		f.Close()
		return nil, err
	}
	format, err := Sniff(head[:n])
	if err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	var file File
	switch format {
	case PDF:
		file, err = openPDF(f, path, lim)
	case TIFF:
		file, err = openTIFF(f, lim)
	default:
		file, err = openImage(f, format, lim)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return file, nil
}

// checkPixels returns ETOOLARGE when w×h exceeds the limit, and EINVALID
// for empty images.
func checkPixels(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return chartscan.Errorf(chartscan.EINVALID, "image has no pixels (%dx%d)", w, h)
	}
	if lim.MaxPagePixels > 0 && int64(w)*int64(h) > lim.MaxPagePixels {
		return chartscan.Errorf(chartscan.ETOOLARGE, "page image of %dx%d pixels exceeds the limit of %d pixels", w, h, lim.MaxPagePixels)
	}
	return nil
}

// recoverPage turns a panic in an image decoder into an error for one page.
func recoverPage(err *error, n int) {
	if r := recover(); r != nil {
		*err = chartscan.Errorf(chartscan.EINVALID, "page %d: image decoder crashed: %v", n, r)
	}
}

func pageErr(n int, err error) error {
	if _, ok := err.(*chartscan.Error); ok {
		return err
	}
	return chartscan.WrapError(chartscan.EINVALID, err, "page %d cannot be decoded", n)
}

package raster

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"io"
	"os"

	"golang.org/x/image/ccitt"
	"golang.org/x/image/tiff"

	"chartscan"
)

// golang.org/x/image/tiff decodes the first image of a TIFF file only. A
// multi-page TIFF is a chain of image file directories (IFDs); tiffFile
// walks the chain itself and shows the decoder each page as if it were the
// first, by presenting the file with the header's first-IFD offset
// replaced (ifdView). JPEG-compressed pages, which that decoder does not
// read, are decoded strip by strip with image/jpeg.

// TIFF tags used here.
const (
	tagNewSubfileType  = 254
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagStripOffsets    = 273
	tagOrientation     = 274
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagFillOrder       = 266
	tagT6Options       = 293
	tagXResolution     = 282
	tagResolutionUnit  = 296
	tagTileWidth       = 322
	tagJPEGTables      = 347
	compressionG4      = 4
	compressionJPEG    = 7
	compressionOldJPEG = 6
	maxIFDEntries      = 4096
)

// ifd is what tiffFile needs to know of one page.
type ifd struct {
	offset        uint32
	width, height int
	bits          int
	samples       int
	compression   int
	photometric   int
	fillOrder     int
	t6Options     int
	orientation   int
	dpi           int
	tiled         bool
	stripOffsets  []uint32
	stripCounts   []uint32
	rowsPerStrip  int
	jpegTables    []byte
	// raw holds the entries a single-page copy of this page keeps.
	raw []tiffEntry
}

// copiedTags are the tags a page keeps when it is stored as a TIFF of its
// own (strip offsets and counts are written anew).
var copiedTags = map[uint16]bool{
	256: true, 257: true, 258: true, 259: true, 262: true, 266: true, 277: true, 278: true,
	282: true, 283: true, 284: true, 292: true, 293: true, 296: true, 317: true, 320: true,
}

// passthrough lists the compressions whose strips are stored as they are:
// none, CCITT G3 and G4, LZW, Deflate, PackBits.
var passthrough = map[int]bool{1: true, 3: true, 4: true, 5: true, 8: true, 32946: true, 32773: true}

type tiffFile struct {
	f     *os.File
	size  int64
	order binary.ByteOrder
	pages []ifd
	lim   Limits
}

func openTIFF(f *os.File, lim Limits) (File, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	t := &tiffFile{f: f, size: st.Size(), lim: lim}
	if err := t.readIFDs(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *tiffFile) Format() Format { return TIFF }
func (t *tiffFile) NumPages() int  { return len(t.pages) }
func (t *tiffFile) Close() error   { return t.f.Close() }

func bad(format string, args ...any) error {
	return chartscan.Errorf(chartscan.EINVALID, "TIFF is damaged: "+format, args...)
}

func (t *tiffFile) readAt(n int, off int64) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > t.size {
		return nil, bad("data beyond the end of the file")
	}
	b := make([]byte, n)
	if _, err := t.f.ReadAt(b, off); err != nil {
		return nil, bad("%v", err)
	}
	return b, nil
}

// readIFDs walks the IFD chain, keeping full-resolution pages only.
func (t *tiffFile) readIFDs() error {
	h, err := t.readAt(8, 0)
	if err != nil {
		return err
	}
	switch string(h[:2]) {
	case "II":
		t.order = binary.LittleEndian
	case "MM":
		t.order = binary.BigEndian
	}
	if v := t.order.Uint16(h[2:]); v != 42 {
		return chartscan.Errorf(chartscan.EUNSUPPORTED, "BigTIFF or unknown TIFF version %d", v)
	}
	off := t.order.Uint32(h[4:])
	seen := map[uint32]bool{}
	for off != 0 {
		if seen[off] {
			return bad("IFD chain loops")
		}
		seen[off] = true
		if len(seen) > t.lim.MaxPages*2+16 {
			return chartscan.Errorf(chartscan.ETOOLARGE, "TIFF has more than %d pages", t.lim.MaxPages)
		}
		d, next, err := t.readIFD(off)
		if err != nil {
			return err
		}
		if d != nil {
			t.pages = append(t.pages, *d)
			if t.lim.MaxPages > 0 && len(t.pages) > t.lim.MaxPages {
				return chartscan.Errorf(chartscan.ETOOLARGE, "TIFF has more than %d pages", t.lim.MaxPages)
			}
		}
		off = next
	}
	if len(t.pages) == 0 {
		return chartscan.Errorf(chartscan.EINVALID, "TIFF has no pages")
	}
	return nil
}

// readIFD reads the directory at off. It returns nil for reduced-resolution
// images (thumbnails), which are not pages.
func (t *tiffFile) readIFD(off uint32) (*ifd, uint32, error) {
	nb, err := t.readAt(2, int64(off))
	if err != nil {
		return nil, 0, err
	}
	n := int(t.order.Uint16(nb))
	if n == 0 || n > maxIFDEntries {
		return nil, 0, bad("IFD with %d entries", n)
	}
	b, err := t.readAt(n*12+4, int64(off)+2)
	if err != nil {
		return nil, 0, err
	}
	d := &ifd{offset: off, bits: 1, samples: 1, compression: 1, orientation: 1, rowsPerStrip: 1 << 30}
	resUnit := 2
	var xres float64
	subfile := uint32(0)
	for i := 0; i < n; i++ {
		e := b[i*12 : i*12+12]
		tag := t.order.Uint16(e)
		typ := t.order.Uint16(e[2:])
		count := t.order.Uint32(e[4:])
		if copiedTags[tag] && t.order == binary.LittleEndian {
			if v, ok := t.entryValue(e, typ, count); ok {
				d.raw = append(d.raw, tiffEntry{tag, typ, count, v})
			}
		}
		switch tag {
		case tagNewSubfileType:
			subfile = t.scalar(e, typ)
		case tagImageWidth:
			d.width = int(t.scalar(e, typ))
		case tagImageLength:
			d.height = int(t.scalar(e, typ))
		case tagBitsPerSample:
			d.bits = int(t.scalar(e, typ)) // first sample; pages use equal sizes
			if count > 1 {
				vals, err := t.uints(e, typ, count)
				if err == nil && len(vals) > 0 {
					d.bits = int(vals[0])
				}
			}
		case tagCompression:
			d.compression = int(t.scalar(e, typ))
		case tagPhotometric:
			d.photometric = int(t.scalar(e, typ))
		case tagOrientation:
			d.orientation = int(t.scalar(e, typ))
		case tagFillOrder:
			d.fillOrder = int(t.scalar(e, typ))
		case tagT6Options:
			d.t6Options = int(t.scalar(e, typ))
		case tagSamplesPerPixel:
			d.samples = int(t.scalar(e, typ))
		case tagRowsPerStrip:
			d.rowsPerStrip = int(t.scalar(e, typ))
		case tagStripOffsets:
			if d.stripOffsets, err = t.uints(e, typ, count); err != nil {
				return nil, 0, err
			}
		case tagStripByteCounts:
			if d.stripCounts, err = t.uints(e, typ, count); err != nil {
				return nil, 0, err
			}
		case tagXResolution:
			if typ == 5 {
				vb, err := t.readAt(8, int64(t.order.Uint32(e[8:])))
				if err == nil {
					num, den := t.order.Uint32(vb), t.order.Uint32(vb[4:])
					if den != 0 {
						xres = float64(num) / float64(den)
					}
				}
			}
		case tagResolutionUnit:
			resUnit = int(t.scalar(e, typ))
		case tagTileWidth:
			d.tiled = true
		case tagJPEGTables:
			if count > 0 && count < 1<<20 {
				d.jpegTables, _ = t.readAt(int(count), int64(t.order.Uint32(e[8:])))
			}
		}
	}
	next := t.order.Uint32(b[n*12:])
	if subfile&1 != 0 {
		return nil, next, nil
	}
	switch resUnit {
	case 2:
		d.dpi = int(xres + 0.5)
	case 3:
		d.dpi = int(xres*2.54 + 0.5)
	}
	if d.dpi < 50 || d.dpi > 2400 {
		d.dpi = 0
	}
	return d, next, nil
}

// typeSize is the size in bytes of one value of each TIFF field type.
var typeSize = map[uint16]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}

// entryValue returns the value bytes of an entry, inline or not.
func (t *tiffFile) entryValue(e []byte, typ uint16, count uint32) ([]byte, bool) {
	size := typeSize[typ]
	if size == 0 || count > 1<<16 {
		return nil, false
	}
	n := size * count
	if n <= 4 {
		return append([]byte(nil), e[8:8+n]...), true
	}
	v, err := t.readAt(int(n), int64(t.order.Uint32(e[8:])))
	return v, err == nil
}

// pageTIFF returns the page as a TIFF of its own, its strips copied as
// they are, or nil when it cannot be (big-endian, tiled, or compressed in
// a way stored pages do not keep).
func (t *tiffFile) pageTIFF(d *ifd) []byte {
	if t.order != binary.LittleEndian || d.tiled || !passthrough[d.compression] ||
		len(d.stripOffsets) == 0 || len(d.stripOffsets) != len(d.stripCounts) {
		return nil
	}
	var strips [][]byte
	for i, off := range d.stripOffsets {
		s, err := t.readAt(int(d.stripCounts[i]), int64(off))
		if err != nil {
			return nil
		}
		strips = append(strips, s)
	}
	return writeTIFF(append([]tiffEntry(nil), d.raw...), strips)
}

// scalar returns the value of a single SHORT or LONG entry.
func (t *tiffFile) scalar(e []byte, typ uint16) uint32 {
	switch typ {
	case 3: // SHORT
		return uint32(t.order.Uint16(e[8:]))
	case 4: // LONG
		return t.order.Uint32(e[8:])
	case 1: // BYTE
		return uint32(e[8])
	}
	return 0
}

// uints returns the values of a SHORT or LONG array entry.
func (t *tiffFile) uints(e []byte, typ uint16, count uint32) ([]uint32, error) {
	size := map[uint16]uint32{3: 2, 4: 4}[typ]
	if size == 0 {
		return nil, bad("offset array of type %d", typ)
	}
	if count > 1<<20 {
		return nil, bad("offset array of %d entries", count)
	}
	data := e[8:12]
	if count*size > 4 {
		var err error
		if data, err = t.readAt(int(count*size), int64(t.order.Uint32(e[8:]))); err != nil {
			return nil, err
		}
	}
	out := make([]uint32, count)
	for i := range out {
		if size == 2 {
			out[i] = uint32(t.order.Uint16(data[i*2:]))
		} else {
			out[i] = t.order.Uint32(data[i*4:])
		}
	}
	return out, nil
}

func (t *tiffFile) Page(ctx context.Context, n int) (p *Page, err error) {
	defer recoverPage(&err, n)
	if n < 1 || n > len(t.pages) {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "page %d: file has %d pages", n, len(t.pages))
	}
	d := &t.pages[n-1]
	if err := checkPixels(d.width, d.height, t.lim); err != nil {
		return nil, err
	}
	var img image.Image
	switch d.compression {
	case compressionJPEG:
		img, err = t.decodeJPEG(d)
	case compressionOldJPEG:
		err = chartscan.Errorf(chartscan.EUNSUPPORTED, "page %d uses old-style TIFF JPEG compression", n)
	case compressionG4:
		if d.plainG4() {
			img, err = t.decodeG4(d)
			break
		}
		fallthrough
	default:
		img, err = tiff.Decode(&ifdView{r: t.f, size: t.size, order: t.order, ifd: d.offset})
	}
	if err != nil {
		return nil, pageErr(n, err)
	}
	p = &Page{
		Number:  n,
		Image:   img,
		Bilevel: d.bits == 1 && d.samples == 1,
		DPI:     d.dpi,
	}
	if rot := orientationTurn(d.orientation); rot != 0 {
		p.Image, p.Rotation = Rotate(img, rot), rot
	} else if enc := t.pageTIFF(d); enc != nil {
		p.Encoded, p.EncodedType = enc, "image/tiff"
	}
	return p, nil
}

// orientationTurn maps the TIFF Orientation tag to the clockwise turn that
// displays the image. Mirrored orientations (2, 4, 5, 7) are treated as
// their unmirrored neighbours; scanners do not write them.
func orientationTurn(o int) int {
	switch o {
	case 3, 4:
		return 180
	case 5, 6:
		return 90
	case 7, 8:
		return 270
	}
	return 0
}

// plainG4 reports whether a page is the usual scanner G4 page: one strip,
// black and white, bits in the first-pixel-high order. Such pages are
// decoded straight into a grayscale image (decodeG4); the general decoder
// decodes to packed bits first and then unpacks them a pixel at a time,
// which took as long again.
func (d *ifd) plainG4() bool {
	return d.compression == compressionG4 && d.bits == 1 && d.samples <= 1 && !d.tiled &&
		len(d.stripOffsets) == 1 && len(d.stripCounts) == 1 &&
		(d.photometric == 0 || d.photometric == 1) && d.fillOrder <= 1 && d.t6Options&2 == 0
}

func (t *tiffFile) decodeG4(d *ifd) (image.Image, error) {
	data, err := t.readAt(int(d.stripCounts[0]), int64(d.stripOffsets[0]))
	if err != nil {
		return nil, err
	}
	dst := image.NewGray(image.Rect(0, 0, d.width, d.height))
	// Photometric 0 (WhiteIsZero, the usual one for fax codes) shows a
	// coded black run as black; 1 swaps them.
	err = ccitt.DecodeIntoGray(dst, bytes.NewReader(data), ccitt.MSB, ccitt.Group4, &ccitt.Options{Invert: d.photometric == 1})
	if err != nil {
		return nil, err
	}
	return dst, nil
}

// decodeJPEG decodes a JPEG-compressed (compression 7) striped page to
// grayscale: each strip is a JPEG stream that shares the tables of the
// JPEGTables tag.
func (t *tiffFile) decodeJPEG(d *ifd) (image.Image, error) {
	if d.tiled {
		return nil, chartscan.Errorf(chartscan.EUNSUPPORTED, "tiled JPEG TIFF")
	}
	if len(d.stripOffsets) == 0 || len(d.stripOffsets) != len(d.stripCounts) {
		return nil, bad("JPEG strips missing")
	}
	dst := image.NewGray(image.Rect(0, 0, d.width, d.height))
	y := 0
	for i, off := range d.stripOffsets {
		if y >= d.height {
			break
		}
		data, err := t.readAt(int(d.stripCounts[i]), int64(off))
		if err != nil {
			return nil, err
		}
		stream := data
		if len(d.jpegTables) > 4 && bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
			tables := bytes.TrimSuffix(d.jpegTables, []byte{0xFF, 0xD9})
			stream = append(append([]byte{}, tables...), data[2:]...)
		}
		m, err := jpeg.Decode(bytes.NewReader(stream))
		if err != nil {
			return nil, err
		}
		r := image.Rect(0, y, d.width, y+m.Bounds().Dy())
		draw.Draw(dst, r, m, m.Bounds().Min, draw.Src)
		y += m.Bounds().Dy()
	}
	return dst, nil
}

// ifdView presents a TIFF file whose header points at one chosen IFD, so a
// decoder that reads the first image reads that one.
type ifdView struct {
	r     io.ReaderAt
	size  int64
	order binary.ByteOrder
	ifd   uint32
	pos   int64
}

func (v *ifdView) ReadAt(p []byte, off int64) (int, error) {
	n, err := v.r.ReadAt(p, off)
	// Patch bytes 4..7 (the first-IFD offset) where they fall in p.
	var hdr [4]byte
	v.order.PutUint32(hdr[:], v.ifd)
	for i := int64(4); i < 8; i++ {
		if j := i - off; j >= 0 && j < int64(n) {
			p[j] = hdr[i-4]
		}
	}
	return n, err
}

func (v *ifdView) Read(p []byte) (int, error) {
	if v.pos >= v.size {
		return 0, io.EOF
	}
	n, err := v.ReadAt(p, v.pos)
	v.pos += int64(n)
	if errors.Is(err, io.EOF) && n > 0 {
		err = nil
	}
	return n, err
}

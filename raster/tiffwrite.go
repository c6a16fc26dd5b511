package raster

import (
	"bytes"
	"encoding/binary"
	"sort"
)

// Page images of bilevel scans are stored as the scanner compressed them:
// the CCITT Group 4 data of a PDF page, or the strips of a TIFF page, are
// wrapped in a single-page TIFF, byte for byte. That costs no encoding
// time, loses nothing, and keeps the smallest form there is.

// tiffEntry is one directory entry of a TIFF being written.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // the value bytes, little-endian
}

func short(tag uint16, v uint16) tiffEntry {
	b := make([]byte, 2)
	binary.LittleEndian.PutUint16(b, v)
	return tiffEntry{tag, 3, 1, b}
}

func long(tag uint16, v uint32) tiffEntry {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	return tiffEntry{tag, 4, 1, b}
}

func rational(tag uint16, num, den uint32) tiffEntry {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, num)
	binary.LittleEndian.PutUint32(b[4:], den)
	return tiffEntry{tag, 5, 1, b}
}

func longs(tag uint16, vs []uint32) tiffEntry {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return tiffEntry{tag, 4, uint32(len(vs)), b}
}

// writeTIFF writes a little-endian single-page TIFF with the given entries
// and strips. It fills in StripOffsets and StripByteCounts.
func writeTIFF(entries []tiffEntry, strips [][]byte) []byte {
	var counts []uint32
	for _, s := range strips {
		counts = append(counts, uint32(len(s)))
	}
	entries = append(entries, longs(tagStripByteCounts, counts), longs(tagStripOffsets, make([]uint32, len(strips))))
	sort.Slice(entries, func(i, j int) bool { return entries[i].tag < entries[j].tag })

	// Layout: header, directory, values too large to inline, strips.
	const header = 8
	dirSize := 2 + 12*len(entries) + 4
	extra := header + dirSize
	valueAt := make([]int, len(entries))
	for i, e := range entries {
		if len(e.data) > 4 {
			valueAt[i] = extra
			extra += len(e.data) + len(e.data)%2
		}
	}
	offsets := make([]uint32, len(strips))
	at := extra
	for i, s := range strips {
		offsets[i] = uint32(at)
		at += len(s)
	}
	for i, e := range entries {
		if e.tag == tagStripOffsets {
			entries[i] = longs(tagStripOffsets, offsets)
		}
	}

	var b bytes.Buffer
	b.Grow(at)
	b.WriteString("II*\x00")
	binary.Write(&b, binary.LittleEndian, uint32(header))
	binary.Write(&b, binary.LittleEndian, uint16(len(entries)))
	for i, e := range entries {
		binary.Write(&b, binary.LittleEndian, e.tag)
		binary.Write(&b, binary.LittleEndian, e.typ)
		binary.Write(&b, binary.LittleEndian, e.count)
		if len(e.data) > 4 {
			binary.Write(&b, binary.LittleEndian, uint32(valueAt[i]))
		} else {
			var v [4]byte
			copy(v[:], e.data)
			b.Write(v[:])
		}
	}
	binary.Write(&b, binary.LittleEndian, uint32(0)) // no next directory
	for _, e := range entries {
		if len(e.data) > 4 {
			b.Write(e.data)
			if len(e.data)%2 == 1 {
				b.WriteByte(0)
			}
		}
	}
	for _, s := range strips {
		b.Write(s)
	}
	return b.Bytes()
}

// tagYResolution is written here and not read elsewhere.
const tagYResolution = 283

// g4TIFF wraps CCITT Group 4 data of a w×h image in a TIFF. When
// whiteIsZero is false the image shows inverted (white runs are black).
func g4TIFF(data []byte, w, h, dpi int, whiteIsZero bool) []byte {
	photometric := uint16(0) // WhiteIsZero: the fax convention
	if !whiteIsZero {
		photometric = 1
	}
	if dpi <= 0 {
		dpi = 300
	}
	return writeTIFF([]tiffEntry{
		long(tagImageWidth, uint32(w)),
		long(tagImageLength, uint32(h)),
		short(tagBitsPerSample, 1),
		short(tagCompression, 4),
		short(tagPhotometric, photometric),
		short(tagSamplesPerPixel, 1),
		long(tagRowsPerStrip, uint32(h)),
		rational(tagXResolution, uint32(dpi), 1),
		rational(tagYResolution, uint32(dpi), 1),
		long(tagT6Options, 0),
		short(tagResolutionUnit, 2),
	}, [][]byte{data})
}

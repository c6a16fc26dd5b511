package pdf

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"flag"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

var update = flag.Bool("update", false, "regenerate the bad-input fixtures in ../testdata/bad")

// badDir holds generated files that scanning stations and users send and
// chartscan must refuse with a reason (see cmd/chartscan bad-input tests).
const badDir = "../testdata/bad"

// TestBadInputFixtures regenerates the bad-input fixtures with -update;
// without it, it checks they are all there.
func TestBadInputFixtures(t *testing.T) {
	files := badInputs(t)
	for name, b := range files {
		p := filepath.Join(badDir, name)
		if *update {
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("fixture %s missing (go test ./pdf -run TestBadInputFixtures -update): %v", name, err)
		}
	}
}

func badInputs(t *testing.T) map[string][]byte {
	g := image.NewGray(image.Rect(0, 0, 200, 260))
	for i := range g.Pix {
		g.Pix[i] = 255
		if (i/200)%20 < 3 {
			g.Pix[i] = 0
		}
	}
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, g)
	var good bytes.Buffer
	if _, err := Assemble(&good, []PageImage{
		{Image: bytes.NewReader(pngBuf.Bytes()), Width: 200, Height: 260, DPI: 72},
		{Image: bytes.NewReader(pngBuf.Bytes()), Width: 200, Height: 260, DPI: 72},
	}); err != nil {
		t.Fatal(err)
	}
	encrypt := func(user string) []byte {
		var out bytes.Buffer
		if err := api.Encrypt(bytes.NewReader(good.Bytes()), &out, model.NewAESConfiguration(user, "owner-secret", 256)); err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	s := good.String()
	i := strings.LastIndex(s, "startxref")
	brokenXref := s[:i] + "startxref\n999999\n%%EOF\n"

	bomb := func(w, h uint32) []byte {
		var b bytes.Buffer
		png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
		d := b.Bytes()
		binary.BigEndian.PutUint32(d[16:], w)
		binary.BigEndian.PutUint32(d[20:], h)
		binary.BigEndian.PutUint32(d[29:], crc32.ChecksumIEEE(d[12:29]))
		return d
	}
	// A TIFF whose one page claims 1,000,000 × 1,000,000 pixels.
	tiff := []byte("II*\x00\x08\x00\x00\x00\x04\x00" +
		"\x00\x01\x04\x00\x01\x00\x00\x00\x40\x42\x0f\x00" + // width
		"\x01\x01\x04\x00\x01\x00\x00\x00\x40\x42\x0f\x00" + // height
		"\x03\x01\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00" + // no compression
		"\x11\x01\x04\x00\x01\x00\x00\x00\x08\x00\x00\x00" + // strip offset
		"\x00\x00\x00\x00")
	var docx bytes.Buffer
	zw := zip.NewWriter(&docx)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte("<w:document/>"))
	zw.Close()

	return map[string][]byte{
		"empty.pdf":           {},
		"truncated.pdf":       good.Bytes()[:good.Len()*6/10],
		"broken-xref.pdf":     []byte(brokenXref),
		"encrypted-owner.pdf": encrypt(""),
		"encrypted-user.pdf":  encrypt("user-secret"),
		"no-pages.pdf":        []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
		"page-count-bomb.pdf": []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 100000000 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
		"deep-nesting.pdf":    []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + " >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"),
		"pixel-bomb.png":      bomb(100000, 100000),
		"pixel-bomb.tif":      tiff,
		"login-page.pdf":      []byte("<!DOCTYPE html>\n<html><head><title>Session expired</title></head><body>Please log in again.</body></html>\n"),
		"letter.docx":         docx.Bytes(),
		"fax.gif":             []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"),
	}
}

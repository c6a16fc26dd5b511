package ocr

import (
	"context"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"
)

// These tests run inside package ocr; TestMain (accuracy_test.go, package
// ocr_test) makes the test binary serve as the worker.

func page(t *testing.T, text bool) *image.Gray {
	t.Helper()
	g := image.NewGray(image.Rect(0, 0, 600, 200))
	for i := range g.Pix {
		g.Pix[i] = 255
	}
	if text {
		// Black bars a reader may take for marks; content is irrelevant.
		for y := 80; y < 120; y++ {
			for x := 50; x < 550; x++ {
				if (x/25)%2 == 0 {
					g.SetGray(x, y, color.Gray{0})
				}
			}
		}
	}
	return g
}

// A worker that dies on a page costs that page only: the pool replaces it
// and goes on.
func TestWorkerCrashIsContained(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	// Bytes the image library cannot read leave the engine without an
	// image, and Tesseract then crashes its process.
	if _, err := p.do(ctx, &request{Op: "ocr", DPI: 300, Languages: []string{"eng"}}, []byte("P4\n-1 -1\n")); err == nil {
		t.Fatal("unreadable image: no error")
	}
	if _, err := p.Recognize(ctx, page(t, true), Options{DPI: 300}); err != nil {
		t.Fatalf("page after a crash: %v", err)
	}
}

// A page that overruns the timeout is abandoned and its worker replaced.
func TestPageTimeout(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A full letter page of marks: no engine reads it within a millisecond
	// (the small test page can be read that fast on a quick machine).
	big := image.NewGray(image.Rect(0, 0, 2550, 3300))
	for y := range 3300 {
		for x := range 2550 {
			v := uint8(255)
			if y%60 < 30 && (x/25)%2 == 0 {
				v = 0
			}
			big.Pix[y*big.Stride+x] = v
		}
	}
	_, err = p.Recognize(context.Background(), big, Options{DPI: 300})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	p.cfg.PageTimeout = time.Minute
	if _, err := p.Recognize(context.Background(), page(t, true), Options{DPI: 300}); err != nil {
		t.Fatalf("page after a timeout: %v", err)
	}
}

// Pages whose pixel data begins with a whitespace byte (a black pixel at
// x=2 of the first row in 1-bit form, gray level 32 in 8-bit form) are
// read like any other; the image library's header parser once ate that
// byte and the engine died.
func TestLeadingWhitespaceByte(t *testing.T) {
	p, err := New(Config{Workers: 1, PageTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, bilevel := range []bool{true, false} {
		g := page(t, true)
		if bilevel {
			g.SetGray(2, 0, color.Gray{0}) // first P4 byte 0x20
		} else {
			g.SetGray(0, 0, color.Gray{0x20})
		}
		if _, err := p.Recognize(context.Background(), g, Options{DPI: 300, Bilevel: bilevel}); err != nil {
			t.Errorf("bilevel %v: %v", bilevel, err)
		}
	}
}

func TestEncodePNMPadsAWhiteRow(t *testing.T) {
	g := page(t, false)
	g.SetGray(2, 0, color.Gray{0})
	pbm := encodePNM(g, true)
	hdr := "P4\n600 201\n"
	if !strings.HasPrefix(string(pbm), hdr) || pbm[len(hdr)] != 0 || len(pbm) != len(hdr)+75*201 {
		t.Fatalf("PBM header %q, first byte %#x, %d bytes", pbm[:len(hdr)], pbm[len(hdr)], len(pbm))
	}
	if pbm[len(hdr)+75] != 0x20 {
		t.Errorf("first image byte %#x, want 0x20", pbm[len(hdr)+75])
	}
}

package raster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"chartscan"
)

// Renderer is the program that rasterises PDF pages that are not a single
// scanned image. poppler's pdftoppm is used because pdfcpu does not render,
// poppler draws every kind of PDF content (fonts, vectors, JBIG2 and JPEG
// 2000 images) the way viewers do, and running it as a separate process
// keeps a crash or a runaway page away from the service: it can be killed
// at a deadline.
var Renderer = "pdftoppm"

// render rasterises page n of the PDF at path as 8-bit grayscale at dpi,
// lowering dpi when the page would exceed the pixel limit.
func render(ctx context.Context, path string, n, dpi int, wPts, hPts float64, lim Limits) (*Page, error) {
	maxPx := float64(lim.MaxPagePixels)
	if maxPx <= 0 || maxPx > 60e6 {
		maxPx = 60e6 // beyond this OCR gains nothing and memory suffers
	}
	px := wPts / 72 * float64(dpi) * hPts / 72 * float64(dpi)
	if px > maxPx {
		dpi = int(float64(dpi) * math.Sqrt(maxPx/px))
	}
	if dpi < 50 {
		return nil, chartscan.Errorf(chartscan.ETOOLARGE, "page %d is too large to render (%.0fx%.0f points)", n, wPts, hPts)
	}
	if lim.RenderTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.RenderTimeout)
		defer cancel()
	}
	dir, err := os.MkdirTemp("", "chartscan-render-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "page")
	cmd := exec.CommandContext(ctx, Renderer, "-r", strconv.Itoa(dpi), "-gray",
		"-f", strconv.Itoa(n), "-l", strconv.Itoa(n), "-singlefile", path, out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, chartscan.Errorf(chartscan.ETOOLARGE, "page %d took too long to render", n)
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			msg := strings.ToLower(stderr.String())
			if strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") {
				return nil, chartscan.Errorf(chartscan.EUNSUPPORTED, "PDF is password-protected")
			}
			return nil, chartscan.Errorf(chartscan.EINVALID, "page %d cannot be rendered (%s exit %d)", n, Renderer, ee.ExitCode())
		}
		return nil, fmt.Errorf("run %s: %w", Renderer, err)
	}
	f, err := os.Open(out + ".pgm")
	if err != nil {
		return nil, chartscan.Errorf(chartscan.EINVALID, "page %d rendered to nothing", n)
	}
	defer f.Close()
	g, err := readPGM(bufio.NewReader(f), lim)
	if err != nil {
		return nil, pageErr(n, err)
	}
	return &Page{Number: n, Image: g, DPI: dpi, Rendered: true}, nil
}

// readPGM reads a binary 8-bit PGM (P5), as pdftoppm -gray writes.
func readPGM(r *bufio.Reader, lim Limits) (*image.Gray, error) {
	var fields []int
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "P5" {
		return nil, errors.New("not a binary PGM")
	}
	for len(fields) < 3 {
		c, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		switch {
		case c == '#':
			if _, err := r.ReadString('\n'); err != nil {
				return nil, err
			}
		case c >= '0' && c <= '9':
			v := int(c - '0')
			for {
				c, err = r.ReadByte()
				if err != nil {
					return nil, err
				}
				if c < '0' || c > '9' {
					break
				}
				if v > 1<<24 {
					return nil, errors.New("PGM header number too large")
				}
				v = v*10 + int(c-'0')
			}
			fields = append(fields, v)
		}
	}
	w, h, maxv := fields[0], fields[1], fields[2]
	if maxv != 255 {
		return nil, fmt.Errorf("PGM with maximum %d", maxv)
	}
	if err := checkPixels(w, h, lim); err != nil {
		return nil, err
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, g.Pix); err != nil {
		return nil, err
	}
	return g, nil
}

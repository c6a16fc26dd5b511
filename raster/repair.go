package raster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"chartscan"
	"chartscan/pdf"
)

// Damaged PDFs. Scanners and the software between them and chartscan do
// leave PDFs damaged: a transfer cut short, a cross-reference table whose
// offsets no longer match (a file edited in place, or passed through a
// text-mode transfer), an object without its end. pdfcpu repairs some of
// that itself (a missing table, a truncated trailer) but refuses the rest.
// Before such a file is given up it is
//
//  1. rewritten by qpdf, which rebuilds the cross-reference table by
//     scanning the file for objects, into a copy that pdfcpu reads again;
//     or, when qpdf is missing or fails, or pdfcpu still refuses its copy,
//  2. read through poppler alone: pdfinfo counts the pages and pdftoppm
//     draws each one (poppler rebuilds damaged tables as well).
//
// Both work on the file where it lies and write only into a temporary
// folder: the stored source stays the file as received. A page pdfcpu
// cannot follow in a file it opened is drawn by poppler as well.

// Repairer and PageInfo are the programs used on damaged PDFs: qpdf
// (Debian qpdf) and poppler's pdfinfo (poppler-utils, beside pdftoppm).
var (
	Repairer = "qpdf"
	PageInfo = "pdfinfo"
)

// repairTimeout bounds each run of qpdf or pdfinfo on a damaged file
// when the limits set no render timeout.
const repairTimeout = 2 * time.Minute

// toolContext returns ctx bounded by the limits' render timeout (or
// repairTimeout), for one run of an outside program.
func toolContext(ctx context.Context, lim Limits) (context.Context, context.CancelFunc) {
	d := lim.RenderTimeout
	if d <= 0 {
		d = repairTimeout
	}
	return context.WithTimeout(ctx, d)
}

// repairPDF returns the damaged PDF at path as a File read from a copy
// qpdf repaired, or through poppler alone; an error when neither reads it.
// Open has no context: each program run is bounded by the limits' render
// timeout instead.
func repairPDF(path string, lim Limits) (File, error) {
	abs, err := filepath.Abs(path) // never a name that starts with "-"
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "chartscan-repair-")
	if err != nil {
		return nil, err
	}
	if f, err := qpdfRepair(abs, dir, lim); err == nil {
		return f, nil
	}
	pages, err := pdfPages(context.Background(), abs, 0, lim)
	switch {
	case chartscan.ErrorCode(err) == chartscan.ETOOLARGE:
		os.RemoveAll(dir)
		return nil, err
	case err != nil || len(pages) == 0:
		os.RemoveAll(dir)
		return nil, chartscan.Errorf(chartscan.EINVALID, "PDF is damaged beyond repair")
	}
	return &popplerFile{path: abs, pages: pages, lim: lim, tmp: dir}, nil
}

// qpdfRepair writes a repaired copy of the PDF at path into dir and opens
// it with pdfcpu.
func qpdfRepair(path, dir string, lim Limits) (File, error) {
	out := filepath.Join(dir, "repaired.pdf")
	ctx, cancel := toolContext(context.Background(), lim)
	defer cancel()
	cmd := exec.CommandContext(ctx, Repairer, "--no-warn", path, out)
	if err := cmd.Run(); err != nil {
		// Exit status 3: repaired, with warnings (which a damaged file
		// always gives).
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			return nil, err
		}
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, err
	}
	doc, err := pdf.Open(f, pdf.Limits{MaxPages: lim.MaxPages, MaxImagePixels: lim.MaxPagePixels})
	if err != nil {
		f.Close()
		return nil, err
	}
	return &pdfFile{f: f, path: out, doc: doc, lim: lim, tmp: dir}, nil
}

// pageBox is a page's size in points, as displayed.
type pageBox struct{ w, h float64 }

// pdfPages asks pdfinfo for the size of every page of the PDF at path (or
// of page n alone, n > 0). A file of more pages than the limits allow is
// an ETOOLARGE error.
func pdfPages(ctx context.Context, path string, n int, lim Limits) ([]pageBox, error) {
	ctx, cancel := toolContext(ctx, lim)
	defer cancel()
	maxPages := lim.MaxPages
	if maxPages <= 0 {
		maxPages = 100000
	}
	last := maxPages + 1
	args := []string{"-f", "1", "-l", strconv.Itoa(last)}
	if n > 0 {
		args = []string{"-f", strconv.Itoa(n), "-l", strconv.Itoa(n)}
	}
	cmd := exec.CommandContext(ctx, PageInfo, append(args, path)...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout // its complaints on stderr are dropped: they quote the file
	if err := cmd.Run(); err != nil {
		return nil, err
	}
	return parsePageInfo(&stdout, n, maxPages)
}

// parsePageInfo reads pdfinfo's "Pages:" and "Page N size: W x H pts"
// lines. With n > 0 only page n is expected; else a count above maxPages
// is an ETOOLARGE error, before anything is allocated for it.
func parsePageInfo(out *bytes.Buffer, n, maxPages int) ([]pageBox, error) {
	count := -1
	sizes := map[int]pageBox{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Pages:":
			count, _ = strconv.Atoi(f[1])
		case len(f) >= 6 && f[0] == "Page" && f[2] == "size:" && f[4] == "x":
			k, err1 := strconv.Atoi(f[1])
			w, err2 := strconv.ParseFloat(f[3], 64)
			h, err3 := strconv.ParseFloat(f[5], 64)
			if err1 == nil && err2 == nil && err3 == nil && w > 0 && h > 0 {
				sizes[k] = pageBox{w, h}
			}
		}
	}
	if n > 0 {
		if b, ok := sizes[n]; ok {
			return []pageBox{b}, nil
		}
		return nil, fmt.Errorf("no size for page %d", n)
	}
	if count <= 0 {
		return nil, errors.New("no pages")
	}
	if count > maxPages {
		return nil, chartscan.Errorf(chartscan.ETOOLARGE, "PDF has %d pages, more than the limit of %d", count, maxPages)
	}
	pages := make([]pageBox, count)
	for i := range pages { // beyond the sizes asked for, the limit refuses the file anyway
		b, ok := sizes[i+1]
		if !ok {
			b = pageBox{612, 792} // pdfinfo gave none: letter, the usual
		}
		pages[i] = b
	}
	return pages, nil
}

// renderDamaged draws page n of the PDF at path with pdftoppm, for a page
// pdfcpu cannot read.
func renderDamaged(ctx context.Context, path string, n int, lim Limits) (*Page, error) {
	boxes, err := pdfPages(ctx, path, n, lim)
	if err != nil {
		return nil, err
	}
	return render(ctx, path, n, 300, boxes[0].w, boxes[0].h, lim)
}

// popplerFile is a damaged PDF read through poppler alone: every page is
// drawn by pdftoppm at 300 dpi.
type popplerFile struct {
	path  string
	pages []pageBox
	lim   Limits
	tmp   string
}

func (p *popplerFile) Format() Format { return PDF }
func (p *popplerFile) NumPages() int  { return len(p.pages) }
func (p *popplerFile) Close() error   { return os.RemoveAll(p.tmp) }

func (p *popplerFile) Page(ctx context.Context, n int) (page *Page, err error) {
	defer recoverPage(&err, n)
	if n < 1 || n > len(p.pages) {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "page %d: file has %d pages", n, len(p.pages))
	}
	b := p.pages[n-1]
	return render(ctx, p.path, n, 300, b.w, b.h, p.lim)
}

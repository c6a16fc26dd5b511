package pdf

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"chartscan"
)

// PageImage is one page of a PDF to assemble.
type PageImage struct {
	Image         io.Reader // PNG or JPEG; JPEG is embedded as it is
	Width, Height int       // pixels
	DPI           int       // resolution; 0 means 300
}

// Assemble writes a PDF with one page per image, each page the image's
// physical size (pixels at its resolution), and returns the number of
// pages written. The PDF is dated now.
func Assemble(w io.Writer, pages []PageImage) (n int, err error) {
	return AssembleAt(w, pages, time.Now())
}

// AssembleAt is Assemble for a PDF dated at (its creation and
// modification dates). The same pages and time give the same bytes: the
// file identifier is derived from the content, not from the clock, so a
// stored document's PDF stays byte for byte the same until it changes.
func AssembleAt(w io.Writer, pages []PageImage, at time.Time) (n int, err error) {
	defer recoverTo(&err, "PDF writer")
	if len(pages) == 0 {
		return 0, chartscan.Errorf(chartscan.EINVALID, "no pages to assemble")
	}
	conf := model.NewDefaultConfiguration()
	conf.Cmd = model.IMPORTIMAGES
	ctx, err := pdfcpu.CreateContextWithXRefTable(conf, types.PaperSize["A4"])
	if err != nil {
		return 0, err
	}
	root, err := ctx.Pages()
	if err != nil {
		return 0, err
	}
	tree, err := ctx.DereferenceDict(*root)
	if err != nil {
		return 0, err
	}
	for i, p := range pages {
		dpi := p.DPI
		if dpi <= 0 {
			dpi = 300
		}
		dim := &types.Dim{Width: float64(p.Width) * 72 / float64(dpi), Height: float64(p.Height) * 72 / float64(dpi)}
		imp := &pdfcpu.Import{PageDim: dim, UserDim: true, DPI: dpi, Pos: types.BottomLeft, Scale: 1, ScaleAbs: true, InpUnit: types.POINTS}
		refs, err := pdfcpu.NewPagesForImage(ctx.XRefTable, p.Image, root, imp)
		if err != nil {
			return 0, fmt.Errorf("page %d: %w", i+1, err)
		}
		for _, ref := range refs {
			if err := ctx.SetValid(*ref); err != nil {
				return 0, err
			}
			if err := model.AppendPageTree(ref, 1, tree); err != nil {
				return 0, err
			}
			ctx.PageCount++
		}
	}
	var out bytes.Buffer
	if err := api.WriteContext(ctx, &out); err != nil {
		return 0, err
	}
	b, err := stabilise(out.Bytes(), at)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(b); err != nil {
		return 0, err
	}
	return ctx.PageCount, nil
}

// stabilise replaces what pdfcpu takes from the clock, in place and at
// the same length so that every offset in the file stays right: the
// creation and modification dates become at, and the file identifier
// (an MD5 of the time and the file's size) becomes the MD5 of the file
// with those dates set and the identifier blanked.
func stabilise(b []byte, at time.Time) ([]byte, error) {
	date := types.DateString(at.UTC())
	for _, key := range []string{"/CreationDate(", "/ModDate("} {
		i := bytes.Index(b, []byte(key))
		if i < 0 {
			continue
		}
		start := i + len(key)
		end := bytes.IndexByte(b[start:], ')')
		if end != len(date) {
			return nil, fmt.Errorf("PDF writer: unexpected %s date of %d bytes", strings.Trim(key, "/("), end)
		}
		copy(b[start:], date)
	}
	var ids [][2]int // the hex digits of each identifier string
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("/ID["))
		if i < 0 {
			break
		}
		p := off + i + len("/ID[")
		for k := 0; k < 2; k++ {
			lt := bytes.IndexByte(b[p:], '<')
			gt := bytes.IndexByte(b[p:], '>')
			if lt < 0 || gt < lt {
				return nil, fmt.Errorf("PDF writer: unexpected file identifier")
			}
			ids = append(ids, [2]int{p + lt + 1, p + gt})
			p += gt + 1
		}
		off = p
	}
	for _, r := range ids {
		for j := r[0]; j < r[1]; j++ {
			b[j] = '0'
		}
	}
	sum := md5.Sum(b)
	id := []byte(strings.ToUpper(hex.EncodeToString(sum[:])))
	for _, r := range ids {
		if r[1]-r[0] != len(id) {
			return nil, fmt.Errorf("PDF writer: unexpected file identifier of %d digits", r[1]-r[0])
		}
		copy(b[r[0]:], id)
	}
	return b, nil
}

// Merge writes one PDF holding the pages of every file in order, copied
// as they are (no page is re-encoded).
func Merge(w io.Writer, files []string) (err error) {
	defer recoverTo(&err, "PDF writer")
	var rs []io.ReadSeeker
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return err
		}
		defer fh.Close()
		rs = append(rs, fh)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	return api.MergeRaw(rs, w, false, conf)
}

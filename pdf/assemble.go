package pdf

import (
	"fmt"
	"io"
	"os"

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
// pages written.
func Assemble(w io.Writer, pages []PageImage) (n int, err error) {
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
	if err := api.WriteContext(ctx, w); err != nil {
		return 0, err
	}
	return ctx.PageCount, nil
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

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"chartscan"
	"chartscan/barcode"
	"chartscan/classify"
	"chartscan/coversheet"
	"chartscan/ocr"
	"chartscan/raster"
)

// coversheetCmd prints a cover (or separator) sheet as a PDF:
// chartscan coversheet --mrn M --section S [--name N --dob D --encounter E] -o sheet.pdf
func (e *cmdEnv) coversheet(ctx context.Context, args []string) error {
	fs := e.flags("coversheet")
	mrn := fs.String("mrn", "", "medical record number")
	section := fs.String("section", "", "chart section of the document")
	name := fs.String("name", "", "patient name, LAST^FIRST")
	dob := fs.String("dob", "", "date of birth, YYYY-MM-DD")
	encounter := fs.String("encounter", "", "encounter or visit number")
	sep := fs.Bool("separator", false, "a bare separator sheet instead")
	format := fs.String("format", "qr", "barcode: qr, datamatrix or code128")
	out := fs.String("o", "", "output PDF file")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("coversheet: give -o FILE.pdf")
	}
	cs := &chartscan.CoverSheet{Separator: *sep}
	if !*sep {
		payload := (&chartscan.CoverSheet{MRN: *mrn, Section: chartscan.Section(*section), Name: strings.ToUpper(*name), DOB: *dob, Encounter: *encounter}).String()
		var err error
		if cs, err = chartscan.ParseCoverSheet(payload); err != nil {
			return fmt.Errorf("coversheet: %s", chartscan.ErrorMessage(err))
		}
	}
	f := barcode.Format(*format)
	switch f {
	case barcode.QR, barcode.DataMatrix, barcode.Code128:
	default:
		return fmt.Errorf("coversheet: --format %q is not qr, datamatrix or code128", *format)
	}
	sheet, err := coversheet.Render(cs, f)
	if err != nil {
		return err
	}
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := coversheet.WritePDF(w, sheet); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// train teaches the section classifier from a folder of scans sorted into
// one sub-folder per section (train/laboratory/*.pdf, ...). What it learns
// is kept in the object store, where every node loads it.
func (e *cmdEnv) train(ctx context.Context, args []string) error {
	fs := e.flags("train")
	dirs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 {
		return fmt.Errorf("train: give one folder with a sub-folder per section")
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)
	store, err := OpenStore(cfg, log.With("component", "storage"), nil)
	if err != nil {
		return err
	}
	base, err := classify.BuiltinModel()
	if err != nil {
		return err
	}
	cl := classify.New(base, store, log)
	pool, err := ocr.New(ocr.Config{Workers: cfg.Workers(), Languages: cfg.OCR.Languages, PageTimeout: cfg.OCR.PageTimeout, MaxDPI: cfg.OCR.MaxDPI})
	if err != nil {
		return err
	}
	defer pool.Close()
	ents, err := os.ReadDir(dirs[0])
	if err != nil {
		return err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	total, folders := 0, 0
	for _, ent := range ents {
		if !ent.IsDir() {
			continue
		}
		folders++
		sec, err := chartscan.ParseSection(ent.Name())
		if err != nil {
			return fmt.Errorf("train: folder %q is not a chart section", ent.Name())
		}
		files, _ := filepath.Glob(filepath.Join(dirs[0], ent.Name(), "*"))
		n := 0
		for _, f := range files {
			texts, err := readTexts(ctx, pool, f, cfg.OCR.Languages)
			if err != nil {
				fmt.Fprintf(e.stderr, "train: skipping %s: %s\n", f, chartscan.ErrorMessage(err))
				continue
			}
			if err := cl.LearnTexts(ctx, sec, texts); err != nil {
				return err
			}
			n++
		}
		fmt.Fprintf(e.stdout, "%-18s %d files learned\n", sec, n)
		total += n
	}
	if folders == 0 {
		return fmt.Errorf("train: %s has no section folders (want %s/laboratory/*.pdf and the like)", dirs[0], dirs[0])
	}
	fmt.Fprintf(e.stdout, "learned from %d files; every chartscan using this object store now uses it\n", total)
	return nil
}

// readTexts OCRs every page of a file.
func readTexts(ctx context.Context, pool *ocr.Pool, path string, langs []string) ([]string, error) {
	f, err := raster.Open(path, raster.DefaultLimits)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var texts []string
	for n := 1; n <= f.NumPages(); n++ {
		p, err := f.Page(ctx, n)
		if err != nil {
			continue
		}
		dpi := p.DPI
		if dpi == 0 {
			dpi = 300
		}
		res, err := pool.Recognize(ctx, raster.Gray(p.Image), ocr.Options{DPI: dpi, Bilevel: p.Bilevel, DetectOrientation: true, Languages: langs})
		if err != nil {
			return nil, err
		}
		texts = append(texts, res.Text)
	}
	return texts, nil
}

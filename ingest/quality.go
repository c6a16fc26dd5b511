package ingest

import (
	"fmt"
	"strings"

	"chartscan"
	"chartscan/raster"
)

// The quality record of a page (chartscan.PageQuality) says what was
// measured of its image — resolution stated and estimated, skew, ink,
// contrast, OCR confidence — and why, if at all, it should be scanned
// again. The batch record lists those pages (chartscan.Batch.Rescan), so
// that the technician at the scanner sees them while the paper is at hand.

// Rescan thresholds. A page whose words were read with a mean confidence
// under minReadable (and that has a few words at all) is unreadable: chart
// pages read at 0.83 to 0.96, receipt photos at 0.6 and more, a page read
// as garbage far lower.
const (
	minReadable      = 0.5
	minReadableWords = 5
)

// measure settles the resolution a page is read at and inspects its image,
// before anything is scaled or read: the stated resolution when it is
// believable, else the one its text shows, else the profile's default
// (raster.ReadingDPI); rendered PDF pages have the resolution they were
// drawn at.
func measure(w *pageWork, rp *raster.Page, prof *chartscan.Profile) {
	pg := w.pg
	q := &chartscan.PageQuality{StatedDPI: rp.DPI}
	pg.DPI = rp.DPI
	if !rp.Rendered {
		pg.DPI, q.EstimatedDPI = raster.ReadingDPI(w.gray, rp.DPI, prof.OCR.DefaultDPI)
	}
	in := raster.Inspect(w.gray, pg.DPI)
	q.Skew, q.Contrast = in.Skew, hundredths(in.Contrast)
	w.quality, w.cutOff = q, in.CutOff
	pg.Quality = q
}

// judge completes a page's quality record once it has been read, with the
// reasons to scan it again.
func judge(w *pageWork, prof *chartscan.Profile) {
	pg, q := w.pg, w.quality
	if q == nil {
		return
	}
	q.Ink, q.Confidence = pg.Ink, hundredths(pg.Confidence)
	if pg.Kind != chartscan.PageContent {
		return // covers, separators and blank backs are not read
	}
	if min := prof.OCR.MinDPI; min > 0 && pg.DPI > 0 && pg.DPI < min {
		how := "scanned"
		if q.StatedDPI != pg.DPI {
			how = "its text reads as"
		}
		q.Rescan = append(q.Rescan, fmt.Sprintf("resolution too low: %s %d dpi, the minimum is %d", how, pg.DPI, min))
	}
	switch {
	case pg.Error != "":
		q.Rescan = append(q.Rescan, "unreadable: "+pg.Error)
	case len(pg.Words) >= minReadableWords && pg.Confidence < minReadable:
		q.Rescan = append(q.Rescan, fmt.Sprintf("unreadable: OCR confidence %.2f", pg.Confidence))
	}
	if len(w.cutOff) > 0 {
		edges := make([]string, len(w.cutOff))
		for i, e := range w.cutOff {
			edges[i] = turnedEdge(e, w.turned)
		}
		q.Rescan = append(q.Rescan, "cut off: text runs into the "+joinAnd(edges)+" edge"+plural(len(edges)))
	}
}

// turnedEdge names an edge of the scanned image as it lies on the page
// turned clockwise by deg (0, 90, 180, 270) to make it upright.
func turnedEdge(edge string, deg int) string {
	order := []string{"top", "right", "bottom", "left"} // clockwise
	for i, e := range order {
		if e == edge {
			return order[(i+deg/90)%4]
		}
	}
	return edge
}

// rescanList returns the pages of a batch to scan again, in page order.
func rescanList(pages []scannedPage) []chartscan.RescanPage {
	var out []chartscan.RescanPage
	for _, sp := range pages {
		pg := sp.page
		var reasons []string
		switch {
		case pg.Quality != nil && len(pg.Quality.Rescan) > 0:
			reasons = pg.Quality.Rescan
		case pg.Quality == nil && pg.Error != "":
			reasons = []string{"unreadable: " + pg.Error}
		}
		if len(reasons) > 0 {
			out = append(out, chartscan.RescanPage{Page: pg.ID, Number: pg.Number, Reasons: reasons})
		}
	}
	return out
}

func joinAnd(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// hundredths rounds a measure in [0,1] to two decimals for the record.
func hundredths(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

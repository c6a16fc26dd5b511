package ocr

import (
	"slices"

	"chartscan"
)

// Choosing the page segmentation per page.
//
// chartscan reads a page as one block of text (Tesseract PSM 6): on chart
// pages that is faster than Tesseract's layout analysis (PSM 3), keeps a
// form's label and value on one line, and keeps narrow columns of figures
// that the analysis splits into blocks or drops. On a page set in columns
// it is worse: a text line of the left column and one of the right, side
// by side at slightly different heights, are read as one line and come
// out garbled.
//
// The one-block reading shows when that can have happened, at no cost: its
// text lines then run across a gap far wider than a space between words,
// at the same place on the page, with a run of prose on each side (a
// gutter). A page whose reading shows such a gutter on several lines is
// read again with layout analysis, at the scan's own resolution (the
// analysis finds a narrow gutter between columns in more pixels), and
// that reading is kept when it reads more words well. A table or a form
// has cells of a word or two, not runs of prose, and shows no gutter: it
// keeps its one-block reading, with label and value together.

// wordPos is where a word sits in Tesseract's reading: its block,
// paragraph and line (numbered from 1 in reading order).
type wordPos struct {
	Block int `json:"b"`
	Par   int `json:"p"`
	Line  int `json:"l"`
}

// Thresholds of the gutter test, in units of the text itself, not of any
// page: a gap between words is a gutter when it is wider than gutterGap
// times the height of the line's words (a space between words is a third
// to a half of it); a side of the gap is prose when it holds three words,
// or two of ten letters or more between them (a table cell holds one or
// two short ones); a page is read again when minGutterLines lines cross
// the same gutter.
const (
	gutterGap      = 1.5
	minGutterLines = 6
)

// lines returns the read words grouped into Tesseract's text lines.
func (r *Result) lines() [][]chartscan.Word {
	var out [][]chartscan.Word
	for i, w := range r.Words {
		if i == 0 || i >= len(r.pos) || r.pos[i] != r.pos[i-1] {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], w)
	}
	return out
}

// gutterLines returns how many text lines of a one-block reading of an
// image width pixels wide cross its most crossed gutter: a gap wider than
// gutterGap times the line's word height, between two runs of prose, at
// the same place across the page (to a two-hundredth of its width).
func gutterLines(r *Result, width int) int {
	if width <= 0 {
		return 0
	}
	const bins = 200
	var crossed [bins]int
	for _, line := range r.lines() {
		ws := slices.DeleteFunc(slices.Clone(line), func(w chartscan.Word) bool { return alnumCount(w.Text) == 0 })
		if len(ws) < 4 {
			continue
		}
		slices.SortFunc(ws, func(a, b chartscan.Word) int { return a.X - b.X })
		hs := make([]int, len(ws))
		for i, w := range ws {
			hs[i] = w.H
		}
		slices.Sort(hs)
		wide := gutterGap * float64(hs[len(hs)/2])
		// Split the line into runs at the wide gaps.
		type run struct{ from, to int } // word indexes [from, to)
		runs := []run{{0, 1}}
		for i := 1; i < len(ws); i++ {
			if gap := ws[i].X - (ws[i-1].X + ws[i-1].W); float64(gap) > wide {
				runs = append(runs, run{i, i + 1})
			} else {
				runs[len(runs)-1].to = i + 1
			}
		}
		var hit [bins]bool
		for k := 1; k < len(runs); k++ {
			a, b := runs[k-1], runs[k]
			if !prose(ws[a.from:a.to]) || !prose(ws[b.from:b.to]) {
				continue
			}
			// The bins wholly inside the gap.
			x0, x1 := ws[a.to-1].X+ws[a.to-1].W, ws[b.from].X
			for i := max((x0*bins+width-1)/width, 0); i < min(x1*bins/width, bins); i++ {
				hit[i] = true
			}
		}
		for i, h := range hit {
			if h {
				crossed[i]++
			}
		}
	}
	return slices.Max(crossed[:])
}

// prose reports whether a run of words reads like running text rather
// than a table cell: three words, or two of ten letters or more.
func prose(ws []chartscan.Word) bool {
	if len(ws) >= 3 {
		return true
	}
	n := 0
	for _, w := range ws {
		n += alnumCount(w.Text)
	}
	return len(ws) == 2 && n >= 10
}

func alnumCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127 {
			n++
		}
	}
	return n
}

// goodWords counts the words read with confidence that look like words.
func goodWords(r *Result) int {
	n := 0
	for _, w := range r.Words {
		if w.Confidence >= 0.7 && wordLike(w.Text) {
			n++
		}
	}
	return n
}

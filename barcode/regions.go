package barcode

import (
	"image"
	"sort"
)

// candidate is a region of a page that may hold a barcode.
type candidate struct {
	rect     image.Rectangle
	linear   bool // bars (Code 128) rather than modules (QR, Data Matrix)
	sideways bool // bars lying across the page: look again on the transposed page
}

// candidates finds regions whose texture is that of a barcode. The page is
// divided into cells of about 0.7 mm; cells with ink are joined into
// regions (across gaps of one cell, the light bars and modules inside a
// symbol), and each region is judged as a whole. Bars (Code 128) change
// from dark to light many times along a row and hardly ever down a column.
// Modules (QR, Data Matrix) change both ways, fill a compact, roughly
// square region and are about half dark. Text changes both ways too but
// comes in long lines or light paragraphs, and is rejected by shape, fill
// and darkness.
func candidates(g *image.Gray, dpi int) []candidate {
	cell := dpi / 37 // 8 pixels at 300 dpi
	if cell < 4 {
		cell = 4
	}
	b := g.Bounds()
	cols, rows := b.Dx()/cell, b.Dy()/cell
	if cols < 4 || rows < 4 {
		return nil
	}
	raw := make([]cellCounts, cols*rows)
	inked := make([]bool, cols*rows)
	for cy := 0; cy < rows; cy++ {
		for cx := 0; cx < cols; cx++ {
			c := measure(g, b.Min.X+cx*cell, b.Min.Y+cy*cell, cell)
			raw[cy*cols+cx] = c
			inked[cy*cols+cx] = c.dark*5 >= cell*cell // at least a fifth dark
		}
	}
	label := make([]bool, cols*rows)
	var out []candidate
	var stack []int
	inch := float64(dpi)
	for start := range inked {
		if !inked[start] || label[start] {
			continue
		}
		label[start] = true
		stack = append(stack[:0], start)
		minX, minY, maxX, maxY := cols, rows, -1, -1
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			x, y := i%cols, i/cols
			minX, maxX = min(minX, x), max(maxX, x)
			minY, maxY = min(minY, y), max(maxY, y)
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= cols || ny >= rows {
						continue
					}
					if j := ny*cols + nx; inked[j] && !label[j] {
						label[j] = true
						stack = append(stack, j)
					}
				}
			}
		}
		w, h := maxX-minX+1, maxY-minY+1
		wIn, hIn := float64(w*cell)/inch, float64(h*cell)/inch
		if wIn < 0.25 || hIn < 0.1 || wIn > 8 || hIn > 6 {
			continue
		}
		var sum cellCounts
		for y := minY; y <= maxY; y++ {
			for x := minX; x <= maxX; x++ {
				c := raw[y*cols+x]
				sum.dark += c.dark
				sum.across += c.across
				sum.down += c.down
			}
		}
		area := w * h
		// Fill: the share of 2×2-cell blocks holding ink, so that light
		// modules as large as a cell do not count as holes.
		blocks, filled := 0, 0
		for y := minY; y <= maxY; y += 2 {
			for x := minX; x <= maxX; x += 2 {
				blocks++
				hit := false
				for yy := y; yy <= min(y+1, maxY) && !hit; yy++ {
					for xx := x; xx <= min(x+1, maxX) && !hit; xx++ {
						hit = inked[yy*cols+xx]
					}
				}
				if hit {
					filled++
				}
			}
		}
		fill := float64(filled) / float64(blocks)
		ink := float64(sum.dark) / float64(area*cell*cell)
		// Changes per inch along a row and down a column, on average.
		acrossPerIn := float64(sum.across) / float64(h*cell) / wIn
		downPerIn := float64(sum.down) / float64(w*cell) / hIn
		rect := image.Rect(b.Min.X+minX*cell, b.Min.Y+minY*cell, b.Min.X+(maxX+1)*cell, b.Min.Y+(maxY+1)*cell)
		switch {
		case wIn >= 0.5 && hIn >= 0.12 && ink >= 0.25 && fill >= 0.5 && acrossPerIn >= 15 && downPerIn <= 0.25*acrossPerIn:
			out = append(out, candidate{rect: rect, linear: true})
		case hIn >= 0.5 && wIn >= 0.12 && ink >= 0.25 && fill >= 0.5 && downPerIn >= 15 && acrossPerIn <= 0.25*downPerIn:
			out = append(out, candidate{rect: rect, linear: true, sideways: true})
		case wIn <= 4 && hIn <= 4 && hIn >= 0.25 && aspect(w, h) <= 3 && ink >= 0.3 && fill >= 0.6 && acrossPerIn >= 4 && downPerIn >= 4:
			out = append(out, candidate{rect: rect})
		}
	}
	out = mergeBars(out, dpi/5)
	for i := range out {
		if out[i].linear && !out[i].sideways {
			out[i].rect = extendBars(out[i].rect, inked, cols, rows, cell, b.Min, dpi/5)
		}
	}
	// Larger regions first: a real symbol beats a stray blot.
	sort.Slice(out, func(i, j int) bool {
		return out[i].rect.Dx()*out[i].rect.Dy() > out[j].rect.Dx()*out[j].rect.Dy()
	})
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}

// mergeBars joins bar regions side by side on one line: the wide spaces of
// a 1-D symbol can split it into pieces.
func mergeBars(cs []candidate, gap int) []candidate {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(cs) && !merged; i++ {
			for j := i + 1; j < len(cs) && !merged; j++ {
				a, b := cs[i], cs[j]
				if !a.linear || !b.linear || a.sideways || b.sideways {
					continue
				}
				overlap := min(a.rect.Max.Y, b.rect.Max.Y) - max(a.rect.Min.Y, b.rect.Min.Y)
				if overlap*2 < min(a.rect.Dy(), b.rect.Dy()) {
					continue
				}
				if a.rect.Inset(-gap).Overlaps(b.rect) {
					cs[i].rect = a.rect.Union(b.rect)
					cs = append(cs[:j], cs[j+1:]...)
					merged = true
				}
			}
		}
	}
	return cs
}

// extendBars widens a bar region along its middle rows over inked cells,
// bridging gaps up to gap pixels: where the human-readable text under a
// symbol joins the bars, that part of the symbol is not judged as bars.
func extendBars(r image.Rectangle, inked []bool, cols, rows, cell int, origin image.Point, gap int) image.Rectangle {
	y0 := (r.Min.Y - origin.Y + r.Dy()/4) / cell
	y1 := (r.Max.Y - origin.Y - r.Dy()/4) / cell
	colInked := func(x int) bool {
		for y := max(y0, 0); y <= min(y1, rows-1); y++ {
			if inked[y*cols+x] {
				return true
			}
		}
		return false
	}
	maxGap := gap / cell
	x0, x1 := (r.Min.X-origin.X)/cell, (r.Max.X-origin.X)/cell-1
	for x, miss := x1+1, 0; x < cols && miss <= maxGap; x++ {
		if colInked(x) {
			x1, miss = x, 0
		} else {
			miss++
		}
	}
	for x, miss := x0-1, 0; x >= 0 && miss <= maxGap; x-- {
		if colInked(x) {
			x0, miss = x, 0
		} else {
			miss++
		}
	}
	return image.Rect(origin.X+x0*cell, r.Min.Y, origin.X+(x1+1)*cell, r.Max.Y)
}

func aspect(w, h int) float64 {
	if w < h {
		w, h = h, w
	}
	return float64(w) / float64(h)
}

// cellCounts are the raw counts of one cell.
type cellCounts struct {
	dark, across, down int
}

// measure counts, in the size×size cell at (x0, y0), the dark pixels and
// the dark/light changes along rows and down columns (including those at
// the cell's top and left edges).
func measure(g *image.Gray, x0, y0, size int) cellCounts {
	var c cellCounts
	b := g.Bounds()
	for y := y0; y < y0+size; y++ {
		o := g.PixOffset(x0, y)
		row := g.Pix[o : o+size]
		prev := row[0] < 128
		if x0 > b.Min.X {
			prev = g.Pix[o-1] < 128
		}
		var above []uint8
		if y > b.Min.Y {
			above = g.Pix[o-g.Stride : o-g.Stride+size]
		}
		for x, v := range row {
			d := v < 128
			if d {
				c.dark++
			}
			if d != prev {
				c.across++
			}
			prev = d
			if above != nil && d != (above[x] < 128) {
				c.down++
			}
		}
	}
	return c
}

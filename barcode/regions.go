package barcode

import (
	"encoding/binary"
	"image"
	"math/bits"
	"sort"
)

// family is a kind of symbol, told apart by texture; each has its readers.
type family uint8

const (
	// bars: 1-D symbols (Code 128, Code 39, Interleaved 2 of 5), dark and
	// light many times along a row, hardly ever down a column.
	bars family = iota
	// stacked: PDF417, rows of bars a few modules tall, so that the ink
	// also changes down a column, at every row boundary.
	stacked
	// matrix: 2-D symbols of square modules (QR, Data Matrix), in a
	// compact, roughly square region.
	matrix
)

// candidate is a region of a page that may hold a barcode.
type candidate struct {
	rect image.Rectangle
	// families are the kinds of symbol its texture fits, the likeliest
	// first; only their readers are tried.
	families []family
	// sideways: the rows of the region run down the page (a page turned
	// 90°, a label stuck on crosswise). Bars are then read on the
	// transposed page; stacked and matrix readers read any turn.
	sideways bool
}

// has reports whether the candidate may be of family f.
func (c candidate) has(f family) bool {
	for _, x := range c.families {
		if x == f {
			return true
		}
	}
	return false
}

// uprightBars reports whether c may hold bars standing up on the page, the
// only ones the 1-D readers read.
func (c candidate) uprightBars() bool { return c.has(bars) && !c.sideways }

// candidates finds regions whose texture is that of a barcode. The page is
// divided into cells of about 0.7 mm; cells with ink are joined into
// regions (across gaps of one cell, the light bars and modules inside a
// symbol), and each region is judged as a whole. Bars (Code 128, Code 39,
// Interleaved 2 of 5) change from dark to light many times along a row and
// hardly ever down a column. PDF417 changes along a row as often, and down
// a column at about every other row boundary: a third to a half as often
// for rows three or four modules tall. Modules (QR, Data Matrix) change
// both ways as often, fill a compact, roughly square region and are about
// half dark. Text changes both ways too but comes in long lines or light
// paragraphs, and is rejected by shape, fill and darkness.
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
	raw := measureCells(g, cell, cols, rows)
	inked := make([]bool, cols*rows)
	for i, c := range raw {
		inked[i] = c.dark*5 >= cell*cell // at least a fifth dark
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
		if max(wIn, hIn) < 0.25 || min(wIn, hIn) < 0.1 || wIn > 8 || hIn > 8 {
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
		c := candidate{rect: rect}
		if acrossPerIn >= downPerIn {
			c.families = barTexture(acrossPerIn, downPerIn, wIn, hIn, ink, fill)
		} else {
			c.families = barTexture(downPerIn, acrossPerIn, hIn, wIn, ink, fill)
			c.sideways = len(c.families) > 0
		}
		if wIn <= 4 && hIn <= 4 && min(wIn, hIn) >= 0.25 && aspect(w, h) <= 3 && ink >= 0.3 && fill >= 0.6 && acrossPerIn >= 4 && downPerIn >= 4 {
			// Square modules change as often both ways; a PDF417 of few
			// columns can be as compact, and changes down half as often.
			if r := min(acrossPerIn, downPerIn) / max(acrossPerIn, downPerIn); len(c.families) > 0 && r < 0.6 {
				c.families = append(c.families, matrix)
			} else {
				c.families = append([]family{matrix}, c.families...)
			}
		}
		if len(c.families) > 0 {
			out = append(out, c)
		}
	}
	out = mergeBars(out, dpi/5)
	for i := range out {
		if out[i].uprightBars() {
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
				if !a.uprightBars() || !b.uprightBars() {
					continue
				}
				overlap := min(a.rect.Max.Y, b.rect.Max.Y) - max(a.rect.Min.Y, b.rect.Min.Y)
				if overlap*2 < min(a.rect.Dy(), b.rect.Dy()) {
					continue
				}
				if a.rect.Inset(-gap).Overlaps(b.rect) {
					cs[i].rect = a.rect.Union(b.rect)
					cs[i].families = mergeFamilies(a.families, b.families)
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

// barTexture returns the families, likeliest first, of a region whose ink
// changes along per inch along its rows and cross per inch down its
// columns (along >= cross), long inches long and thick inches across.
// The share of changes down a column tells bars (almost none: skew and
// speckle) from PDF417 (a row boundary every three to five modules); in
// between, both are tried.
func barTexture(along, cross, long, thick, ink, fill float64) []family {
	if long < 0.4 || thick < 0.12 || ink < 0.25 || fill < 0.5 || along < 15 {
		return nil
	}
	r := cross / along
	mayStack := thick >= 0.2 && ink >= 0.3 && fill >= 0.6
	switch {
	case r <= 0.12:
		return []family{bars}
	case r <= 0.2 || (r <= 0.3 && !mayStack):
		if mayStack {
			return []family{bars, stacked}
		}
		return []family{bars}
	case r <= 0.3:
		return []family{stacked, bars}
	case r <= 0.75 && mayStack:
		return []family{stacked}
	}
	return nil
}

// mergeFamilies joins the families of two pieces of one region, a's first.
func mergeFamilies(a, b []family) []family {
	out := append([]family(nil), a...)
	for _, f := range b {
		if !(candidate{families: out}).has(f) {
			out = append(out, f)
		}
	}
	return out
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

// measureCells counts, for every cell×cell cell of the page (cols×rows of
// them, from the top left), its dark pixels and its dark/light changes
// along rows and down columns, in one pass over the page.
func measureCells(g *image.Gray, cell, cols, rows int) []cellCounts {
	b := g.Bounds()
	w := cols * cell
	out := make([]cellCounts, cols*rows)
	// Pixels are reduced to 1 (dark, below 128) or 0, so that the counts
	// are sums and XORs without branches; this loop sees every pixel of
	// every page and dominates the barcode search.
	prev := make([]uint8, w+8) // the row above; padded for 8-byte reads
	cur := make([]uint8, w+8)
	for y := 0; y < rows*cell; y++ {
		o := g.PixOffset(b.Min.X, b.Min.Y+y)
		darkBits(cur[:w], g.Pix[o:o+w])
		cells := out[(y/cell)*cols : (y/cell+1)*cols]
		if cell == 8 {
			countRow8(cells, cur, prev, y > 0)
		} else {
			countRow(cells, cur[:w], prev[:w], cell, y > 0)
		}
		prev, cur = cur, prev
	}
	return out
}

// ones has a 1 in every byte.
const ones = 0x0101010101010101

// darkBits sets dst[i] to 1 where src[i] is dark (below 128), else 0,
// eight pixels at a time.
func darkBits(dst, src []uint8) {
	i := 0
	for ; i+8 <= len(src); i += 8 {
		v := binary.LittleEndian.Uint64(src[i:])
		binary.LittleEndian.PutUint64(dst[i:], ((v>>7)&ones)^ones)
	}
	for ; i < len(src); i++ {
		dst[i] = (src[i] >> 7) ^ 1
	}
}

// countRow adds one row of 0/1 pixels to its cells; the first pixel's
// left neighbour is itself.
func countRow(cells []cellCounts, cur, prev []uint8, cell int, down bool) {
	left := cur[0]
	for c := range cells {
		px := cur[c*cell : (c+1)*cell]
		up := prev[c*cell : (c+1)*cell]
		var dark, across, changes int
		for i, d := range px {
			dark += int(d)
			across += int(d ^ left)
			changes += int(d ^ up[i])
			left = d
		}
		cc := &cells[c]
		cc.dark += dark
		cc.across += across
		if down {
			cc.down += changes
		}
	}
}

// countRow8 is countRow for 8-pixel cells (300 dpi pages), one cell per
// 64-bit word: with one 0/1 pixel per byte, counting the set bits counts
// the dark pixels, and the set bits of an XOR count the changes.
func countRow8(cells []cellCounts, cur, prev []uint8, down bool) {
	left := uint64(cur[0])
	for c := range cells {
		px := binary.LittleEndian.Uint64(cur[c*8:])
		shifted := px<<8 | left // each pixel's left neighbour
		cc := &cells[c]
		cc.dark += bits.OnesCount64(px)
		cc.across += bits.OnesCount64(px ^ shifted)
		if down {
			cc.down += bits.OnesCount64(px ^ binary.LittleEndian.Uint64(prev[c*8:]))
		}
		left = px >> 56
	}
}

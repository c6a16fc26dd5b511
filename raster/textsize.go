package raster

import (
	"image"
	"math"
	"sort"
)

// A file that states no resolution (a PNG without pHYs, a JPEG without a
// JFIF density, a TIFF without XResolution) or an impossible one (a phone
// photo "at 72 dpi" that would be a metre tall) still shows how big its
// text is. Printed documents are set in 9 to 12 point type almost
// everywhere; so the height of the commonest character shapes, measured
// in pixels, gives the resolution to within about a fifth — close enough
// to decide whether the page should be scaled before it is read, and far
// better than assuming 300 dpi for a receipt photo whose letters are
// fifteen pixels tall.

// TextSize is the size of the text on a page image, measured from its ink.
type TextSize struct {
	// Height is the commonest height of character shapes, in pixels: the
	// x-height of mixed-case text, the cap height of text in capitals or
	// figures.
	Height float64
	// Capitals is true when Height is a cap height: few shapes rise
	// above it (mixed-case text has ascenders, capitals and figures a
	// third to a half taller than its x-height).
	Capitals bool
	// Shapes is how many character shapes have about that height.
	Shapes int
}

// Typical sizes of printed body text, in points (1/72 inch): an x-height
// of about half and a cap height of about 0.7 of an 11 point em. They are
// what document fonts (Times, Helvetica, Courier, Calibri, receipt
// printers' fonts) have in common, not a measurement of any file.
const (
	typicalXHeight   = 5.3
	typicalCapHeight = 7.5
	// minShapes is how many character shapes of the commonest height a
	// page must show for its text size to say anything.
	minShapes = 40
)

// EstimateDPI returns the resolution at which the text on g would be body
// text of a usual size, or 0 when g shows too little text to tell. The
// estimate is good to about ±20 %: type sizes vary that much.
func EstimateDPI(g *image.Gray) int {
	ts := MeasureText(g)
	return ts.DPI()
}

// DPI is the resolution implied by the text size, or 0 when there were too
// few shapes to measure.
func (ts TextSize) DPI() int {
	if ts.Shapes < minShapes || ts.Height <= 0 {
		return 0
	}
	pts := typicalXHeight
	if ts.Capitals {
		pts = typicalCapHeight
	}
	dpi := int(math.Round(ts.Height * 72 / pts))
	return min(max(dpi, 30), 2400)
}

// MeasureText finds the character shapes of g — connected components of
// ink of the size and shape of letters, standing in a line beside another
// of about their height — and returns their commonest height. It reads
// every pixel: some 30 ms for a 300 dpi letter page on one core.
func MeasureText(g *image.Gray) TextSize {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 32 || h < 32 {
		return TextSize{}
	}
	comps := components(g, inkThreshold(g))
	maxH := min(h/6, 600)
	shapes := comps[:0]
	for _, c := range comps {
		cw, ch := int(c.x1-c.x0+1), int(c.y1-c.y0+1)
		if c.x0 == 0 || c.y0 == 0 || int(c.x1) == w-1 || int(c.y1) == h-1 {
			continue // cut by the edge: its size is not its own
		}
		if ch < 5 || ch > maxH || cw > 5*ch/2 || 5*cw < ch {
			continue // specks, rules, dashes, bars (of barcodes, or l and I), pictures
		}
		fill := float64(c.n) / float64(cw*ch)
		if fill < 0.08 || (fill > 0.9 && 2*cw > ch) {
			continue // frames and solid blobs (bullets, holes)
		}
		shapes = append(shapes, c)
	}
	// Lines run across the page, or down it on a page lying on its side.
	heights := inLines(shapes)
	if down := inLines(transposed(shapes)); len(down) > 2*len(heights) {
		heights = down
	}
	if len(heights) < minShapes {
		return TextSize{}
	}
	sort.Ints(heights)
	within := func(lo, hi float64) int {
		i := sort.Search(len(heights), func(i int) bool { return float64(heights[i]) >= lo })
		j := sort.Search(len(heights), func(i int) bool { return float64(heights[i]) > hi })
		return j - i
	}
	// The commonest height, allowing ±10 % (overshoot of round letters,
	// binarisation), and the mean of the shapes of about that height.
	best, bestN := 0, 0
	for hh := heights[0]; hh <= heights[len(heights)-1]; hh++ {
		if n := within(float64(hh)*0.9, float64(hh)*1.1); n > bestN {
			best, bestN = hh, n
		}
	}
	sum, n := 0, 0
	for _, v := range heights {
		if float64(v) >= float64(best)*0.9 && float64(v) <= float64(best)*1.1 {
			sum += v
			n++
		}
	}
	ts := TextSize{Height: float64(sum) / float64(n), Shapes: n}
	tall := within(ts.Height*1.25, ts.Height*1.8)
	ts.Capitals = 5*tall < n
	return ts
}

// transposed returns the shapes with x and y swapped.
func transposed(shapes []comp) []comp {
	out := make([]comp, len(shapes))
	for i, c := range shapes {
		out[i] = comp{x0: c.y0, y0: c.x0, x1: c.y1, y1: c.x1, n: c.n}
	}
	return out
}

// inLines returns the heights of the shapes that stand beside another of
// about their height (within 1.5 times, overlapping it by half in height,
// no further than its height away): letters of a line of text, not
// specks or the marks of a picture.
func inLines(shapes []comp) []int {
	const cell = 64
	grid := map[[2]int32][]int32{}
	for i, c := range shapes {
		k := [2]int32{c.x0 / cell, c.y0 / cell}
		grid[k] = append(grid[k], int32(i))
	}
	var heights []int
	for i, a := range shapes {
		ha := a.y1 - a.y0 + 1
		found := false
		for gx := (a.x0 - 2*ha) / cell; gx <= (a.x1+2*ha)/cell && !found; gx++ {
			for gy := (a.y0 - 2*ha) / cell; gy <= (a.y1+ha)/cell && !found; gy++ {
				for _, j := range grid[[2]int32{gx, gy}] {
					if int(j) == i {
						continue
					}
					b := shapes[j]
					hb := b.y1 - b.y0 + 1
					if 2*ha > 3*hb || 2*hb > 3*ha {
						continue
					}
					overlap := min(a.y1, b.y1) - max(a.y0, b.y0) + 1
					gap := max(a.x0, b.x0) - min(a.x1, b.x1)
					if 2*overlap >= min(ha, hb) && gap <= max(ha, hb) {
						found = true
						break
					}
				}
			}
		}
		if found {
			heights = append(heights, int(ha))
		}
	}
	return heights
}

// inkThreshold returns the grey level below which a pixel is ink: Otsu's
// threshold over a sample of the page, so that faint print (a faded
// thermal receipt, a pencil-grey photocopy) counts as ink too, but never
// above 200 (paper is lighter) nor below 32 (on a page of pure black and
// white, where Otsu's threshold falls just above black).
func inkThreshold(g *image.Gray) uint8 {
	hist := grayHistogram(g, 2)
	t := otsu(hist)
	return uint8(min(max(t, 32), 200))
}

// grayHistogram counts the grey levels of every step-th pixel of every
// step-th row.
func grayHistogram(g *image.Gray, step int) *[256]int {
	var hist [256]int
	b := g.Bounds()
	w := b.Dx()
	for y := 0; y < b.Dy(); y += step {
		o := g.PixOffset(b.Min.X, b.Min.Y+y)
		row := g.Pix[o : o+w]
		for x := 0; x < w; x += step {
			hist[row[x]]++
		}
	}
	return &hist
}

// otsu returns the threshold t that best splits hist into two classes
// (levels < t and >= t) by between-class variance.
func otsu(hist *[256]int) int {
	var total, sum float64
	for i, n := range hist {
		total += float64(n)
		sum += float64(i * n)
	}
	if total == 0 {
		return 128
	}
	var wB, sumB, best float64
	t := 128
	for i := 0; i < 256; i++ {
		wB += float64(hist[i])
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(i * hist[i])
		mB, mF := sumB/wB, (sum-sumB)/wF
		if v := wB * wF * (mB - mF) * (mB - mF); v > best {
			best, t = v, i+1
		}
	}
	return t
}

// comp is a connected component of dark pixels: its bounding box
// (inclusive) and pixel count.
type comp struct {
	x0, y0, x1, y1, n int32
}

// components labels the 8-connected components of pixels darker than thr,
// row by row over runs of dark pixels, and returns them.
func components(g *image.Gray, thr uint8) []comp {
	b := g.Bounds()
	w, h := b.Dx(), b.Dy()
	type seg struct{ x0, x1, c int32 }
	var (
		comps  []comp
		parent []int32
		prev   []seg
		cur    []seg
	)
	find := func(i int32) int32 {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for y := 0; y < h; y++ {
		o := g.PixOffset(b.Min.X, b.Min.Y+y)
		row := g.Pix[o : o+w]
		cur = cur[:0]
		j := 0
		for x := 0; x < w; {
			if row[x] >= thr {
				x++
				continue
			}
			x0 := x
			for x < w && row[x] < thr {
				x++
			}
			s := seg{x0: int32(x0), x1: int32(x - 1), c: -1}
			// Runs of the row above touching this one (8-connected).
			for j < len(prev) && prev[j].x1 < s.x0-1 {
				j++
			}
			for k := j; k < len(prev) && prev[k].x0 <= s.x1+1; k++ {
				r := find(prev[k].c)
				switch {
				case s.c < 0:
					s.c = r
				case r != s.c:
					if r < s.c {
						r, s.c = s.c, r
					}
					parent[r] = s.c
					A, B := &comps[s.c], &comps[r]
					A.x0, A.y0 = min(A.x0, B.x0), min(A.y0, B.y0)
					A.x1, A.y1 = max(A.x1, B.x1), max(A.y1, B.y1)
					A.n += B.n
				}
			}
			if s.c < 0 {
				s.c = int32(len(comps))
				comps = append(comps, comp{x0: s.x0, y0: int32(y), x1: s.x1, y1: int32(y)})
				parent = append(parent, s.c)
			}
			c := &comps[s.c]
			c.x0, c.x1 = min(c.x0, s.x0), max(c.x1, s.x1)
			c.y1 = max(c.y1, int32(y))
			c.n += s.x1 - s.x0 + 1
			cur = append(cur, s)
		}
		prev, cur = cur, prev
	}
	out := comps[:0:0]
	for i := range comps {
		if parent[i] == int32(i) {
			out = append(out, comps[i])
		}
	}
	return out
}

// ReadingDPI returns the resolution to read a page image at: the one its
// file states when that is believable, else the one its text shows (see
// EstimateDPI), else fallback; and the estimate, 0 when none was made.
//
// A stated resolution is doubted when it is missing, when it is 72 or 96
// (what imaging software and phone cameras write when they know nothing:
// the screen resolutions, never a scanner setting), or when it would make
// the page longer than 17 inches or shorter than 2. A doubted one is kept
// when the text agrees with it within half again; otherwise the text's
// estimate is used. Believable resolutions are not estimated at all: that
// costs nothing on the pages of scanners and PDFs.
func ReadingDPI(g *image.Gray, stated, fallback int) (dpi, estimated int) {
	b := g.Bounds()
	long := max(b.Dx(), b.Dy())
	if stated > 0 && stated != 72 && stated != 96 && long <= 17*stated && long >= 2*stated {
		return stated, 0
	}
	est := EstimateDPI(g)
	switch {
	case est == 0 && stated > 0:
		return stated, 0
	case est == 0:
		return fallback, 0
	case stated > 0 && 2*est <= 3*stated && 2*stated <= 3*est:
		return stated, est
	}
	return est, est
}

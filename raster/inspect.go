package raster

import (
	"image"
	"math"
	"slices"
)

// Inspection is what a page image shows of how it was scanned, measured
// before it is read: for the page's quality record and for deciding
// whether it is straightened.
type Inspection struct {
	// Skew is the angle of the text lines in degrees, counter-clockwise
	// positive (lines rising to the right), between -15 and 15, measured
	// against whichever axis the lines run along (a page lying on its side
	// has its lines running down). 0 when SkewFound is false.
	Skew float64
	// SkewFound is true when the page has enough lines of text, or
	// rules, for the angle to be measured.
	SkewFound bool
	// Contrast is the spread between the page's paper and its ink in
	// [0,1]: 1 for black on white, under 0.3 for faded print or a grey
	// photocopy.
	Contrast float64
	// CutOff names the edges (left, right, top, bottom) that cut through
	// text: the page was placed off the glass or the scan area was too
	// small.
	CutOff []string
}

// Inspect measures the skew, contrast and cut-off edges of a page image
// scanned at dpi (0: unknown, about 300 is assumed). It looks at one row
// of pixels in every few (those of a 75 dpi grid), which takes about 2 ms
// for a 300 dpi letter page.
func Inspect(g *image.Gray, dpi int) Inspection {
	b := g.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 {
		return Inspection{}
	}
	if dpi <= 0 {
		dpi = max(75, b.Dx()*10/85) // as if the page were 8.5 inches wide
	}
	m := sampleInk(g, dpi)
	var in Inspection
	in.Contrast = m.contrast
	in.Skew, in.SkewFound = m.skew()
	in.CutOff = m.cutOff()
	return in
}

// cellMap is a page's ink on a coarse grid: cell (x, y) is ink when a dark
// pixel lies in the r pixels of row y*r+r/2 it covers.
type cellMap struct {
	w, h     int
	r        int     // pixels per cell
	dpi      int     // of the page
	ink      []uint8 // 1 = ink
	contrast float64
}

func sampleInk(g *image.Gray, dpi int) *cellMap {
	b := g.Bounds()
	r := max(1, int(math.Round(float64(dpi)/75)))
	m := &cellMap{w: b.Dx() / r, h: b.Dy() / r, r: r, dpi: dpi}
	m.ink = make([]uint8, m.w*m.h)
	// The grey levels of the sampled rows, every r-th pixel, give the
	// threshold between paper and ink and the contrast.
	var hist [256]int
	for cy := 0; cy < m.h; cy++ {
		o := g.PixOffset(b.Min.X, b.Min.Y+cy*r+r/2)
		row := g.Pix[o : o+m.w*r]
		for x := r / 2; x < len(row); x += r {
			hist[row[x]]++
		}
	}
	t := otsu(&hist)
	var n0, n1, s0, s1 float64
	for v, n := range hist {
		if v < t {
			n0, s0 = n0+float64(n), s0+float64(v*n)
		} else {
			n1, s1 = n1+float64(n), s1+float64(v*n)
		}
	}
	if n0 > 0 && n1 > 0 {
		m.contrast = (s1/n1 - s0/n0) / 255
	}
	// Ink is what is darker than Otsu's split, kept between mid-grey and
	// 200: faint print counts, the shading of a photo's paper does not.
	thr := uint8(min(max(t, 128), 200))
	for cy := 0; cy < m.h; cy++ {
		o := g.PixOffset(b.Min.X, b.Min.Y+cy*r+r/2)
		row := g.Pix[o : o+m.w*r]
		out := m.ink[cy*m.w : (cy+1)*m.w]
		// Branch-free: the sign bit of level - thr is 1 for ink.
		t := int(thr)
		switch r {
		case 1:
			for x, v := range row {
				out[x] = uint8((int(v) - t) >> 63 & 1)
			}
		case 4:
			for cx := range out {
				q := row[4*cx : 4*cx+4]
				out[cx] = uint8((int(min(q[0], q[1], q[2], q[3])) - t) >> 63 & 1)
			}
		case 3:
			for cx := range out {
				q := row[3*cx : 3*cx+3]
				out[cx] = uint8((int(min(q[0], q[1], q[2])) - t) >> 63 & 1)
			}
		default:
			for cx := range out {
				out[cx] = uint8((int(slices.Min(row[cx*r:cx*r+r])) - t) >> 63 & 1)
			}
		}
	}
	return m
}

// skew finds the angle at which the ink's rows line up best: the page is
// cut into vertical strips, each strip's ink is counted per row, and for
// each candidate angle the strips' counts are shifted by the angle and
// added; lines of text then give a profile of sharp peaks and gaps, whose
// sum of squared differences is largest at the true angle (the criterion
// of Postl, as Leptonica's skew finder uses it). The same is done down
// the page for pages lying on their side, and the stronger answer wins.
func (m *cellMap) skew() (float64, bool) {
	across, down := m.strips(false), m.strips(true)
	sa, sd := across.sweep(), down.sweep()
	switch {
	case sa < minStrength && sd < minStrength:
		return 0, false
	case sd > sa:
		// Lines running down the page, turned counter-clockwise by a,
		// lean to the right going down: measured across the transposed
		// map that is a clockwise angle.
		return -down.refine(), true
	}
	return across.refine(), true
}

// minStrength is how far the criterion at the best angle must stand above
// its median over all angles (as a ratio, minus one) for the angle to be
// believed: lines of text make it stand out far more; a picture or a page
// of noise does not.
const minStrength = 0.15

// stripProfiles is the ink of a cell map (or of its transpose) counted per
// row in vertical strips, with the sweep's result.
type stripProfiles struct {
	h      int
	strips [][]rowCount // each strip's rows that hold ink
	total  []float64    // scratch for score
	shift0 int          // offset keeping shifted rows inside total
	best   float64      // best angle of the sweep
	bestS  float64
}

type rowCount struct{ y, n int32 }

// stripW is the strip width in cells: about a fifth of an inch.
const stripW = 16

func (m *cellMap) strips(transpose bool) *stripProfiles {
	w, h := m.w, m.h
	if transpose {
		w, h = h, w
	}
	ns := w / stripW
	sp := &stripProfiles{h: h}
	if ns < 4 || h < 32 {
		return sp
	}
	sp.strips = make([][]rowCount, ns)
	inked := 0
	for s := range sp.strips {
		var p []rowCount
		for y := 0; y < h; y++ {
			n := 0
			if transpose {
				for x := s * stripW; x < (s+1)*stripW; x++ {
					n += int(m.ink[x*m.w+y])
				}
			} else {
				for _, v := range m.ink[y*m.w+s*stripW : y*m.w+(s+1)*stripW] {
					n += int(v)
				}
			}
			if n > 0 {
				p = append(p, rowCount{int32(y), int32(n)})
				inked += n
			}
		}
		sp.strips[s] = p
	}
	if inked < 400 {
		sp.strips = nil
		return sp
	}
	sp.shift0 = int(math.Ceil(float64(w)*math.Tan(15*math.Pi/180))) + 2
	sp.total = make([]float64, h+2*sp.shift0+2)
	return sp
}

// score is the criterion at angle deg: the sum of squared differences
// between neighbouring rows of the strips' counts, each strip moved down
// by its distance from the left times tan(deg), so that lines rising to
// the right by deg come out level.
func (sp *stripProfiles) score(deg float64) float64 {
	total := sp.total
	clear(total)
	t := math.Tan(deg * math.Pi / 180)
	for s, p := range sp.strips {
		shift := (float64(s)+0.5)*stripW*t + float64(sp.shift0)
		i := int(shift)
		f := shift - float64(i)
		tt := total[i:]
		for _, c := range p {
			v := float64(c.n)
			tt[c.y] += v * (1 - f)
			tt[c.y+1] += v * f
		}
	}
	var sum float64
	for i := 1; i < len(total); i++ {
		d := total[i] - total[i-1]
		sum += d * d
	}
	return sum
}

// sweep scores every whole degree from -15 to 15 and returns how far the
// best stands above the median (0 when there is nothing to measure).
func (sp *stripProfiles) sweep() float64 {
	if sp.strips == nil {
		return 0
	}
	var all []float64
	sp.bestS = -1
	for a := -15.0; a <= 15.0; a++ {
		s := sp.score(a)
		all = append(all, s)
		if s > sp.bestS {
			sp.best, sp.bestS = a, s
		}
	}
	slices.Sort(all)
	med := all[len(all)/2]
	if med <= 0 {
		return 0
	}
	return sp.bestS/med - 1
}

// refine searches quarters, then twentieths of a degree around the sweep's
// best angle (the criterion's peak is about a degree wide on a page of
// text) and returns the angle to a hundredth.
func (sp *stripProfiles) refine() float64 {
	for _, step := range []float64{0.25, 0.05} {
		c := sp.best
		for k := -4; k <= 4; k++ {
			if k == 0 {
				continue
			}
			a := c + float64(k)*step
			if s := sp.score(a); s > sp.bestS {
				sp.best, sp.bestS = a, s
			}
		}
	}
	return math.Round(sp.best*100)/100 + 0 // never -0
}

// cutOff returns the edges where text runs into the edge of the image:
// within a millimetre of the edge, several marks of the size of letters or
// lines of type (1 to 30 mm along the edge), which go on inward, and ink
// along less than half of the edge (a dark border or the shadow of the
// paper's edge runs along all of it).
func (m *cellMap) cutOff() []string {
	mm := float64(m.dpi) / 25.4 / float64(m.r) // cells per millimetre
	band := max(1, int(math.Round(mm)))
	var out []string
	for _, e := range []struct {
		name string
		// n is the edge's length in cells; inkAt(i, d) tells whether the
		// cell at position i along it, d cells in from the edge, is ink.
		n     int
		inkAt func(i, d int) bool
	}{
		{"left", m.h, func(i, d int) bool { return m.ink[i*m.w+d] != 0 }},
		{"right", m.h, func(i, d int) bool { return m.ink[i*m.w+m.w-1-d] != 0 }},
		{"top", m.w, func(i, d int) bool { return m.ink[d*m.w+i] != 0 }},
		{"bottom", m.w, func(i, d int) bool { return m.ink[(m.h-1-d)*m.w+i] != 0 }},
	} {
		if e.n < 16 || 3*band >= min(m.w, m.h) {
			continue
		}
		inkedIn := func(i, d0, d1 int) bool {
			for d := d0; d < d1; d++ {
				if e.inkAt(i, d) {
					return true
				}
			}
			return false
		}
		covered, marks := 0, 0
		for i := 0; i < e.n; {
			if !inkedIn(i, 0, band) {
				i++
				continue
			}
			j, inward := i, 0
			for j < e.n && inkedIn(j, 0, band) {
				if inkedIn(j, band, 3*band) {
					inward++
				}
				j++
			}
			covered += j - i
			if l := float64(j-i) / mm; l >= 1 && l <= 30 && 2*inward >= j-i {
				marks++
			}
			i = j
		}
		if marks >= 3 && 2*covered < e.n {
			out = append(out, e.name)
		}
	}
	return out
}

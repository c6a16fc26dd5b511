package raster

import (
	"encoding/binary"
	"image"
	"math"
	"math/bits"
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
	for cy := 0; cy < m.h; cy += 2 {
		o := g.PixOffset(b.Min.X, b.Min.Y+cy*r+r/2)
		row := g.Pix[o : o+m.w*r]
		for x := r / 2; x < len(row); x += 2 * r {
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
		// Branch-free: the sign bit of level - thr is 1 for ink. Cells of
		// four and eight pixels (300 and 600 dpi scans) test their pixels
		// a word at a time: with y = ^x every byte is 255 - level, and
		// ((y + (127-n)·0x01…) | y) & 0x80… sets a byte's top bit when
		// 255 - level > n = 255 - thr, that is when level < thr (thr is
		// 128 to 200, so n is 55 to 127). A carry can only spill from a
		// byte that is ink itself, into the next pixel of the same cell
		// or of its neighbour: at worst a cell beside ink counts as ink.
		t := int(thr)
		n := uint64(255 - t)
		add := (127 - n) * 0x0101010101010101
		const high = 0x8080808080808080
		switch r {
		case 1:
			for x, v := range row {
				out[x] = uint8((int(v) - t) >> 63 & 1)
			}
		case 4:
			x := 0
			for ; x+8 <= len(row); x += 8 {
				y := ^binary.LittleEndian.Uint64(row[x:])
				h := ((y + add) | y) & high
				out[x/4] = b2u(h&0x80808080 != 0)
				out[x/4+1] = b2u(h>>32 != 0)
			}
			for cx := x / 4; cx < len(out); cx++ {
				q := row[4*cx : 4*cx+4]
				out[cx] = uint8((int(min(q[0], q[1], q[2], q[3])) - t) >> 63 & 1)
			}
		case 8:
			for cx := range out {
				y := ^binary.LittleEndian.Uint64(row[8*cx:])
				out[cx] = b2u(((y+add)|y)&high != 0)
			}
		default:
			for cx := range out {
				out[cx] = uint8((int(slices.Min(row[cx*r:cx*r+r])) - t) >> 63 & 1)
			}
		}
	}
	return m
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// skew finds the angle at which the ink's rows line up best: the page is
// cut into vertical strips, each strip's ink is counted per row, and for
// each candidate angle the strips' counts are shifted by the angle and
// added; lines of text then give a profile of sharp peaks and gaps, whose
// sum of squared differences is largest at the true angle (the criterion
// of Postl, as Leptonica's skew finder uses it). The same is done down
// the page for pages lying on their side, and the stronger answer wins.
func (m *cellMap) skew() (float64, bool) {
	across, down := m.strips()
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
// believed. Pages of text on the chart batches score 4 to 30 along their
// lines; their speckled blank backs about 1.
const minStrength = 2

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

// strips counts the map's ink per row in vertical strips (across) and per
// column in horizontal strips (down: the transposed map's rows), in one
// pass over the map.
func (m *cellMap) strips() (across, down *stripProfiles) {
	w, h := m.w, m.h
	na, nd := w/stripW, h/stripW
	ca := make([]int32, (na+1)*h) // strip-major: ca[s*h+y]
	cd := make([]int32, (nd+1)*w) // cd[s*w+x]
	for y := 0; y < h; y++ {
		row := m.ink[y*w : (y+1)*w]
		// Cells hold 0 or 1, so a strip's count is the number of set
		// bits in its sixteen bytes.
		for s := 0; s < na; s++ {
			q := row[s*stripW:]
			ca[s*h+y] = int32(bits.OnesCount64(binary.LittleEndian.Uint64(q)) + bits.OnesCount64(binary.LittleEndian.Uint64(q[8:])))
		}
		drow := cd[(y/stripW)*w : (y/stripW+1)*w]
		for x, v := range row {
			drow[x] += int32(v)
		}
	}
	return profiles(ca, na, h, w), profiles(cd, nd, w, h)
}

// profiles makes the strip profiles of ns strips of length h (the width
// across them w), keeping only the rows that hold ink.
func profiles(counts []int32, ns, h, w int) *stripProfiles {
	sp := &stripProfiles{h: h}
	if ns < 4 || h < 32 {
		return sp
	}
	sp.strips = make([][]rowCount, ns)
	inked := 0
	for s := range sp.strips {
		var p []rowCount
		for y, n := range counts[s*h : (s+1)*h] {
			if n > 0 {
				p = append(p, rowCount{int32(y), n})
				inked += int(n)
			}
		}
		sp.strips[s] = p
	}
	if inked < 400 {
		sp.strips = nil
		return sp
	}
	sp.shift0 = int(math.Ceil(float64(w)*math.Tan(maxSkew*math.Pi/180))) + 2
	sp.total = make([]float64, h+2*sp.shift0+2)
	return sp
}

// maxSkew is the largest skew measured, in degrees either way; score has
// room in its profile for strips moved by it and by no more.
const maxSkew = 15.0

// score is the criterion at angle deg (within ±maxSkew): the sum of squared differences
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
	for a := -maxSkew; a <= maxSkew; a++ {
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
			if math.Abs(a) > maxSkew {
				continue // outside the range score has room for
			}
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

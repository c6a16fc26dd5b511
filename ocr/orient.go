package ocr

import "image"

// Reading a page that is turned wastes a full OCR pass (and Tesseract
// reads turned pages slowly) before the orientation check finds the turn.
// turnedHint looks at a page's ink, which costs a few milliseconds, to
// find the pages worth checking before they are read:
//
//   - Lines of text leave empty rows between them. On a page lying on its
//     side the empty lines run down the page: many empty columns inside
//     the text, few empty rows.
//   - Documents are written in lines that start at a margin and end where
//     they end. On a page upside down, the line ends are the ones that
//     line up: right edges cluster, left edges scatter.
func turnedHint(img *image.Gray) bool {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 64 || h < 64 {
		return false
	}
	rows := make([]int, h)
	cols := make([]int, w)
	for y := 0; y < h; y++ {
		o := img.PixOffset(b.Min.X, b.Min.Y+y)
		n := 0
		for x, v := range img.Pix[o : o+w] {
			if v < 128 {
				n++
				cols[x]++
			}
		}
		rows[y] = n
	}
	// Ignore an edge margin, where scanners leave shadows.
	mx, my := w/25, h/25
	er, ec := emptyShare(rows[my:h-my], w), emptyShare(cols[mx:w-mx], h)
	if ec > 0.1 && ec > 2*er {
		return true // lines run down the page
	}
	left, right, lines := alignment(img, rows)
	return lines >= 5 && right >= 0.5 && right >= 2*left
}

// emptyShare returns the share of lines inside the inked span whose ink is
// under 0.5 % of their length.
func emptyShare(profile []int, length int) float64 {
	first, last := -1, -1
	for i, v := range profile {
		if v > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || last-first < 10 {
		return 0
	}
	limit := length / 200
	empty := 0
	for _, v := range profile[first : last+1] {
		if v <= limit {
			empty++
		}
	}
	return float64(empty) / float64(last-first+1)
}

// alignment splits the page into text lines (runs of inked rows) and
// returns the share of lines whose left edges line up with the most common
// left edge, the same for right edges, and the number of lines.
func alignment(img *image.Gray, rows []int) (left, right float64, lines int) {
	b := img.Bounds()
	w := b.Dx()
	peak := 0
	for _, v := range rows {
		peak = max(peak, v)
	}
	gap := peak / 12 // speckle leaves a few dark pixels in every row
	var lefts, rights []int
	col := make([]int, w)
	for i := 0; i < len(rows); {
		if rows[i] <= gap {
			i++
			continue
		}
		j := i
		for j < len(rows) && rows[j] > gap {
			j++
		}
		if j-i >= 8 && j-i < 150 { // a line of text, not a rule or a picture
			clear(col)
			for y := i; y < j; y++ {
				o := img.PixOffset(b.Min.X, b.Min.Y+y)
				for x, v := range img.Pix[o : o+w] {
					if v < 128 {
						col[x]++
					}
				}
			}
			l, r := -1, -1
			for x := w / 40; x < w-w/40; x++ {
				if col[x] >= 3 {
					if l < 0 {
						l = x
					}
					r = x
				}
			}
			if l >= 0 {
				lefts = append(lefts, l)
				rights = append(rights, r)
			}
		}
		i = j
	}
	if len(lefts) == 0 {
		return 0, 0, 0
	}
	return clustered(lefts, w), clustered(rights, w), len(lefts)
}

// clustered returns the largest share of xs within 1 % of the width of
// one another.
func clustered(xs []int, width int) float64 {
	bin := max(width/200, 1)
	bins := map[int]int{}
	for _, x := range xs {
		bins[x/bin]++
	}
	best := 0
	for k, n := range bins {
		best = max(best, n+bins[k+1])
	}
	return float64(best) / float64(len(xs))
}

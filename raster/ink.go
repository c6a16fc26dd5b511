package raster

import "image"

// Ink measures how much of a page is written on: the fraction of small
// cells (about 0.7 mm at 300 dpi) that hold a real mark, ignoring a margin
// where scanners leave edge shadows. A cell counts only when several of its
// pixels are dark, so the scattered specks a scanner adds to a blank back
// do not. A typed page measures a few percent; a blank one close to zero.
func Ink(g *image.Gray, dpi int) float64 {
	if dpi <= 0 {
		dpi = 300
	}
	cell := dpi / 40 // 7 pixels at 300 dpi
	if cell < 3 {
		cell = 3
	}
	minDark := cell * cell / 8 // a speck is 1-4 pixels; a stroke fills more
	if minDark < 3 {
		minDark = 3
	}
	b := g.Bounds()
	mx, my := b.Dx()*4/100, b.Dy()*4/100
	x0, y0, x1, y1 := b.Min.X+mx, b.Min.Y+my, b.Max.X-mx, b.Max.Y-my
	if x1-x0 < cell || y1-y0 < cell {
		return 0
	}
	cols := (x1 - x0) / cell
	counts := make([]int, cols)
	inked, total := 0, 0
	for cy := y0; cy+cell <= y1; cy += cell {
		for i := range counts {
			counts[i] = 0
		}
		for y := cy; y < cy+cell; y++ {
			row := g.Pix[g.PixOffset(x0, y) : g.PixOffset(x0, y)+cols*cell]
			for i := range counts {
				n := 0
				for _, v := range row[i*cell : (i+1)*cell] {
					n += int(v>>7) ^ 1 // 1 when dark (below 128)
				}
				counts[i] += n
			}
		}
		for _, c := range counts {
			if c >= minDark {
				inked++
			}
		}
		total += cols
	}
	if total == 0 {
		return 0
	}
	return float64(inked) / float64(total)
}

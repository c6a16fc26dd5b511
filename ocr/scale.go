package ocr

import "image"

// scaleGray returns img scaled by f (0 < f < 1) with area averaging: each
// output pixel is the mean of the input pixels it covers, which keeps thin
// strokes and does not alias. It is separable (rows, then columns); a
// 300 dpi page takes about twenty milliseconds, eight when its size is a
// multiple of three (US letter, 2550×3300).
func scaleGray(img *image.Gray, f float64) *image.Gray {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dw, dh := max(int(float64(sw)*f+0.5), 1), max(int(float64(sh)*f+0.5), 1)
	xs, ys := taps(sw, dw), taps(sh, dh)
	// Rows: sw×sh to dw×sh, as sums of 8-bit values times 8-bit weights.
	tmp := make([]uint16, dw*sh)
	for y := 0; y < sh; y++ {
		o := img.PixOffset(b.Min.X, b.Min.Y+y)
		src := img.Pix[o : o+sw]
		out := tmp[y*dw : (y+1)*dw]
		if 2*sw == 3*dw {
			rowThreeToTwo(out, src)
			continue
		}
		for x := range out {
			t := &xs[x]
			var acc uint32
			switch s := src[t.first:]; t.n { // 2 and 3 are the usual cases
			case 2:
				acc = uint32(s[0])*t.w[0] + uint32(s[1])*t.w[1]
			case 3:
				acc = uint32(s[0])*t.w[0] + uint32(s[1])*t.w[1] + uint32(s[2])*t.w[2]
			default:
				for k := 0; k < t.n; k++ {
					acc += uint32(s[k]) * t.w[k]
				}
			}
			out[x] = uint16(acc) // at most 255×256
		}
	}
	// Columns: dw×sh to dw×dh.
	dst := image.NewGray(image.Rect(0, 0, dw, dh))
	if 2*sh == 3*dh {
		for y := 0; y < dh; y += 2 {
			colsThreeToTwo(dst.Pix[y*dw:(y+2)*dw], tmp[3*y/2*dw:(3*y/2+3)*dw], dw)
		}
		return dst
	}
	acc := make([]uint32, dw)
	for y := range ys {
		t := &ys[y]
		row := tmp[t.first*dw : (t.first+1)*dw]
		w := t.w[0]
		for x, v := range row {
			acc[x] = uint32(v) * w
		}
		for k := 1; k < t.n; k++ {
			row := tmp[(t.first+k)*dw : (t.first+k+1)*dw]
			w := t.w[k]
			for x, v := range row {
				acc[x] += uint32(v) * w
			}
		}
		out := dst.Pix[y*dst.Stride : y*dst.Stride+dw]
		for x, a := range acc {
			out[x] = uint8((a + 1<<15) >> 16)
		}
	}
	return dst
}

// Scaling by exactly 2/3 (300 dpi, the usual scan, read at 200) maps
// every three pixels onto two: the first output pixel is two thirds of
// the first input and one third of the second, the other the mirror
// image. These two loops do that without the general taps; the weights
// are the ones taps computes, so the result is the same.
const (
	twoThirds = 171 // of 256
	oneThird  = 85
)

func rowThreeToTwo(out []uint16, src []uint8) {
	for k := 0; 2*k+1 < len(out); k++ {
		s := src[3*k : 3*k+3]
		a, b, c := uint16(s[0]), uint16(s[1]), uint16(s[2])
		out[2*k] = a*twoThirds + b*oneThird
		out[2*k+1] = b*oneThird + c*twoThirds
	}
}

// colsThreeToTwo turns three rows of row sums (tmp, width w) into two
// output rows (dst).
func colsThreeToTwo(dst []uint8, tmp []uint16, w int) {
	r0, r1, r2 := tmp[:w], tmp[w:2*w], tmp[2*w:3*w]
	d0, d1 := dst[:w], dst[w:2*w]
	for x := range d0 {
		a, b, c := uint32(r0[x]), uint32(r1[x]), uint32(r2[x])
		d0[x] = uint8((a*twoThirds + b*oneThird + 1<<15) >> 16)
		d1[x] = uint8((b*oneThird + c*twoThirds + 1<<15) >> 16)
	}
}

// tap is the run of source pixels one output pixel averages, with their
// weights in 1/256ths (summing to 256).
type tap struct {
	first, n int
	w        [maxTaps]uint32
}

// maxTaps bounds the source pixels one output pixel covers: scaling by
// less than 1/(maxTaps-1) is not supported (and not needed: pages are
// scaled from at most 1200 dpi to no less than 100).
const maxTaps = 14

// taps maps n source pixels onto m output pixels by area.
func taps(n, m int) []tap {
	out := make([]tap, m)
	ratio := float64(n) / float64(m)
	for i := range out {
		lo, hi := float64(i)*ratio, float64(i+1)*ratio
		t := tap{first: int(lo)}
		last := min(int(hi-1e-9), n-1, t.first+maxTaps-1)
		var total uint32
		for k := t.first; k <= last; k++ {
			cover := min(hi, float64(k+1)) - max(lo, float64(k))
			t.w[t.n] = uint32(cover/ratio*256 + 0.5)
			total += t.w[t.n]
			t.n++
		}
		if t.n > 0 && total != 256 { // make the weights sum to exactly 256
			t.w[t.n-1] += 256 - total
		}
		out[i] = t
	}
	return out
}

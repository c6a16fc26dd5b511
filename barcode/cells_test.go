package barcode

import (
	"image"
	"math/rand"
	"testing"
)

// TestMeasureCellsMatchesDefinition checks the branch-free counting loop
// against the counts computed straight from their definition.
func TestMeasureCellsMatchesDefinition(t *testing.T) {
	for _, cell := range []int{8, 5} { // the word-at-a-time path and the general one
		checkCells(t, cell)
	}
}

func checkCells(t *testing.T, cell int) {
	rng := rand.New(rand.NewSource(int64(cell)))
	g := image.NewGray(image.Rect(3, 5, 3+67, 5+45)) // not at the origin, ragged edges
	for i := range g.Pix {
		g.Pix[i] = uint8(rng.Intn(256))
	}
	cols, rows := 67/cell, 45/cell
	got := measureCells(g, cell, cols, rows)
	dark := func(x, y int) bool { return g.GrayAt(g.Rect.Min.X+x, g.Rect.Min.Y+y).Y < 128 }
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			var want cellCounts
			for y := r * cell; y < (r+1)*cell; y++ {
				for x := c * cell; x < (c+1)*cell; x++ {
					if dark(x, y) {
						want.dark++
					}
					left := dark(0, y)
					if x > 0 {
						left = dark(x-1, y)
					}
					if dark(x, y) != left {
						want.across++
					}
					if y > 0 && dark(x, y) != dark(x, y-1) {
						want.down++
					}
				}
			}
			if g := got[r*cols+c]; g != want {
				t.Errorf("cell size %d: cell (%d,%d) = %+v, want %+v", cell, c, r, g, want)
			}
		}
	}
}

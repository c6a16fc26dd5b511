package pdf

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// A document's PDF is byte-stable until the document changes: the same
// pages and date give the same bytes at any later time, another date
// gives other bytes, and the file stays a valid PDF that poppler renders.
func TestAssembleAtIsByteStable(t *testing.T) {
	g := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range g.Pix {
		g.Pix[i] = byte(255 - (i/300)%7*30)
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, g); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 9, 14, 5, 6, 0, time.FixedZone("CET", 3600))
	mk := func(at time.Time) []byte {
		var out bytes.Buffer
		n, err := AssembleAt(&out, []PageImage{
			{Image: bytes.NewReader(pngBuf.Bytes()), Width: 300, Height: 400, DPI: 100},
			{Image: bytes.NewReader(pngBuf.Bytes()), Width: 300, Height: 400, DPI: 150},
		}, at)
		if err != nil || n != 2 {
			t.Fatalf("AssembleAt = %d, %v", n, err)
		}
		return out.Bytes()
	}
	a := mk(at)
	time.Sleep(1100 * time.Millisecond) // pdfcpu's own dates have seconds
	b := mk(at)
	if !bytes.Equal(a, b) {
		t.Fatal("two PDFs of the same pages and date differ")
	}
	if !bytes.Contains(a, []byte("/CreationDate(D:20240309130506+00'00')")) {
		t.Errorf("PDF is not dated at the time given (in UTC)")
	}
	if c := mk(at.Add(time.Second)); bytes.Equal(a, c) {
		t.Error("PDFs of another date are the same")
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	if err := api.Validate(bytes.NewReader(a), conf); err != nil {
		t.Fatalf("the stable PDF does not validate: %v", err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "d.pdf")
	if err := os.WriteFile(p, a, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdfinfo", p).CombinedOutput(); err != nil || !regexp.MustCompile(`(?m)^Pages:\s+2$`).Match(out) {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
}

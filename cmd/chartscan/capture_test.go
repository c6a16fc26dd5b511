package main

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"chartscan"
	"chartscan/classify"
	"chartscan/storage"
)

// writeTextPage renders lines of text as a 300 dpi page, the way a form
// printed and scanned looks to OCR.
func writeTextPage(t *testing.T, path string, lines []string) {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 12, DPI: 300})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 2550, 3300))
	draw.Draw(img, img.Rect, image.White, image.Point{}, draw.Src)
	for i, l := range lines {
		d := font.Drawer{Dst: img, Src: image.Black, Face: face, Dot: fixed.P(225, 300+i*75)}
		d.DrawString(l)
	}
	w, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := png.Encode(w, img); err != nil {
		t.Fatal(err)
	}
}

// `chartscan train` learns a site's own form from a labelled folder and
// keeps the lesson in the object store, where a freshly started
// classifier finds it.
func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "chartscan.yaml")
	os.WriteFile(cfg, []byte("data_dir: "+data+"\nprofiles_dir: "+filepath.Join("..", "..", "scanner-profiles")+"\n"), 0o644)
	form := func(n int) []string {
		return []string{
			"WOUND VAC CHECKLIST",
			fmt.Sprintf("Canister changed: yes   Suction setting %d mmHg", 100+n),
			"Dressing intact. Seal checked. Exudate serous.",
			"Periwound skin assessed. Foam dressing replaced.",
		}
	}
	train := filepath.Join(dir, "train", "nursing")
	os.MkdirAll(train, 0o755)
	for i := 0; i < 3; i++ {
		writeTextPage(t, filepath.Join(train, fmt.Sprintf("vac-%d.png", i)), form(i))
	}
	out, code := runCmd(t, "--config", cfg, "train", filepath.Join(dir, "train"))
	if code != 0 || !strings.Contains(out, "learned from 3 files") {
		t.Fatalf("train exit %d: %s", code, out)
	}
	st, err := storage.NewFS(filepath.Join(data, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := classify.BuiltinModel()
	fresh := classify.New(base, st, nil)
	if err := fresh.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(form(7), "\n")
	if s, conf := chartscan.BestSection(fresh.Classify(text)); s != chartscan.SectionNursing {
		t.Fatalf("after training: %s (%.2f), want nursing", s, conf)
	}
	if _, code := runCmd(t, "--config", cfg, "train", filepath.Join(dir, "train", "nursing")); code == 0 {
		t.Error("a folder of files instead of section folders was accepted")
	}
}

// `chartscan coversheet` writes a sheet; bad values are refused.
func TestCoversheetCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sheet.pdf")
	if msg, code := runCmd(t, "--config", "/dev/null", "coversheet", "--mrn", "00123456", "--section", "laboratory", "--name", "DOE^JOHN", "--dob", "1957-04-12", "-o", out); code != 0 {
		t.Fatalf("coversheet exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "%PDF-") {
		t.Fatal("no PDF written")
	}
	for _, bad := range [][]string{
		{"--mrn", "1", "--section", "kitchen", "-o", out},
		{"--mrn", "1", "--section", "consent", "--dob", "12/04/1957", "-o", out},
		{"--mrn", "1", "--section", "consent", "--format", "pdf417", "-o", out},
	} {
		if _, code := runCmd(t, append([]string{"--config", "/dev/null", "coversheet"}, bad...)...); code == 0 {
			t.Errorf("coversheet %v succeeded", bad)
		}
	}
}

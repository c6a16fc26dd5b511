package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseProfile feeds scanner profile files: loading must never panic,
// and what loads must be valid.
func FuzzParseProfile(f *testing.F) {
	seeds, _ := filepath.Glob("../scanner-profiles/*.yaml")
	for _, p := range seeds {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("settle: 2x\n"))
	f.Add([]byte("patterns: [\"[\"]\nafter: shred\n"))
	f.Add([]byte("{{{"))
	f.Add([]byte("separation:\n  separator_barcodes: [PATCHT, \"\"]\n  document_barcodes: [{pattern: '^ASN(\\d+)$', field: asn}]\n  label_barcodes: [{pattern: '(', field: MRN}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProfile("fuzz", b)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("loaded an invalid profile: %v", err)
		}
	})
}

// FuzzParseConfig feeds config files and environment values: parsing must
// never panic, and what parses must pass its own checks.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("data_dir: /srv/chartscan\nstorage:\n  kind: s3\n  s3: {endpoint: x:9000, bucket: b}\n"), "2GB")
	f.Add([]byte("ocr:\n  page_timeout: 90s\n  workers: 2\n"), "x")
	f.Add([]byte("limits: {max_file_size: 1.5k}\n"), "")
	f.Fuzz(func(t *testing.T, b []byte, env string) {
		c, err := Parse("fuzz.yaml", b, []string{"CHARTSCAN_API_MAX_UPLOAD=" + env, "CHARTSCAN_OCR_LANGUAGES=" + env})
		if err != nil {
			return
		}
		if c.DataDir == "" || c.Workers() < 1 || c.Limits.MaxPages <= 0 {
			t.Fatalf("accepted an unusable config: %+v", c)
		}
	})
}

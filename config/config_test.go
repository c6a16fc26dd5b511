package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"chartscan"
)

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaults(t *testing.T) {
	t.Chdir(t.TempDir()) // no chartscan.yaml here
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if c.DataDir != filepath.Join(wd, "chartscan-data") || c.Listen != "127.0.0.1:8080" || c.Storage.Kind != "fs" {
		t.Errorf("defaults = %+v", c)
	}
	if c.OCR.Workers != 0 || c.Workers() < 1 || strings.Join(c.OCR.Languages, ",") != "eng" {
		t.Errorf("ocr defaults = %+v, workers %d", c.OCR, c.Workers())
	}
	if c.IndexDir() != filepath.Join(c.DataDir, "index") || c.ObjectsDir() != filepath.Join(c.DataDir, "objects") {
		t.Errorf("paths: index %s objects %s", c.IndexDir(), c.ObjectsDir())
	}
	// No profiles folder and none configured: the embedded ones.
	ps, err := c.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	if ps["default"] == nil || c.InboxDir(ps["default"]) != filepath.Join(c.DataDir, "inbox", "default") {
		t.Errorf("default profile inbox = %v", ps["default"])
	}
}

func TestFileThenEnvironment(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "c.yaml", `
data_dir: /srv/chartscan
listen: 0.0.0.0:9090
storage:
  kind: s3
  s3: {endpoint: minio.local:9000, bucket: charts, access_key: k, secret_key: s, secure: true}
ocr:
  workers: 3
  page_timeout: 90s
limits:
  max_file_size: 512MiB
`)
	env := []string{
		"CHARTSCAN_STORAGE_S3_ENDPOINT=s3.example.org",
		"CHARTSCAN_OCR_LANGUAGES=eng, deu",
		"CHARTSCAN_OCR_WORKERS=5",
		"CHARTSCAN_API_MAX_UPLOAD=2GB",
		"CHARTSCAN_STORAGE_S3_SSE=true",
		"CHARTSCAN_TEST_S3_ENDPOINT=ignored",
		"PATH=/usr/bin",
	}
	c, err := Load(path, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/chartscan" || c.Listen != "0.0.0.0:9090" {
		t.Errorf("file values lost: %s %s", c.DataDir, c.Listen)
	}
	if c.Storage.S3.Endpoint != "s3.example.org" || c.Storage.S3.Bucket != "charts" || !c.Storage.S3.Secure || !c.Storage.S3.SSE {
		t.Errorf("s3 = %+v", c.Storage.S3)
	}
	if c.OCR.Workers != 5 || strings.Join(c.OCR.Languages, "+") != "eng+deu" || c.OCR.PageTimeout != 90*time.Second {
		t.Errorf("ocr = %+v", c.OCR)
	}
	if c.Limits.MaxFileSize != 512<<20 || c.API.MaxUpload != 2<<30 {
		t.Errorf("sizes: file %d upload %d", c.Limits.MaxFileSize, c.API.MaxUpload)
	}
}

// Every bad value gets one line that names the key.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml string
		env        []string
		want       string
	}{
		{"unknown key", "data_dir: x\nstorag: {}\n", nil, `line 2: unknown key "storag"`},
		{"unknown nested key", "ocr:\n  worker: 2\n", nil, `line 2: unknown key "worker"`},
		{"bad duration", "ocr:\n  page_timeout: 2 minutes\n", nil, `line 2: bad value "2 minutes", want a duration`},
		{"bad number", "ocr:\n  workers: many\n", nil, `bad value "many", want a whole number`},
		{"bad size", "limits:\n  max_file_size: huge\n", nil, `bad value "huge"`},
		{"bad kind", "storage:\n  kind: s4\n", nil, `storage.kind: "s4" is not fs or s3`},
		{"s3 without bucket", "storage:\n  kind: s3\n  s3: {bucket: \"\"}\n", nil, "storage.s3.bucket: must be set"},
		{"bad listen", "listen: localhost\n", nil, `listen: "localhost" is not host:port`},
		{"missing profiles folder", "profiles_dir: " + filepath.Join(dir, "nope") + "\n", nil, "profiles_dir: folder"},
		{"bad env duration", "", []string{"CHARTSCAN_INGEST_RESCAN=soon"}, "CHARTSCAN_INGEST_RESCAN: bad value"},
		{"bad env bool", "", []string{"CHARTSCAN_STORAGE_S3_SECURE=yes please"}, "want true or false"},
		{"bad language", "ocr:\n  languages: [\"../etc\"]\n", nil, "bad language code"},
		{"half tls", "tls:\n  cert: a.pem\n", nil, "set both cert and key"},
		{"missing patient file", "patients:\n  csv: " + filepath.Join(dir, "nope.csv") + "\n", nil, "patients.csv: file"},
		{"patient file is a folder", "patients: {csv: " + dir + "}\n", nil, "patients.csv: file"},
		{"fhir not http", "patients:\n  fhir_url: ftp://ehr.local/fhir\n", nil, "patients.fhir_url: must be an http"},
		{"fhir no host", "", []string{"CHARTSCAN_PATIENTS_FHIR_URL=https:///fhir"}, "patients.fhir_url"},
		{"fhir token alone", "", []string{"CHARTSCAN_PATIENTS_FHIR_TOKEN=t"}, "patients.fhir_token: set without"},
		{"unknown patients key", "patients:\n  cvs: x.csv\n", nil, `unknown key "cvs"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, dir, "c.yaml", tc.yaml)
			c, err := Load(path, tc.env)
			if err == nil {
				_, err = c.Profiles()
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %q, want one line containing %q", err, tc.want)
			}
		})
	}
}

// The patient index is off by default and set from the file or the
// environment; a relative CSV path is made absolute.
func TestPatientIndexConfig(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	writeFile(t, dir, "mpi.csv", "mrn,family_name,given_name,dob\n")
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Patients != (Patients{}) {
		t.Errorf("default patients = %+v, want none", c.Patients)
	}
	path := writeFile(t, dir, "c.yaml", "patients:\n  csv: mpi.csv\n  fhir_url: https://ehr.example.org/fhir/R4\n")
	c, err = Load(path, []string{"CHARTSCAN_PATIENTS_FHIR_TOKEN=tok"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Patients.CSV != filepath.Join(dir, "mpi.csv") || c.Patients.FHIRURL != "https://ehr.example.org/fhir/R4" || c.Patients.FHIRToken != "tok" {
		t.Errorf("patients = %+v", c.Patients)
	}
	c, err = Load("", []string{"CHARTSCAN_PATIENTS_CSV=" + filepath.Join(dir, "mpi.csv")})
	if err != nil || c.Patients.CSV != filepath.Join(dir, "mpi.csv") {
		t.Errorf("from the environment: %+v, %v", c.Patients, err)
	}
}

// The profiles shipped in scanner-profiles/ load and validate, from the
// folder and from the copy embedded in the binary.
func TestShippedProfiles(t *testing.T) {
	sub, err := fs.Sub(chartscan.DefaultProfiles, "scanner-profiles")
	if err != nil {
		t.Fatal(err)
	}
	for name, fsys := range map[string]fs.FS{"folder": os.DirFS("../scanner-profiles"), "embedded": sub} {
		ps, err := LoadProfiles(fsys)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, want := range []string{"default", "fujitsu-fi-twain", "mfp-g4-tiff", "flatbed-jpeg"} {
			if ps[want] == nil {
				t.Errorf("%s: profile %s missing", name, want)
			}
		}
		if p := ps["mfp-g4-tiff"]; p.Matches("scan.pdf") || !p.Matches("SCAN0001.TIF") || p.After != "delete" {
			t.Errorf("mfp profile = %+v", p)
		}
		if s := ps["default"].Separation; strings.Join(s.SeparatorBarcodes, ",") != "PATCHT" || len(s.DocumentBarcodes)+len(s.LabelBarcodes) != 0 {
			t.Errorf("%s: default profile separation = %+v", name, s)
		}
		if s := ps["flatbed-jpeg"].Separation; len(s.SeparatorBarcodes) != 0 {
			t.Errorf("%s: flatbed profile separator barcodes = %v", name, s.SeparatorBarcodes)
		}
		// default.yaml shows the defaults every profile starts from.
		if got, want := ps["default"].OCR, chartscan.NewProfile("default").OCR; got.MinDPI != want.MinDPI || got.DefaultDPI != want.DefaultDPI {
			t.Errorf("%s: default.yaml ocr = %+v, the built-in defaults %+v", name, got, want)
		}
	}
}

func TestProfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad after", map[string]string{"a.yaml": "after: shred\n"}, `after: "shred" is not archive or delete`},
		{"unknown key", map[string]string{"a.yaml": "setle: 2s\n"}, `unknown key "setle"`},
		{"name mismatch", map[string]string{"a.yaml": "name: b\n"}, `name "b" must match the file name`},
		{"bad pattern", map[string]string{"a.yaml": "patterns: [\"[\"]\n"}, "bad pattern"},
		{"bad regexp", map[string]string{"a.yaml": "mrn_pattern: \"(\"\n"}, "mrn_pattern"},
		{"bad threshold", map[string]string{"a.yaml": "separation: {blank_threshold: 2}\n"}, "blank_threshold"},
		{"bad min_dpi", map[string]string{"a.yaml": "ocr: {min_dpi: 20}\n"}, "ocr.min_dpi: 20 is outside 50..1200"},
		{"min_dpi too high", map[string]string{"a.yaml": "ocr: {min_dpi: 5000}\n"}, "ocr.min_dpi"},
		{"shared inbox", map[string]string{"a.yaml": "inbox: x\n", "b.yaml": "inbox: x\n"}, "share the inbox"},
		{"no profiles", map[string]string{"readme.txt": "x"}, "no *.yaml scanner profiles"},
		{"bad name", map[string]string{"Ward 3.yaml": ""}, "profile name"},
		{"barcode pattern", map[string]string{"a.yaml": "separation:\n  document_barcodes: [{pattern: '^ASN(\\d+$', field: asn}]\n"}, "separation.document_barcodes[0].pattern: error parsing regexp"},
		{"barcode field case", map[string]string{"a.yaml": "separation:\n  label_barcodes: [{pattern: '^(\\d{8})$', field: MRN}]\n"}, `separation.label_barcodes[0].field: "MRN" is not a lower-case name`},
		{"barcode field missing", map[string]string{"a.yaml": "separation:\n  label_barcodes: [{pattern: '^(\\d{8})$'}]\n"}, `label_barcodes[0].field: "" is not a lower-case name`},
		{"barcode field punctuation", map[string]string{"a.yaml": "separation:\n  document_barcodes: [{pattern: '^X', field: box-no}]\n"}, `"box-no" is not a lower-case name`},
		{"barcode pattern missing", map[string]string{"a.yaml": "separation:\n  document_barcodes: [{field: asn}]\n"}, "document_barcodes[0].pattern: give a regular expression"},
		{"barcode pattern matches all", map[string]string{"a.yaml": "separation:\n  document_barcodes: [{pattern: '.*', field: asn}]\n"}, "matches every barcode"},
		{"barcode rule unknown key", map[string]string{"a.yaml": "separation:\n  document_barcodes: [{pattern: '^A', field: asn, kind: x}]\n"}, `unknown key "kind"`},
		{"barcode rules too many", map[string]string{"a.yaml": "separation:\n  label_barcodes: [" + strings.Repeat("{pattern: '^A', field: a},", 33) + "]\n"}, "33 rules, at most 32"},
		{"separator text empty", map[string]string{"a.yaml": "separation:\n  separator_barcodes: [\"PATCHT\", \" \"]\n"}, "separation.separator_barcodes: \" \" is not a barcode text"},
		{"separator not a list", map[string]string{"a.yaml": "separation:\n  separator_barcodes: PATCHT\n"}, `line 2: bad value "PATCHT", want a list such as [a, b]`},
		{"barcode rule not a rule", map[string]string{"a.yaml": "separation:\n  label_barcodes: ['^(\\d{8})$']\n"}, "want a list of rules such as [{pattern:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, s := range tc.files {
				fsys[n] = &fstest.MapFile{Data: []byte(s)}
			}
			_, err := LoadProfiles(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

// The separation barcode keys of SPEC.md: PATCHT separator sheets by
// default, and document and label rules as written.
func TestProfileBarcodeKeys(t *testing.T) {
	p, err := ParseProfile("ward", []byte("separation:\n  blank_pages: false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Separation.SeparatorBarcodes, ",") != "PATCHT" || len(p.Separation.DocumentBarcodes) != 0 || len(p.Separation.LabelBarcodes) != 0 {
		t.Errorf("defaults = %+v", p.Separation)
	}
	p, err = ParseProfile("ward", []byte(`separation:
  separator_barcodes: ["PATCHT", "SEPARATOR SHEET"]
  document_barcodes:
    - {pattern: '^ASN(\d+)$', field: asn}
    - {pattern: '^ENC-(V\d+)$', field: encounter}
  label_barcodes:
    - {pattern: '^(\d{8})$', field: mrn}
    - pattern: '^([A-Z]+\^[A-Z]+);'
      field: patient_name
`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Separation
	want := []chartscan.BarcodeRule{{Pattern: `^ASN(\d+)$`, Field: "asn"}, {Pattern: `^ENC-(V\d+)$`, Field: chartscan.FieldEncounter}}
	if strings.Join(s.SeparatorBarcodes, "|") != "PATCHT|SEPARATOR SHEET" || len(s.DocumentBarcodes) != 2 || s.DocumentBarcodes[0] != want[0] || s.DocumentBarcodes[1] != want[1] {
		t.Errorf("separation = %+v", s)
	}
	if len(s.LabelBarcodes) != 2 || s.LabelBarcodes[0].Field != chartscan.FieldMRN || s.LabelBarcodes[1].Pattern != `^([A-Z]+\^[A-Z]+);` {
		t.Errorf("label rules = %+v", s.LabelBarcodes)
	}
	// An empty list turns separator barcodes off.
	p, err = ParseProfile("ward", []byte("separation:\n  separator_barcodes: []\n"))
	if err != nil || len(p.Separation.SeparatorBarcodes) != 0 {
		t.Errorf("separator_barcodes: [] = %v, %v", p.Separation.SeparatorBarcodes, err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]Size{"1048576": 1 << 20, "512MiB": 512 << 20, "2GB": 2 << 30, "10M": 10 << 20, "1.5k": 1536} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "ten", "5PB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded", in)
		}
	}
}

// The FHIR and export keys: defaults, from the file and the environment,
// and one-line errors for bad values.
func TestExportConfig(t *testing.T) {
	dir := t.TempDir()
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.FHIR.MRNSystem != "urn:chartscan:mrn" || c.Export.Attempts != 3 || c.Export.MaxBackoff != 30*time.Second ||
		c.Export.Timeout != time.Minute || c.Export.FHIRURL != "" || c.Export.HL7.SendingApplication != "CHARTSCAN" {
		t.Errorf("defaults: fhir %+v export %+v", c.FHIR, c.Export)
	}
	path := writeFile(t, dir, "c.yaml", "fhir: {mrn_system: \"urn:oid:1.2.840.114350.1.13.99\"}\n"+
		"export:\n  fhir_url: https://ehr.example.org/fhir/R4\n  attempts: 5\n  max_backoff: 2s\n  hl7: {receiving_application: EPIC, assigning_authority: MRN}\n")
	c, err = Load(path, []string{"CHARTSCAN_EXPORT_FHIR_TOKEN=tok", "CHARTSCAN_EXPORT_HL7_SENDING_FACILITY=HIM"})
	if err != nil {
		t.Fatal(err)
	}
	if c.FHIR.MRNSystem != "urn:oid:1.2.840.114350.1.13.99" || c.Export.FHIRURL != "https://ehr.example.org/fhir/R4" ||
		c.Export.FHIRToken != "tok" || c.Export.Attempts != 5 || c.Export.MaxBackoff != 2*time.Second ||
		c.Export.HL7 != (HL7{SendingApplication: "CHARTSCAN", SendingFacility: "HIM", ReceivingApplication: "EPIC", AssigningAuthority: "MRN"}) {
		t.Errorf("set: fhir %+v export %+v", c.FHIR, c.Export)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"fhir: {mrn_system: \"not a uri\"}\n", "fhir.mrn_system: must be an absolute URI"},
		{"fhir: {mrn_system: \"\"}\n", "fhir.mrn_system"},
		{"export: {fhir_url: \"ehr.local/fhir\"}\n", "export.fhir_url: must be an http"},
		{"export: {fhir_token: t}\n", "export.fhir_token: set without"},
		{"export: {attempts: 0}\n", "export.attempts: 0 is outside 1..100"},
		{"export: {max_backoff: 2h}\n", "export.max_backoff"},
		{"export: {timeout: 10ms}\n", "export.timeout"},
		{"export: {hl7: {sending_facility: \"A|B\"}}\n", "export.hl7.sending_facility"},
		{"export: {hl7: {sending_application: \"\"}}\n", "export.hl7.sending_application: must not be empty"},
		{"export: {fhir: x}\n", `unknown key "fhir"`},
	} {
		_, err := Load(writeFile(t, dir, "bad.yaml", tc.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error = %v, want one line with %q", tc.yaml, err, tc.want)
		}
	}
}

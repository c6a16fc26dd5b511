package chartscan

import (
	"embed"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DefaultProfiles holds the scanner profiles shipped with chartscan
// (scanner-profiles/*.yaml), used when no profiles folder exists.
//
//go:embed scanner-profiles/*.yaml
var DefaultProfiles embed.FS

// Profile describes one scanning station or scanner model: where it drops
// files, which files to take, what to do with them afterwards, and how to
// read and separate what it scans. Profiles are data, loaded from YAML.
type Profile struct {
	// Name identifies the profile; it is the file name without .yaml.
	Name        string `yaml:"name"`
	Description string `yaml:"description"`

	// Inbox is the folder the station writes into. A relative path is
	// under <data_dir>/inbox; "" means <data_dir>/inbox/<name>.
	Inbox string `yaml:"inbox"`
	// Patterns are shell patterns (path.Match, case-insensitive) of the
	// file names to take; other files are left alone.
	Patterns []string `yaml:"patterns"`
	// Settle is how long a file must stay unchanged (size and time) before
	// it is taken: scanners write multi-page files page by page.
	Settle time.Duration `yaml:"settle"`
	// After says what happens to the source file in the inbox once it is
	// safely stored: "archive" (moved to ArchiveDir) or "delete".
	After string `yaml:"after"`
	// ArchiveDir is where sources go after success when After is archive.
	// A relative path is under the inbox; "" means <inbox>/archive.
	ArchiveDir string `yaml:"archive_dir"`

	OCR        ProfileOCR        `yaml:"ocr"`
	Separation ProfileSeparation `yaml:"separation"`
	Review     ProfileReview     `yaml:"review"`

	// MRNPattern is the site's medical record number format, a regular
	// expression matched against whole tokens. "" accepts 5 to 12 digits
	// with an optional letter prefix.
	MRNPattern string `yaml:"mrn_pattern"`
}

// ProfileOCR holds the OCR settings of a profile.
type ProfileOCR struct {
	// Languages are Tesseract language codes; empty means the config's.
	Languages []string `yaml:"languages"`
	// DetectOrientation turns pages scanned sideways or upside down upright
	// (Tesseract OSD).
	DetectOrientation bool `yaml:"detect_orientation"`
	// DefaultDPI is assumed for images that state no believable
	// resolution and show too little text to estimate one from.
	DefaultDPI int `yaml:"default_dpi"`
	// MinDPI is the lowest resolution a page may have been scanned at
	// (the stated one, or the one estimated from its text); a page below
	// it is listed for rescanning. 0 checks nothing.
	MinDPI int `yaml:"min_dpi"`
}

// ProfileSeparation says how a scanned stack is split into documents.
type ProfileSeparation struct {
	// CoverSheets: a CS1 cover sheet or separator barcode starts a document.
	CoverSheets bool `yaml:"cover_sheets"`
	// BlankPages: pages with less ink than BlankThreshold are left out.
	BlankPages bool `yaml:"blank_pages"`
	// BlankThreshold is the share of a page carrying ink (see
	// raster.Ink: scanner specks do not count) below which it is blank.
	BlankThreshold float64 `yaml:"blank_threshold"`
	// SectionChange: a page of another chart section starts a document.
	SectionChange bool `yaml:"section_change"`
	// PatientChange: a page of another patient starts a document.
	PatientChange bool `yaml:"patient_change"`
	// SeparatorBarcodes: a page whose barcode text equals one of these
	// (letter case and surrounding spaces ignored: Code 39 has capitals
	// only) is a separator sheet, like CS1;sep: not kept, ends the
	// document. They work whether CoverSheets is on or not; an empty list
	// turns them off. Default ["PATCHT"], the sheet paperless-ngx users
	// print.
	SeparatorBarcodes []string `yaml:"separator_barcodes"`
	// DocumentBarcodes: a page carrying a barcode that matches one of
	// these starts a new document and is kept as its first page; the
	// rule's field is set on that document.
	DocumentBarcodes []BarcodeRule `yaml:"document_barcodes"`
	// LabelBarcodes: patient labels stuck on pages set that page's values
	// (over what its text says); a change of MRN between pages starts a
	// new document.
	LabelBarcodes []BarcodeRule `yaml:"label_barcodes"`
}

// BarcodeRule maps the text of a barcode to a document field: when
// Pattern (a regular expression, RE2 syntax) matches, the field takes the
// first capture group, or the whole text without one. Field is mrn,
// encounter, section, patient_name, dob, or any other lower-case name,
// which goes into the document's attributes. Every rule that matches a
// barcode applies, so one label (a PDF417 holding name, birth date and
// MRN) can feed several fields.
type BarcodeRule struct {
	Pattern string `yaml:"pattern"`
	Field   string `yaml:"field"`
}

// The fields a barcode rule can set that are fields of a document; any
// other valid name is an attribute.
const (
	FieldMRN         = "mrn"
	FieldEncounter   = "encounter"
	FieldSection     = "section"
	FieldPatientName = "patient_name"
	FieldDOB         = "dob"
)

// MaxBarcodeRules bounds each list of barcode rules (and of separator
// texts) in a profile.
const MaxBarcodeRules = 32

var barcodeFieldRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// validBarcodeRules returns a message naming the first bad rule of list
// key, or "".
func validBarcodeRules(key string, rules []BarcodeRule) string {
	if len(rules) > MaxBarcodeRules {
		return fmt.Sprintf("%s: %d rules, at most %d", key, len(rules), MaxBarcodeRules)
	}
	for i, r := range rules {
		if !barcodeFieldRE.MatchString(r.Field) {
			return fmt.Sprintf("%s[%d].field: %q is not a lower-case name (letters, digits, _)", key, i, r.Field)
		}
		if r.Pattern == "" || len(r.Pattern) > 256 {
			return fmt.Sprintf("%s[%d].pattern: give a regular expression of 1 to 256 characters", key, i)
		}
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return fmt.Sprintf("%s[%d].pattern: %v", key, i, strings.ReplaceAll(err.Error(), "\n", " "))
		}
		if re.MatchString("") {
			return fmt.Sprintf("%s[%d].pattern: %q matches every barcode; anchor it, e.g. '^ASN(\\d+)$'", key, i, r.Pattern)
		}
	}
	return ""
}

// ProfileReview says which documents are put in front of a person.
type ProfileReview struct {
	// MinSectionConfidence: documents classified with less confidence
	// need review.
	MinSectionConfidence float64 `yaml:"min_section_confidence"`
	// RequireMRN: documents without a medical record number need review.
	RequireMRN bool `yaml:"require_mrn"`
}

// NewProfile returns a profile with the given name and the defaults every
// profile file starts from.
func NewProfile(name string) *Profile {
	return &Profile{
		Name:     name,
		Patterns: []string{"*.pdf", "*.tif", "*.tiff", "*.jpg", "*.jpeg", "*.png"},
		Settle:   2 * time.Second,
		After:    "archive",
		OCR:      ProfileOCR{DetectOrientation: true, DefaultDPI: 300, MinDPI: 150},
		Separation: ProfileSeparation{
			CoverSheets: true, BlankPages: true, BlankThreshold: 0.001,
			SectionChange: true, PatientChange: true,
			SeparatorBarcodes: []string{"PATCHT"},
		},
		Review: ProfileReview{MinSectionConfidence: 0.6, RequireMRN: true},
	}
}

var profileNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate returns an EINVALID error naming the first bad field.
func (p *Profile) Validate() error {
	bad := func(format string, args ...any) error {
		return Errorf(EINVALID, "profile %s: %s", p.Name, fmt.Sprintf(format, args...))
	}
	if !profileNameRE.MatchString(p.Name) {
		return Errorf(EINVALID, "profile name %q: use lower-case letters, digits, '.', '_' or '-'", p.Name)
	}
	if len(p.Patterns) == 0 {
		return bad("patterns: at least one file pattern is needed")
	}
	for _, pat := range p.Patterns {
		if _, err := path.Match(pat, "x"); err != nil || strings.Contains(pat, "/") {
			return bad("patterns: bad pattern %q", pat)
		}
	}
	if p.Settle < 0 || p.Settle > time.Hour {
		return bad("settle: %s is outside 0..1h", p.Settle)
	}
	if p.After != "archive" && p.After != "delete" {
		return bad("after: %q is not archive or delete", p.After)
	}
	if p.OCR.DefaultDPI < 50 || p.OCR.DefaultDPI > 1200 {
		return bad("ocr.default_dpi: %d is outside 50..1200", p.OCR.DefaultDPI)
	}
	if p.OCR.MinDPI != 0 && (p.OCR.MinDPI < 50 || p.OCR.MinDPI > 1200) {
		return bad("ocr.min_dpi: %d is outside 50..1200 (0 checks nothing)", p.OCR.MinDPI)
	}
	for _, l := range p.OCR.Languages {
		if !langRE.MatchString(l) {
			return bad("ocr.languages: bad language code %q", l)
		}
	}
	if t := p.Separation.BlankThreshold; t < 0 || t > 0.2 {
		return bad("separation.blank_threshold: %g is outside 0..0.2", t)
	}
	if n := len(p.Separation.SeparatorBarcodes); n > MaxBarcodeRules {
		return bad("separation.separator_barcodes: %d texts, at most %d", n, MaxBarcodeRules)
	}
	for _, s := range p.Separation.SeparatorBarcodes {
		if t := strings.TrimSpace(s); t == "" || len(t) > 128 || !utf8.ValidString(t) || strings.ContainsFunc(t, unicode.IsControl) {
			return bad("separation.separator_barcodes: %q is not a barcode text (1 to 128 printable characters)", s)
		}
	}
	if msg := validBarcodeRules("separation.document_barcodes", p.Separation.DocumentBarcodes); msg != "" {
		return bad("%s", msg)
	}
	if msg := validBarcodeRules("separation.label_barcodes", p.Separation.LabelBarcodes); msg != "" {
		return bad("%s", msg)
	}
	if c := p.Review.MinSectionConfidence; c < 0 || c > 1 {
		return bad("review.min_section_confidence: %g is outside 0..1", c)
	}
	if p.MRNPattern != "" {
		if _, err := regexp.Compile(p.MRNPattern); err != nil {
			return bad("mrn_pattern: %v", err)
		}
	}
	return nil
}

var langRE = regexp.MustCompile(`^[a-z_]{3,16}$`)

// ValidLanguage reports whether l looks like a Tesseract language code.
func ValidLanguage(l string) bool { return langRE.MatchString(l) }

// Matches reports whether the file name (not path) is one the profile takes.
func (p *Profile) Matches(name string) bool {
	lower := strings.ToLower(name)
	for _, pat := range p.Patterns {
		if ok, _ := path.Match(strings.ToLower(pat), lower); ok {
			return true
		}
	}
	return false
}

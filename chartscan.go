// Package chartscan holds the domain of chartscan: the nouns that flow through
// the capture pipeline (batches, pages, documents, chart sections, scanner
// profiles), their identifiers, the error kinds, and the small interfaces
// between the parts. Every other package imports it; it imports none of them.
//
// The data flow is: a scanned file (a Batch) is split into page images
// (package raster), each page is read by OCR (package ocr) and classified
// into a chart Section (package classify), pages are grouped into Documents
// (package ingest), everything is written to an ObjectStore (package storage)
// and indexed for search (package index), and served over HTTP (package api).
package chartscan

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BatchID identifies one scanned file: the first 16 hex digits of the
// SHA-256 of its bytes. The same file dropped twice is the same batch.
type BatchID string

// NewBatchID returns the batch id for a file whose SHA-256 is sum.
func NewBatchID(sum []byte) BatchID {
	return BatchID(hex.EncodeToString(sum)[:16])
}

// Valid reports whether b has the form of a batch id (16 lower-case hex digits).
func (b BatchID) Valid() bool {
	if len(b) != 16 {
		return false
	}
	for _, c := range []byte(b) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Page returns the id of the n-th (1-based) page of the batch.
func (b BatchID) Page(n int) PageID { return PageID(fmt.Sprintf("%s-p%04d", b, n)) }

// Document returns the id of the n-th (1-based) document of the batch.
func (b BatchID) Document(n int) DocumentID { return DocumentID(fmt.Sprintf("%s-d%02d", b, n)) }

// ParseBatchID returns s as a BatchID, or an EINVALID error.
func ParseBatchID(s string) (BatchID, error) {
	if b := BatchID(s); b.Valid() {
		return b, nil
	}
	return "", Errorf(EINVALID, "malformed batch id")
}

// PageID identifies one page: "<batch>-p<NNNN>".
type PageID string

// ParsePageID splits a page id into its batch and 1-based page number. A
// malformed id (wrong shape, path characters, overlong) is an EINVALID error.
func ParsePageID(s string) (BatchID, int, error) {
	b, n, ok := splitID(s, "-p", 4)
	if !ok {
		return "", 0, Errorf(EINVALID, "malformed page id")
	}
	return b, n, nil
}

// DocumentID identifies one document: "<batch>-d<NN>".
type DocumentID string

// ParseDocumentID splits a document id into its batch and 1-based number.
// A malformed id is an EINVALID error.
func ParseDocumentID(s string) (BatchID, int, error) {
	b, n, ok := splitID(s, "-d", 2)
	if !ok {
		return "", 0, Errorf(EINVALID, "malformed document id")
	}
	return b, n, nil
}

// splitID parses "<16 hex><sep><digits>" with at least minDigits and at most
// 6 digits, the number being at least 1.
func splitID(s, sep string, minDigits int) (BatchID, int, bool) {
	if len(s) < 16+len(sep)+minDigits || len(s) > 16+len(sep)+6 {
		return "", 0, false
	}
	b := BatchID(s[:16])
	if !b.Valid() || s[16:16+len(sep)] != sep {
		return "", 0, false
	}
	digits := s[16+len(sep):]
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return "", 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 {
		return "", 0, false
	}
	return b, n, true
}

// Section is a chart section of the default taxonomy. Its values are stable
// API values.
type Section string

// The chart sections. SectionOther is the fallback for pages that fit no
// other section.
const (
	SectionFaceSheet        Section = "face_sheet"
	SectionConsent          Section = "consent"
	SectionHistoryPhysical  Section = "history_physical"
	SectionProgressNotes    Section = "progress_notes"
	SectionConsultation     Section = "consultation"
	SectionOrders           Section = "orders"
	SectionOperative        Section = "operative"
	SectionLaboratory       Section = "laboratory"
	SectionRadiology        Section = "radiology"
	SectionMedications      Section = "medications"
	SectionNursing          Section = "nursing"
	SectionDischarge        Section = "discharge"
	SectionEmergency        Section = "emergency"
	SectionCorrespondence   Section = "correspondence"
	SectionInsuranceBilling Section = "insurance_billing"
	SectionOther            Section = "other"
)

// Sections lists every chart section in taxonomy order.
var Sections = []Section{
	SectionFaceSheet, SectionConsent, SectionHistoryPhysical, SectionProgressNotes,
	SectionConsultation, SectionOrders, SectionOperative, SectionLaboratory,
	SectionRadiology, SectionMedications, SectionNursing, SectionDischarge,
	SectionEmergency, SectionCorrespondence, SectionInsuranceBilling, SectionOther,
}

// Valid reports whether s is a section of the taxonomy.
func (s Section) Valid() bool {
	for _, x := range Sections {
		if s == x {
			return true
		}
	}
	return false
}

// ParseSection returns s as a Section, or an EINVALID error naming the
// allowed values.
func ParseSection(s string) (Section, error) {
	sec := Section(strings.ToLower(strings.TrimSpace(s)))
	if sec.Valid() {
		return sec, nil
	}
	return "", Errorf(EINVALID, "unknown section %q", s)
}

// PageKind says what a page is for.
type PageKind string

// Page kinds. Only content pages are pages of a document; covers and
// separators are kept in the stored source file only, and blank pages are
// recorded so the decision can be reviewed.
const (
	PageContent   PageKind = "content"
	PageCover     PageKind = "cover"
	PageSeparator PageKind = "separator"
	PageBlank     PageKind = "blank"
)

// Word is one recognised word with its box in page-image pixels (of the
// stored, upright image) and the OCR confidence in [0,1].
type Word struct {
	Text       string  `json:"text"`
	X          int     `json:"x"`
	Y          int     `json:"y"`
	W          int     `json:"w"`
	H          int     `json:"h"`
	Confidence float64 `json:"confidence"`
}

// Page is the record of one page of a batch, stored as pages/<batch>/<NNNN>.json.
type Page struct {
	ID                PageID     `json:"id"`
	BatchID           BatchID    `json:"batch_id"`
	Number            int        `json:"number"` // 1-based position in the source file
	DocumentID        DocumentID `json:"document_id,omitempty"`
	Kind              PageKind   `json:"kind"`
	Text              string     `json:"text"`
	Confidence        float64    `json:"confidence"` // mean word confidence in [0,1]
	Section           Section    `json:"section"`
	SectionConfidence float64    `json:"section_confidence"`
	Image             string     `json:"image"`             // object key of the page image
	ImageType         string     `json:"image_type"`        // MIME type of the page image
	Width             int        `json:"width"`             // of the stored image, in pixels
	Height            int        `json:"height"`            // of the stored image, in pixels
	DPI               int        `json:"dpi,omitempty"`     // resolution of the image, when known
	Rotation          int        `json:"rotation"`          // degrees clockwise applied to the scan to make it upright
	Rendered          bool       `json:"rendered"`          // true when the page was rasterised rather than taken as its embedded image
	Ink               float64    `json:"ink"`               // fraction of dark pixels, the measure blank detection uses
	Barcode           string     `json:"barcode,omitempty"` // decoded cover-sheet payload, if any
	// Barcodes are the texts of the other barcodes read on the page
	// (patient labels, document barcodes), top to bottom.
	Barcodes []string     `json:"barcodes,omitempty"`
	Quality  *PageQuality `json:"quality,omitempty"`
	Error    string       `json:"error,omitempty"` // why the page could not be read, if it could not
	Words    []Word       `json:"words"`
}

// PageQuality is what chartscan measured of a page image, for the
// technician who decides whether it must be scanned again.
type PageQuality struct {
	// StatedDPI is the resolution the file gave (0: none); EstimatedDPI
	// the one measured from the size of the text (0: not measured).
	StatedDPI    int `json:"stated_dpi"`
	EstimatedDPI int `json:"estimated_dpi,omitempty"`
	// Skew is the angle of the text lines in degrees, counter-clockwise
	// positive, as measured before the page was straightened.
	Skew float64 `json:"skew"`
	// Ink is the share of the page carrying ink (as Page.Ink).
	Ink float64 `json:"ink"`
	// Confidence is the mean OCR word confidence in [0,1].
	Confidence float64 `json:"confidence"`
	// Contrast is the spread between paper and ink grey levels in [0,1].
	Contrast float64 `json:"contrast,omitempty"`
	// Rescan lists why the page should be scanned again; empty when it
	// need not be.
	Rescan []string `json:"rescan,omitempty"`
}

// Document is one document of a batch: consecutive content pages filed under
// one patient and chart section. Stored as documents/<id>.json.
type Document struct {
	ID                DocumentID `json:"id"`
	BatchID           BatchID    `json:"batch_id"`
	Profile           string     `json:"profile"`
	Pages             []PageID   `json:"pages"`
	Section           Section    `json:"section"`
	SectionConfidence float64    `json:"section_confidence"`
	MRN               string     `json:"mrn"`
	PatientName       string     `json:"patient_name"` // LAST^FIRST when known
	DOB               string     `json:"dob"`          // YYYY-MM-DD or ""
	ServiceDate       string     `json:"service_date"` // YYYY-MM-DD or ""
	Encounter         string     `json:"encounter,omitempty"`
	// SuggestedMRN is the patient index's unique match on name and date
	// of birth, offered when the MRN read does not agree with the index.
	SuggestedMRN string `json:"suggested_mrn,omitempty"`
	// Attributes are values document barcodes set that have no field of
	// their own (an ASN, say), by lower-case name.
	Attributes    map[string]string `json:"attributes,omitempty"`
	Title         string            `json:"title,omitempty"`
	FromCover     bool              `json:"from_cover"` // index values came from a cover sheet
	NeedsReview   bool              `json:"needs_review"`
	ReviewReasons []string          `json:"review_reasons,omitempty"`
	ScannedAt     time.Time         `json:"scanned_at"`
	Version       int               `json:"version"` // 1 when written by the pipeline, +1 per change
	CorrectedBy   string            `json:"corrected_by,omitempty"`
	CorrectedAt   *time.Time        `json:"corrected_at,omitempty"`
	// SplitFrom is the document this one was split off (its later pages).
	SplitFrom DocumentID `json:"split_from,omitempty"`
	// MergedFrom lists the documents whose pages were merged into this one.
	MergedFrom []DocumentID `json:"merged_from,omitempty"`
	// MergedInto is set on a document whose pages were merged into
	// another: it has no pages of its own any more.
	MergedInto DocumentID `json:"merged_into,omitempty"`
}

// BatchStatus is where a batch is in the pipeline.
type BatchStatus string

// Batch statuses, as the API reports them.
const (
	BatchQueued     BatchStatus = "queued"
	BatchProcessing BatchStatus = "processing"
	BatchDone       BatchStatus = "done"
	BatchFailed     BatchStatus = "failed"
)

// Batch is the record of one scanned file, stored as batches/<id>.json once
// every other object of the batch is stored: its presence with status done
// is what makes a batch complete.
type Batch struct {
	ID         BatchID      `json:"id"`
	Profile    string       `json:"profile"`
	SourceName string       `json:"source_name"`
	Size       int64        `json:"size"`
	SHA256     string       `json:"sha256"`
	Status     BatchStatus  `json:"status"`
	Pages      int          `json:"pages"`
	Documents  []DocumentID `json:"documents"`
	Error      string       `json:"error"`
	ReceivedAt time.Time    `json:"received_at"`
	DoneAt     *time.Time   `json:"done_at,omitempty"`
	// PageKinds counts the pages of each kind (content, cover, separator,
	// blank) of a done batch.
	PageKinds map[PageKind]int `json:"page_kinds,omitempty"`
	// Rescan lists the pages a person should scan again, with the
	// reasons; empty when none need it.
	Rescan []RescanPage `json:"rescan,omitempty"`
}

// RescanPage is a page of a batch that should be scanned again.
type RescanPage struct {
	Page    PageID   `json:"page"`
	Number  int      `json:"number"`
	Reasons []string `json:"reasons"`
}

// Classifier tells which chart section a page belongs to from its OCR
// text: it returns the probability of each section of Sections, in that
// order (all zeros when the text says nothing). Implementations are safe
// for concurrent use.
type Classifier interface {
	Classify(text string) []float64
}

// BestSection returns the most probable section of a posterior over
// Sections and its probability; SectionOther with 0 for an empty one.
func BestSection(p []float64) (Section, float64) {
	best := -1
	for i, v := range p {
		if best < 0 || v > p[best] {
			best = i
		}
	}
	if best < 0 || p[best] == 0 {
		return SectionOther, 0
	}
	return Sections[best], p[best]
}

package chartscan

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// ReleaseID identifies a release of information: "r-" and 16 hex digits.
type ReleaseID string

// NewReleaseID returns a new random release id.
func NewReleaseID() ReleaseID { return ReleaseID("r-" + randomHex(8)) }

// Valid reports whether r has the form of a release id.
func (r ReleaseID) Valid() bool { return hexID(string(r), "r-") }

// HoldID identifies a legal hold: "h-" and 16 hex digits.
type HoldID string

// NewHoldID returns a new random hold id.
func NewHoldID() HoldID { return HoldID("h-" + randomHex(8)) }

// Valid reports whether h has the form of a hold id.
func (h HoldID) Valid() bool { return hexID(string(h), "h-") }

func hexID(s, prefix string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != 16 {
		return false
	}
	for _, c := range []byte(rest) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("chartscan: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Release statuses.
const (
	ReleaseDraft    = "draft"
	ReleaseApproved = "approved"
)

// Redaction kinds: what an identifier found on a page is.
const (
	RedactSSN     = "ssn"
	RedactPhone   = "phone"
	RedactEmail   = "email"
	RedactAddress = "address"
	RedactAccount = "account"
	RedactPolicy  = "policy"
	RedactManual  = "manual" // a box a person drew
)

// Redaction is a box to black out on a page of a release.
type Redaction struct {
	PageID PageID `json:"page_id"`
	Kind   string `json:"kind,omitempty"`
	Box    Box    `json:"box"`
}

// Requester is who asked for copies of the records.
type Requester struct {
	Name         string `json:"name"`
	Organization string `json:"organization"`
}

// Release is a release of information: copies of a patient's records sent
// to a requester under an authorization, recorded for the accounting of
// disclosures (HIPAA §164.528). Stored as releases/<id>.json, its packet
// as releases/<id>.pdf.
type Release struct {
	ID                      ReleaseID    `json:"id"`
	Status                  string       `json:"status"` // draft, approved
	MRN                     string       `json:"mrn"`
	PatientName             string       `json:"patient_name,omitempty"`
	Requester               Requester    `json:"requester"`
	Purpose                 string       `json:"purpose"`
	AuthorizationDocumentID DocumentID   `json:"authorization_document_id"`
	Documents               []DocumentID `json:"documents"`
	Pages                   []PageID     `json:"pages"`
	// SuggestedRedactions are the identifiers found on the pages that the
	// requester need not see.
	SuggestedRedactions []Redaction `json:"suggested_redactions"`
	// Part2 lists the pages about substance-use disorder treatment
	// (42 CFR Part 2), which need the patient's consent to be released.
	Part2        []PageID  `json:"part2"`
	Part2Reasons []string  `json:"part2_reasons,omitempty"`
	Part2Consent bool      `json:"part2_consent"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	// Set at approval: the redactions burned into the packet, who approved
	// it and when, and the packet's page count and SHA-256.
	Redactions   []Redaction `json:"redactions,omitempty"`
	ApprovedBy   string      `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time  `json:"approved_at,omitempty"`
	PacketPages  int         `json:"packet_pages,omitempty"`
	PacketSHA256 string      `json:"packet_sha256,omitempty"`
}

// Disclosure is one entry of a patient's accounting of disclosures: a
// release of their records, when, to whom and why.
type Disclosure struct {
	Release   ReleaseID    `json:"release"`
	Date      time.Time    `json:"date"`
	Requester Requester    `json:"requester"`
	Purpose   string       `json:"purpose"`
	Documents []DocumentID `json:"documents"`
	Pages     int          `json:"pages"`
	By        string       `json:"by"`
}

// Hold is a legal hold: while it stands, no record it covers may be
// destroyed, whatever its retention. It covers one document, or every
// document of a patient (MRN), those captured later included.
type Hold struct {
	ID         HoldID     `json:"id"`
	MRN        string     `json:"mrn,omitempty"`
	DocumentID DocumentID `json:"document_id,omitempty"`
	Reason     string     `json:"reason"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Covers reports whether the hold covers document d: the document held,
// one that took its pages in a merge, or one of the patient held.
func (h *Hold) Covers(d *Document) bool {
	if h.DocumentID != "" && (h.DocumentID == d.ID || slices.Contains(d.MergedFrom, h.DocumentID)) {
		return true
	}
	return h.MRN != "" && strings.EqualFold(h.MRN, d.MRN)
}

// Destruction records the documents removed at the end of their retention
// on one day; kept for good under retention/<YYYY-MM-DD>.json.
type Destruction struct {
	Day       string            `json:"day"`
	Destroyed []DestroyedRecord `json:"destroyed"`
}

// DestroyedRecord is one document destroyed, as the destruction record
// keeps it.
type DestroyedRecord struct {
	Document      DocumentID `json:"document"`
	MRN           string     `json:"mrn"`
	Section       Section    `json:"section"`
	ServiceDate   string     `json:"service_date"`
	Pages         int        `json:"pages"`
	RetainUntil   string     `json:"retain_until"`
	DestroyedAt   time.Time  `json:"destroyed_at"`
	By            string     `json:"by"`
	SourceRemoved bool       `json:"source_removed"`
}

// PatientKey is how an MRN appears in object keys: not as itself (keys
// travel in store logs), but as the first 16 hex digits of its SHA-256.
func PatientKey(mrn string) string {
	sum := sha256.Sum256([]byte(strings.ToUpper(strings.TrimSpace(mrn))))
	return hex.EncodeToString(sum[:8])
}

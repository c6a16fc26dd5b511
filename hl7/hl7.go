// Package hl7 builds the HL7 v2.5.1 MDM messages chartscan exports
// documents as, and sends them over MLLP.
//
// One message carries one document: MSH, EVN, PID (the MRN and name),
// PV1, TXA (document type, unique id, activity date, completion status)
// and an OBX of type ED holding the base64 PDF. T02 is a new document,
// T08 a corrected one (same TXA-12 unique id), T11 a document sent
// before that was merged into another (availability OB).
//
// Every value is escaped (| ^ ~ \ & and line breaks), so nothing a
// record holds can break the message's structure.
package hl7

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Message events.
const (
	EventNew       = "T02" // original document notification and content
	EventCorrected = "T08" // document edit notification and content
	EventCancelled = "T11" // document cancel notification (no content)
)

// Parties name the sender and receiver (MSH-3 to MSH-6) and the
// assigning authority of MRNs (PID-3.4).
type Parties struct {
	SendingApplication   string
	SendingFacility      string
	ReceivingApplication string
	ReceivingFacility    string
	AssigningAuthority   string
}

// Document is what a message says of one document.
type Document struct {
	ID          string // TXA-12.1, the unique document number
	Version     int
	MRN         string
	PatientName string // LAST^FIRST^MIDDLE, as chartscan keeps it
	DOB         string // YYYY-MM-DD or ""
	Encounter   string // PV1-19, "" when unknown
	// TypeCode and TypeText are the document type (TXA-2, OBX-3): a
	// LOINC code when the section has one, else the section.
	TypeCode, TypeText, TypeSystem string
	ServiceDate                    string // YYYY-MM-DD or "": TXA-4 activity date
	Captured                       time.Time
	Changed                        time.Time // TXA-8 edit date of a T08
	Parent                         string    // TXA-13.1: the document this one was split off
	// Complete is false for a document that still needs review
	// (TXA-17 IN, OBX-11 P); true gives DO and F.
	Complete bool
	// ChangeReason is TXA-21 of a T08 or T11.
	ChangeReason string
	PDF          []byte
}

// Escape escapes the HL7 delimiters of the default encoding characters
// in one value (a component), and line breaks.
func Escape(s string) string {
	if !strings.ContainsAny(s, "|^~\\&\r\n") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\E\`)
		case '|':
			b.WriteString(`\F\`)
		case '^':
			b.WriteString(`\S\`)
		case '&':
			b.WriteString(`\T\`)
		case '~':
			b.WriteString(`\R\`)
		case '\r':
			b.WriteString(`\X0D\`)
		case '\n':
			b.WriteString(`\X0A\`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// comp joins escaped components into one field.
func comp(parts ...string) string {
	for i, p := range parts {
		parts[i] = Escape(p)
	}
	return strings.TrimRight(strings.Join(parts, "^"), "^")
}

// segment joins a segment's fields (already escaped).
func segment(id string, fields ...string) string {
	for len(fields) > 0 && fields[len(fields)-1] == "" {
		fields = fields[:len(fields)-1]
	}
	return id + "|" + strings.Join(fields, "|")
}

// ts formats an HL7 timestamp to the second, in UTC with its offset.
func ts(t time.Time) string { return t.UTC().Format("20060102150405") + "+0000" }

// date turns YYYY-MM-DD into YYYYMMDD ("" stays "").
func date(s string) string { return strings.ReplaceAll(s, "-", "") }

// ControlID is the message control id (MSH-10, at most 20 characters) of
// one event of one version of a document: a retry of the same message
// carries the same id, so that a receiver can tell it saw it.
func ControlID(docID string, version int, event string) string {
	sum := sha1.Sum([]byte(docID + "/" + strconv.Itoa(version) + "/" + event))
	return strings.ToUpper(hex.EncodeToString(sum[:10]))
}

// MDM builds the message of event (EventNew, EventCorrected or
// EventCancelled) for d at now. Segments end with a carriage return, as
// HL7 v2 wants. It returns the message and its control id.
func MDM(p Parties, d Document, event string, now time.Time) ([]byte, string) {
	structure := "MDM_T02"
	if event == EventCancelled {
		structure = "MDM_T01"
	}
	id := ControlID(d.ID, d.Version, event)
	var segs []string
	segs = append(segs, "MSH|^~\\&|"+strings.Join([]string{
		comp(p.SendingApplication), comp(p.SendingFacility), comp(p.ReceivingApplication), comp(p.ReceivingFacility),
		ts(now), "", "MDM^" + event + "^" + structure, id, "P", "2.5.1", "", "", "", "", "", "UNICODE UTF-8",
	}, "|"))
	segs = append(segs, segment("EVN", event, ts(now)))
	family, given, middle := splitName(d.PatientName)
	segs = append(segs, segment("PID", "1", "", comp(d.MRN, "", "", p.AssigningAuthority, "MR"), "", comp(family, given, middle), "", date(d.DOB)))
	pv1 := make([]string, 19)
	pv1[0], pv1[1], pv1[18] = "1", "U", comp(d.Encounter)
	segs = append(segs, segment("PV1", pv1...))

	activity := date(d.ServiceDate)
	if activity == "" {
		activity = ts(d.Captured)
	}
	completion, result := "DO", "F"
	if !d.Complete {
		completion, result = "IN", "P"
	}
	availability := "AV"
	if event == EventCancelled {
		availability = "OB"
	}
	txa := make([]string, 21)
	txa[0] = "1"
	txa[1] = comp(d.TypeCode)
	txa[2] = "AP"
	txa[3] = activity
	txa[5] = ts(d.Captured)
	if event != EventNew && !d.Changed.IsZero() {
		txa[7] = ts(d.Changed)
	}
	txa[11] = comp(d.ID, "CHARTSCAN")
	if d.Parent != "" {
		txa[12] = comp(d.Parent, "CHARTSCAN")
	}
	txa[15] = comp(d.ID + ".pdf")
	txa[16] = completion
	txa[18] = availability
	if event != EventNew {
		txa[20] = comp(d.ChangeReason)
	}
	segs = append(segs, segment("TXA", txa...))
	if event != EventCancelled {
		obx := make([]string, 11)
		obx[0], obx[1] = "1", "ED"
		obx[2] = comp(d.TypeCode, d.TypeText, d.TypeSystem)
		// ED: source application ^ type of data ^ subtype ^ encoding ^ data.
		// Base64 holds none of the delimiters.
		obx[4] = comp(p.SendingApplication, "AP", "PDF", "Base64") + "^" + base64.StdEncoding.EncodeToString(d.PDF)
		obx[10] = result
		segs = append(segs, segment("OBX", obx...))
	}
	return []byte(strings.Join(segs, "\r") + "\r"), id
}

// splitName splits LAST^FIRST^MIDDLE; a name without carets is the
// family name.
func splitName(n string) (family, given, middle string) {
	parts := strings.SplitN(n, "^", 3)
	family = strings.TrimSpace(parts[0])
	if len(parts) > 1 {
		given = strings.TrimSpace(parts[1])
	}
	if len(parts) > 2 {
		middle = strings.TrimSpace(parts[2])
	}
	return family, given, middle
}

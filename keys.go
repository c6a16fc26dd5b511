package chartscan

import (
	"fmt"
	"strings"
	"time"
)

// Every object key chartscan writes is built, and every key it lists is
// parsed, here: the layout fixed by the product contract (sources, pages,
// documents, batches) and chartscan's own (audit copies, section lessons,
// the health probe).

// SourceKey is where the file of a batch is kept exactly as received.
func SourceKey(b BatchID, name string) string { return "sources/" + string(b) + "/" + name }

// ShownKey is key as logs and error messages may show it: the name of a
// source object is the file name it was received under, which can name
// the patient, so only its batch is shown.
func ShownKey(key string) string {
	if rest, ok := strings.CutPrefix(key, "sources/"); ok {
		if b, _, ok := strings.Cut(rest, "/"); ok {
			return "source of batch " + b
		}
	}
	return key
}

// SourcePrefix is the prefix of the (single) source object of a batch.
func SourcePrefix(b BatchID) string { return "sources/" + string(b) + "/" }

// PageImageKey is where the page image is kept; ext is png, jpg or tif.
func PageImageKey(b BatchID, n int, ext string) string {
	return fmt.Sprintf("pages/%s/%04d.%s", b, n, ext)
}

// PageRecordKey is where the page record (Page as JSON) is kept.
func PageRecordKey(b BatchID, n int) string { return fmt.Sprintf("pages/%s/%04d.json", b, n) }

// PagesPrefix is the prefix of every page object of a batch.
func PagesPrefix(b BatchID) string { return "pages/" + string(b) + "/" }

// DocumentKey is where the document manifest is kept.
func DocumentKey(d DocumentID) string { return "documents/" + string(d) + ".json" }

// DocumentsPrefix is the prefix of every document manifest of a batch
// (not of their versions).
func DocumentsPrefix(b BatchID) string { return "documents/" + string(b) + "-d" }

// DocumentVersionKey is where a superseded version of a manifest is kept
// when a correction, a split or a merge replaces it.
func DocumentVersionKey(d DocumentID, version int) string {
	return fmt.Sprintf("documents/versions/%s/%04d.json", d, version)
}

// DocumentVersionsPrefix is the prefix of every kept version of a manifest.
func DocumentVersionsPrefix(d DocumentID) string { return "documents/versions/" + string(d) + "/" }

// BatchKey is where the batch record is kept. It is written last: a batch
// record with status done means every other object of the batch is stored.
func BatchKey(b BatchID) string { return BatchesPrefix + string(b) + ".json" }

// BatchesPrefix is the prefix of every batch record.
const BatchesPrefix = "batches/"

// ParseBatchKey returns the batch id of a batch record's key, and false
// for any other key.
func ParseBatchKey(key string) (BatchID, bool) {
	rest, ok := strings.CutPrefix(key, BatchesPrefix)
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok || !BatchID(id).Valid() {
		return "", false
	}
	return BatchID(id), true
}

// AuditKey is where the copy of one day's audit log (YYYY-MM-DD) is kept.
func AuditKey(day string) string { return "audit/" + day + ".jsonl" }

// LessonsPrefix is where the section classifier's lessons are kept.
const LessonsPrefix = "models/sections/"

// LessonKey is the key of a lesson learned at t; unique is a random
// suffix that keeps two lessons of one instant apart.
func LessonKey(t time.Time, unique string) string {
	return LessonsPrefix + t.UTC().Format("20060102T150405.000000000Z") + "-" + unique + ".json"
}

// HealthProbeKey is the key the health check asks the store about. It is
// never written: a "not found" answer is a healthy store.
const HealthProbeKey = "health/probe"

// ParseDocumentKey returns the document id of a manifest's key, and false
// for any other key (a kept version, say).
func ParseDocumentKey(key string) (DocumentID, bool) {
	rest, ok := strings.CutPrefix(key, "documents/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, ".json")
	if !ok {
		return "", false
	}
	if _, _, err := ParseDocumentID(id); err != nil {
		return "", false
	}
	return DocumentID(id), true
}

// ChangesPrefix is the prefix of the change log (see Change).
const ChangesPrefix = "changes/"

// changeTime is how a change key spells its time: it sorts as it reads.
const changeTime = "20060102T150405.000000000Z"

// ChangeKey is the key of a change made at t; unique is a random suffix
// that keeps two changes of one instant (on two nodes) apart.
func ChangeKey(t time.Time, unique string) string {
	return ChangesPrefix + t.UTC().Format(changeTime) + "-" + unique + ".json"
}

// ChangesDayPrefix is the prefix of the changes made on a (UTC) day.
func ChangesDayPrefix(day time.Time) string { return ChangesPrefix + day.UTC().Format("20060102") }

// ChangesAfter is the key from which to list the changes made at t or
// later (a StartAfter for S3 listings).
func ChangesAfter(t time.Time) string { return ChangesPrefix + t.UTC().Format(changeTime) }

// ReleaseKey is where a release record is kept.
func ReleaseKey(r ReleaseID) string { return ReleasesPrefix + string(r) + ".json" }

// ReleasePacketKey is where the packet PDF of an approved release is kept.
func ReleasePacketKey(r ReleaseID) string { return ReleasesPrefix + string(r) + ".pdf" }

// ReleasesPrefix is the prefix of the release records and packets.
const ReleasesPrefix = "releases/"

// DisclosureKey is where a patient's accounting of disclosures notes a
// release (the MRN as PatientKey).
func DisclosureKey(mrn string, r ReleaseID) string {
	return DisclosuresPrefix(mrn) + string(r) + ".json"
}

// DisclosuresPrefix is the prefix of a patient's disclosures.
func DisclosuresPrefix(mrn string) string { return "disclosures/" + PatientKey(mrn) + "/" }

// HoldKey is where a legal hold is kept while it stands.
func HoldKey(h HoldID) string { return HoldsPrefix + string(h) + ".json" }

// HoldsPrefix is the prefix of the legal holds.
const HoldsPrefix = "holds/"

// RetentionKey is where the destruction record of a (UTC) day is kept, for
// good.
func RetentionKey(day string) string { return "retention/" + day + ".json" }

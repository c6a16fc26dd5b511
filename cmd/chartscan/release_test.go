package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"chartscan"
	"chartscan/config"
	"chartscan/internal/testutil"
	"chartscan/ocr"
	"chartscan/raster"
)

// A patient's pages as a records office receives them, rendered and
// uploaded as scans: an authorization, a note whose header carries the
// patient's SSN and phone, a note from a substance-use treatment program,
// and a note of another patient.
var (
	authorizationPage = []string{
		"AUTHORIZATION FOR RELEASE OF HEALTH INFORMATION",
		"Patient: WALKER, JANE   MRN: 00417744   DOB: 03/14/1961",
		"Date of Service: 10/02/2026",
		"I authorize Harbor Medical Center to release my records of",
		"treatment between 2025 and 2026 to Lakeside Legal LLP for",
		"the purpose of a personal injury claim. Signed by the patient.",
	}
	ssnNotePage = []string{
		"PROGRESS NOTE",
		"Patient: WALKER, JANE   MRN: 00417744   DOB: 03/14/1961",
		"Date of Service: 09/18/2026",
		"SSN: 518-64-2937   Phone: (617) 555-0142",
		"SUBJECTIVE: Follow up of left wrist fracture after the fall.",
		"The cast was removed today. Mild stiffness, no numbness.",
		"ASSESSMENT: Healing distal radius fracture.",
		"PLAN: Physical therapy twice weekly for four weeks.",
	}
	part2Page = []string{
		"OUTPATIENT PROGRESS NOTE",
		"Patient: WALKER, JANE   MRN: 00417744   DOB: 03/14/1961",
		"Date of Service: 08/04/2026",
		"Seen in the opioid treatment program. Continues methadone",
		"maintenance 60 mg daily, observed dosing. Attends Narcotics",
		"Anonymous meetings weekly. Urine screen negative today.",
		"Diagnosis: opioid use disorder, in early remission.",
	}
	otherPatientPage = []string{
		"PROGRESS NOTE",
		"Patient: OKAFOR, DANIEL   MRN: 00988123   DOB: 11/02/1975",
		"Date of Service: 09/20/2026",
		"Blood pressure controlled on lisinopril. Continue the same.",
	}
)

// uploadPage renders lines as a scanned page, uploads it and returns the
// id of the one document it became.
func uploadPage(t *testing.T, scanner, tech client, name string, lines []string) chartscan.DocumentID {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".png")
	writeTextPage(t, path, lines)
	raw, _ := os.ReadFile(path)
	var up struct {
		BatchID string `json:"batch_id"`
	}
	scanner.json("POST", "/api/v1/scans?name="+name+".png", bytes.NewReader(raw), 202, &up)
	b := waitBatch(t, scanner, up.BatchID)
	if b.Status != "done" || len(b.Documents) != 1 {
		t.Fatalf("%s: batch %+v", name, b)
	}
	return chartscan.DocumentID(b.Documents[0])
}

// ocrImage reads an image with the real engine.
func ocrImage(t *testing.T, m *Main, img image.Image, dpi int) string {
	t.Helper()
	g := image.NewGray(img.Bounds())
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	res, err := m.OCR.Recognize(context.Background(), g, ocr.Options{DPI: dpi, Languages: []string{"eng"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Text
}

// alnum is s with what is neither a letter, a digit nor a space left out
// and its spaces collapsed: the stray marks OCR puts beside small print
// ("page _2 of 2") depend on what the engine read before, not on the page.
func alnum(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) {
			return r
		}
		return -1
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// namesID reports whether OCR text gives the release id id ("r-" and 16
// hex digits): a word of it that, without the "r-" and its punctuation,
// and with the letters that are no hex digit read as the digits they look
// like (O and Q as 0, l as 1, S as 5), is the id's digits but for at most
// two slips of the engine. Another id would differ in nearly every digit.
func namesID(text, id string) bool {
	want := strings.TrimPrefix(id, "r-")
	asHex := strings.NewReplacer("o", "0", "q", "0", "@", "0", "l", "1", "i", "1", "|", "1", "!", "1", "s", "5", "$", "5", "z", "2", "g", "9", "t", "7")
	for _, w := range strings.Fields(text) {
		w = strings.TrimPrefix(strings.TrimPrefix(w, "r-"), "r")
		w = strings.Trim(w, "-_.,:;=—–")
		if levenshtein(asHex.Replace(strings.ToLower(w)), want) <= 2 {
			return true
		}
	}
	return false
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// A release end to end through the API: the draft finds the SSN printed
// on a page and the Part 2 page; without consent the Part 2 pages are
// refused; requests that cannot be honoured are refused with the reason;
// the packet has the cover, the pages, the stamps, and OCR finds no trace
// of the redacted SSN; the patient's accounting lists the release.
func TestReleaseOfInformation(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	scanner := client{t, base, newToken(t, m, "station", "scanner")}
	tech := client{t, base, newToken(t, m, "roi-clerk", "technician")}
	auth := uploadPage(t, scanner, tech, "authorization", authorizationPage)
	note := uploadPage(t, scanner, tech, "note", ssnNotePage)
	p2 := uploadPage(t, scanner, tech, "program", part2Page)
	other := uploadPage(t, scanner, tech, "other", otherPatientPage)
	for id, mrn := range map[chartscan.DocumentID]string{auth: "00417744", note: "00417744", p2: "00417744", other: "00988123"} {
		var d chartscan.Document
		tech.json("GET", "/api/v1/documents/"+string(id), nil, 200, &d)
		if d.MRN != mrn {
			t.Fatalf("document %s read MRN %q, want %s: the rendered page did not read right", id, d.MRN, mrn)
		}
	}
	request := func(docs []chartscan.DocumentID, authorization chartscan.DocumentID, consent bool) string {
		ids := make([]string, len(docs))
		for i, d := range docs {
			ids[i] = `"` + string(d) + `"`
		}
		return fmt.Sprintf(`{"mrn":"00417744","requester":{"name":"A. Counsel","organization":"Lakeside Legal LLP"},"purpose":"personal injury claim","authorization_document_id":"%s","documents":[%s],"part2_consent":%v}`,
			authorization, strings.Join(ids, ","), consent)
	}

	// What cannot be honoured is refused with the reason, and nothing is recorded.
	var e errorBody
	for _, tc := range []struct {
		body, why string
	}{
		{request([]chartscan.DocumentID{note, other}, auth, false), "not of this patient"},
		{request([]chartscan.DocumentID{note}, other, false), "no authorization on file"},
		{request([]chartscan.DocumentID{note}, "", false), "no authorization on file"},
	} {
		tech.json("POST", "/api/v1/releases", strings.NewReader(tc.body), 422, &e)
		if !strings.Contains(e.Error.Message, tc.why) {
			t.Errorf("refusal says %q, want %q", e.Error.Message, tc.why)
		}
	}
	tech.json("POST", "/api/v1/releases", strings.NewReader(`{"mrn":"00417744"}`), 400, nil)

	// A draft with the Part 2 page: the SSN is suggested, the page flagged.
	var draft chartscan.Release
	tech.json("POST", "/api/v1/releases", strings.NewReader(request([]chartscan.DocumentID{note, p2}, auth, false)), 201, &draft)
	if draft.Status != "draft" || len(draft.Pages) != 2 || len(draft.Part2) != 1 {
		t.Fatalf("draft = %+v", draft)
	}
	var notePage chartscan.Page
	tech.json("GET", "/api/v1/pages/"+string(draft.Pages[0]), nil, 200, &notePage)
	var ssnWord *chartscan.Word
	for i, w := range notePage.Words {
		if strings.Contains(w.Text, "2937") {
			ssnWord = &notePage.Words[i]
		}
	}
	if ssnWord == nil {
		t.Fatalf("OCR did not read the SSN on %s: %q", notePage.ID, notePage.Text)
	}
	found := false
	for _, r := range draft.SuggestedRedactions {
		if r.Kind == "ssn" && r.PageID == notePage.ID && r.Box.X <= ssnWord.X && r.Box.X+r.Box.W >= ssnWord.X+ssnWord.W && r.Box.Y <= ssnWord.Y && r.Box.Y+r.Box.H >= ssnWord.Y+ssnWord.H {
			found = true
		}
	}
	if !found {
		t.Errorf("the SSN at %+v is not among the suggestions %+v", ssnWord, draft.SuggestedRedactions)
	}
	if draft.Part2[0] != draft.Pages[1] {
		t.Errorf("Part 2 pages %v, want the program's page %s", draft.Part2, draft.Pages[1])
	}
	tech.json("POST", "/api/v1/releases/"+string(draft.ID)+"/approve", nil, 422, &e)
	if !strings.Contains(e.Error.Message, "42 CFR Part 2") {
		t.Errorf("Part 2 refusal says %q", e.Error.Message)
	}
	var disclosures struct {
		Disclosures []chartscan.Disclosure `json:"disclosures"`
	}
	tech.json("GET", "/api/v1/patients/00417744/disclosures", nil, 200, &disclosures)
	if len(disclosures.Disclosures) != 0 {
		t.Fatalf("a refused release was recorded as disclosed: %+v", disclosures)
	}

	// A release of the note alone, approved with the suggested redactions
	// burned in.
	tech.json("POST", "/api/v1/releases", strings.NewReader(request([]chartscan.DocumentID{note}, auth, false)), 201, &draft)
	outside := fmt.Sprintf(`{"redactions":[{"page_id":"%s","box":{"x":%d,"y":10,"w":50,"h":50}}]}`, draft.Pages[0], notePage.Width-20)
	tech.json("POST", "/api/v1/releases/"+string(draft.ID)+"/approve", strings.NewReader(outside), 422, &e)
	if !strings.Contains(e.Error.Message, "outside") {
		t.Errorf("box outside the page refused with %q", e.Error.Message)
	}
	var approved chartscan.Release
	tech.json("POST", "/api/v1/releases/"+string(draft.ID)+"/approve", nil, 200, &approved)
	if approved.Status != "approved" || approved.PacketPages != 2 || approved.ApprovedBy != "roi-clerk" || len(approved.Redactions) == 0 {
		t.Fatalf("approved = %+v", approved)
	}
	tech.json("POST", "/api/v1/releases/"+string(draft.ID)+"/approve", nil, 422, &e)
	if !strings.Contains(e.Error.Message, "approved already") {
		t.Errorf("a second approval refused with %q", e.Error.Message)
	}

	// The packet: a cover and the page, stamped; no trace of the SSN, in
	// the pixels or in any text of the PDF.
	resp, packet := tech.do("GET", "/api/v1/releases/"+string(draft.ID)+"/pdf", nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("packet = %d", resp.StatusCode)
	}
	for _, trace := range []string{"2937", "518-64", "555-0142"} {
		if bytes.Contains(packet, []byte(trace)) {
			t.Errorf("the packet PDF holds %q", trace)
		}
	}
	packetFile := filepath.Join(t.TempDir(), "packet.pdf")
	os.WriteFile(packetFile, packet, 0o644)
	pd, err := raster.Open(packetFile, raster.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	defer pd.Close()
	if pd.NumPages() != 2 {
		t.Fatalf("packet has %d pages, want 2", pd.NumPages())
	}
	cover, err := pd.Page(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if cover.Rendered {
		t.Error("the cover page is not a single image")
	}
	coverText := ocrImage(t, m, cover.Image, 200)
	for _, want := range []string{"RELEASE OF INFORMATION", "Lakeside Legal", "personal injury", "page 1 of 2"} {
		if got := strings.Join(strings.Fields(coverText), " "); !strings.Contains(got, want) && !strings.Contains(alnum(got), want) {
			t.Errorf("the cover page does not say %q:\n%s", want, coverText)
		}
	}
	if !namesID(coverText, string(draft.ID)) {
		t.Errorf("the cover page does not give the release id %s:\n%s", draft.ID, coverText)
	}
	p, err := pd.Page(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rendered {
		t.Error("a released page is not a single image: the PDF may hold more than pixels")
	}
	text := ocrImage(t, m, p.Image, 300)
	flat := strings.Join(strings.Fields(text), " ")
	if !strings.Contains(flat, "PROGRESS NOTE") || !strings.Contains(flat, "wrist fracture") {
		t.Errorf("the released page does not read as the note:\n%s", text)
	}
	if !strings.Contains(alnum(flat), "page 2 of 2") || !namesID(text, string(draft.ID)) {
		t.Errorf("the released page lacks its stamp:\n%s", text)
	}
	for _, trace := range []string{"2937", "518-64", "518", "555-0142"} {
		if strings.Contains(flat, trace) {
			t.Errorf("OCR of the packet finds %q of a redacted identifier:\n%s", trace, text)
		}
	}

	// The patient's accounting of disclosures lists it; a release with
	// the patient's Part 2 consent goes through.
	tech.json("GET", "/api/v1/patients/00417744/disclosures", nil, 200, &disclosures)
	if len(disclosures.Disclosures) != 1 || disclosures.Disclosures[0].Release != draft.ID ||
		disclosures.Disclosures[0].Requester.Organization != "Lakeside Legal LLP" || disclosures.Disclosures[0].Purpose != "personal injury claim" {
		t.Fatalf("disclosures = %+v", disclosures)
	}
	tech.json("POST", "/api/v1/releases", strings.NewReader(request([]chartscan.DocumentID{p2}, auth, true)), 201, &draft)
	tech.json("POST", "/api/v1/releases/"+string(draft.ID)+"/approve", strings.NewReader(`{"redactions":[]}`), 200, &approved)
	tech.json("GET", "/api/v1/patients/00417744/disclosures", nil, 200, &disclosures)
	if len(disclosures.Disclosures) != 2 {
		t.Errorf("disclosures after the consented release: %+v", disclosures)
	}
	tech.json("GET", "/api/v1/patients/00988123/disclosures", nil, 200, &disclosures)
	if len(disclosures.Disclosures) != 0 {
		t.Errorf("another patient's accounting lists %+v", disclosures)
	}

	// Every step is in the audit log.
	admin := client{t, base, newToken(t, m, "records-admin", "admin")}
	var trail struct {
		Entries []struct{ Actor, Action, Detail string } `json:"entries"`
	}
	admin.json("GET", "/api/v1/audit?actor=roi-clerk&limit=1000", nil, 200, &trail)
	counts := map[string]int{}
	for _, x := range trail.Entries {
		counts[x.Action]++
	}
	if counts["release.create"] != 3 || counts["release.approve"] != 2 || counts["disclosures.list"] < 4 || counts["release.view"] < 1 {
		t.Errorf("audit of the releases: %v", counts)
	}
}

// Retention through the real command: a dry run lists exactly the expired
// documents not on hold; the real run removes them from the store and the
// index and writes the destruction record; a held document survives.
func TestRetentionRun(t *testing.T) {
	m := MustOpenMain(t, map[string]string{"default": testProfile}, nil)
	base := "http://" + m.Addr()
	scanner := client{t, base, newToken(t, m, "station", "scanner")}
	tech := client{t, base, newToken(t, m, "clerk", "technician")}
	admin := client{t, base, newToken(t, m, "records-admin", "admin")}
	page := func(title, date, body string) []string {
		return []string{title, "Patient: WALKER, JANE   MRN: 00417744   DOB: 03/14/1961", "Date of Service: " + date, body}
	}
	old := uploadPage(t, scanner, tech, "old", page("PROGRESS NOTE", "03/02/2005", "Seen for sprained ankle. Rest and ice."))
	held := uploadPage(t, scanner, tech, "held", page("PROGRESS NOTE", "05/11/2006", "Seen for bronchitis. Fluids and rest."))
	consent := uploadPage(t, scanner, tech, "consent", page("CONSENT FOR TREATMENT", "06/01/2006", "I consent to examination and treatment by the clinic staff."))
	recent := uploadPage(t, scanner, tech, "recent", page("PROGRESS NOTE", "09/18/2024", "Seen for a sore throat. Rapid strep negative."))
	for id, date := range map[chartscan.DocumentID]string{old: "2005-03-02", held: "2006-05-11", consent: "2006-06-01", recent: "2024-09-18"} {
		var d chartscan.Document
		tech.json("GET", "/api/v1/documents/"+string(id), nil, 200, &d)
		if d.ServiceDate != date {
			t.Fatalf("document %s service date %q, want %s", id, d.ServiceDate, date)
		}
		if id == consent && d.Section != chartscan.SectionConsent {
			tech.json("PATCH", "/api/v1/documents/"+string(id), strings.NewReader(`{"section":"consent"}`), 200, nil)
		}
	}
	var hold chartscan.Hold
	admin.json("POST", "/api/v1/holds", strings.NewReader(`{"document_id":"`+string(held)+`","reason":"litigation hold, case 26-CV-1182"}`), 201, &hold)
	tech.json("POST", "/api/v1/holds", strings.NewReader(`{"document_id":"`+string(held)+`","reason":"x"}`), 403, nil)
	admin.json("POST", "/api/v1/holds", strings.NewReader(`{"reason":"no scope"}`), 400, nil)
	var holds struct {
		Holds []chartscan.Hold `json:"holds"`
	}
	admin.json("GET", "/api/v1/holds", nil, 200, &holds)
	if len(holds.Holds) != 1 || holds.Holds[0].ID != hold.ID {
		t.Fatalf("holds = %+v", holds)
	}

	// A held document keeps its filing: no merge either way, no other MRN.
	var refused struct {
		Error struct{ Code, Message string }
	}
	tech.json("POST", "/api/v1/documents/"+string(old)+"/merge", strings.NewReader(`{"with":"`+string(held)+`"}`), 422, &refused)
	if !strings.Contains(refused.Error.Message, "legal hold") {
		t.Errorf("merge of a held document: %+v", refused)
	}
	tech.json("POST", "/api/v1/documents/"+string(held)+"/merge", strings.NewReader(`{"with":"`+string(old)+`"}`), 422, nil)
	tech.json("PATCH", "/api/v1/documents/"+string(held), strings.NewReader(`{"mrn":"00417745"}`), 422, nil)
	tech.json("PATCH", "/api/v1/documents/"+string(held), strings.NewReader(`{"service_date":"2006-05-12"}`), 200, nil)
	tech.json("PATCH", "/api/v1/documents/"+string(held), strings.NewReader(`{"service_date":"2006-05-11"}`), 200, nil)

	// The command needs the index to itself: serve is stopped, as for reindex.
	StopMain(m)
	out, code := runCmd(t, "--config", m.ConfigFile, "retention", "run", "--dry-run")
	if code != 0 || strings.Fields(out) == nil || strings.Join(strings.Fields(out), " ") != string(old) {
		t.Fatalf("dry run exit %d, listed %q; want exactly %s (held %s, consent %s and recent %s kept)", code, out, old, held, consent, recent)
	}
	if _, err := chartscan.LoadDocument(context.Background(), m.Store, old); err != nil {
		t.Fatalf("the dry run removed something: %v", err)
	}
	out, code = runCmd(t, "--config", m.ConfigFile, "retention", "run")
	if code != 0 || strings.TrimSpace(out) != string(old) {
		t.Fatalf("run exit %d: %q", code, out)
	}
	m = RestartMain(t, m)
	ctx := context.Background()
	var oldDoc chartscan.Document
	if err := chartscan.GetJSON(ctx, m.Store, chartscan.DocumentKey(old), &oldDoc); !chartscan.IsNotFound(err) {
		t.Errorf("the expired manifest is still there: %v", err)
	}
	b, _, _ := chartscan.ParseDocumentID(string(old))
	left := 0
	for _, prefix := range []string{chartscan.PagesPrefix(b), chartscan.SourcePrefix(b), chartscan.DocumentVersionsPrefix(old)} {
		m.Store.List(ctx, prefix, func(o chartscan.ObjectInfo) error { left++; return nil })
	}
	if left != 0 {
		t.Errorf("%d objects of the destroyed document are left", left)
	}
	res, err := m.Index.Search(ctx, chartscan.SearchQuery{Text: "sprained ankle"})
	if err != nil || res.Total != 0 {
		t.Errorf("the destroyed document is still found: %v %+v", err, res)
	}
	if res, _ := m.Index.Search(ctx, chartscan.SearchQuery{Text: "bronchitis"}); res == nil || res.Total != 1 {
		t.Errorf("the held document is no longer found")
	}
	var dr chartscan.Destruction
	if err := chartscan.GetJSON(ctx, m.Store, chartscan.RetentionKey(time.Now().UTC().Format(time.DateOnly)), &dr); err != nil {
		t.Fatal(err)
	}
	if len(dr.Destroyed) != 1 || dr.Destroyed[0].Document != old || !dr.Destroyed[0].SourceRemoved || dr.Destroyed[0].RetainUntil != "2015-03-02" {
		t.Errorf("destruction record = %+v", dr)
	}
	admin = client{t, "http://" + m.Addr(), admin.token}
	var trail struct {
		Entries []struct{ Action, Document, Via string } `json:"entries"`
	}
	admin.json("GET", "/api/v1/audit?limit=1000", nil, 200, &trail)
	removed := 0
	for _, x := range trail.Entries {
		if x.Action == "retention.remove" && x.Document == string(old) && x.Via == "cli" {
			removed++
		}
	}
	if removed != 1 {
		t.Errorf("%d audit entries of the destruction, want 1", removed)
	}
	// The hold lifted, the document expires like any other.
	admin.json("DELETE", "/api/v1/holds/"+string(hold.ID), nil, 204, nil)
	StopMain(m)
	out, _ = runCmd(t, "--config", m.ConfigFile, "retention", "run", "--dry-run")
	if strings.TrimSpace(out) != string(held) {
		t.Errorf("after the hold was lifted the dry run lists %q, want %s", out, held)
	}
}

// On a bucket with object lock a hold is an S3 legal hold on every object
// of the held document: a direct delete of one of them with the bucket's
// own credentials fails; lifting the hold lets it go.
func TestHoldsAreObjectLegalHolds(t *testing.T) {
	s3 := testutil.SharedMinIO(t)
	bucket := fmt.Sprintf("lock-%d", rand.Int63())
	m := MustOpenMain(t, map[string]string{"default": testProfile}, func(c *config.Config) {
		c.Storage.Kind = "s3"
		c.Storage.S3 = config.S3{Endpoint: s3.Endpoint, Bucket: bucket, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey,
			RetryFor: 20 * time.Second, ObjectLock: true}
	})
	base := "http://" + m.Addr()
	scanner := client{t, base, newToken(t, m, "station", "scanner")}
	tech := client{t, base, newToken(t, m, "clerk", "technician")}
	admin := client{t, base, newToken(t, m, "records-admin", "admin")}
	doc := uploadPage(t, scanner, tech, "note", ssnNotePage)
	var d chartscan.Document
	tech.json("GET", "/api/v1/documents/"+string(doc), nil, 200, &d)
	var pg chartscan.Page
	tech.json("GET", "/api/v1/pages/"+string(d.Pages[0]), nil, 200, &pg)
	var hold chartscan.Hold
	admin.json("POST", "/api/v1/holds", strings.NewReader(`{"mrn":"00417744","reason":"subpoena"}`), 201, &hold)

	mc, err := minio.New(s3.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	version := func(key string) string {
		st, err := mc.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatalf("stat %s: %v", key, err)
		}
		return st.VersionID
	}
	for _, key := range []string{pg.Image, chartscan.DocumentKey(doc), chartscan.PageRecordKey(pg.BatchID, pg.Number)} {
		lh, err := mc.GetObjectLegalHold(ctx, bucket, key, minio.GetObjectLegalHoldOptions{VersionID: version(key)})
		if err != nil || lh == nil || *lh != minio.LegalHoldEnabled {
			t.Errorf("%s: legal hold %v, %v", key, lh, err)
		}
	}
	v := version(pg.Image)
	if err := mc.RemoveObject(ctx, bucket, pg.Image, minio.RemoveObjectOptions{VersionID: v}); err == nil {
		t.Fatal("the bucket's own credentials deleted an object under a legal hold")
	}
	if err := m.Store.Delete(ctx, pg.Image); chartscan.ErrorCode(err) != chartscan.EREFUSED {
		t.Errorf("the store deleted a held object: %v", err)
	}
	admin.json("DELETE", "/api/v1/holds/"+string(hold.ID), nil, 204, nil)
	if err := mc.RemoveObject(ctx, bucket, pg.Image, minio.RemoveObjectOptions{VersionID: v}); err != nil {
		t.Errorf("after the hold was lifted the object could not be deleted: %v", err)
	}
}

package ingest

import (
	"context"
	"sort"
	"time"

	"chartscan"
	"chartscan/extract"
)

// Assembler splits the pages of a batch into documents and files each
// under a patient and a chart section.
type Assembler struct {
	Classifier chartscan.Classifier
	// Patients is the master patient index documents are checked
	// against (see checkPatient); nil checks them across their pages
	// only.
	Patients chartscan.PatientIndex
	// Known is who the file is filed under outside chartscan (see
	// applyKnown); nil when nobody says.
	Known *KnownPatient
}

// pageInfo is what assembly knows of one content page.
type pageInfo struct {
	page   *chartscan.Page
	fields extract.Fields
	post   []float64     // section probabilities
	codes  barcodeValues // what its document and label barcodes say (barcoderules.go)
}

// docState is a document being assembled.
type docState struct {
	doc   *chartscan.Document
	cover *chartscan.CoverSheet // nil without a cover sheet
	pages []pageInfo
}

// Assemble groups the pages of a batch into documents, in page order, and
// sets each content page's section, confidence and document id.
//
// A cover sheet starts a document whose index values come from its barcode
// and win over the text; a separator sheet ends the current document.
// Without sheets, a page starts a new document when it belongs to another
// patient (another MRN), when it is the first page of a document (it
// carries a patient header and does not say it is continued), or when it
// is plainly of another chart section. A document or label barcode
// (barcoderules.go) starts one too, and its values win over the text.
// Blank pages belong to no document.
// A document needs review when its section is uncertain, its patient is
// unknown, contradictory or not the patient index's, or one of its pages
// could not be read. ctx bounds the questions to the patient index.
func (a *Assembler) Assemble(ctx context.Context, id chartscan.BatchID, prof *chartscan.Profile, pages []scannedPage, scannedAt time.Time) []*chartscan.Document {
	ex, err := extract.New(prof.MRNPattern)
	if err != nil { // the profile was validated; fall back to the default
		ex, _ = extract.New("")
	}
	var (
		docs         []*docState
		cur          *docState
		pendingCover *chartscan.CoverSheet
		rules        = newBarcodeRules(prof)
	)
	start := func(cover *chartscan.CoverSheet) {
		cur = &docState{cover: cover, doc: &chartscan.Document{
			BatchID: id, Profile: prof.Name, ScannedAt: scannedAt, Version: 1,
		}}
		docs = append(docs, cur)
	}
	for _, sp := range pages {
		pg := sp.page
		switch pg.Kind {
		case chartscan.PageBlank:
			pg.Section = chartscan.SectionOther
			continue
		case chartscan.PageCover, chartscan.PageSeparator:
			pg.Section = chartscan.SectionOther
			cur, pendingCover = nil, sp.cover
			continue
		}
		info := pageInfo{page: pg, fields: ex.Page(pg.Text), post: a.Classifier.Classify(pg.Text), codes: rules.read(pg.Barcodes)}
		info.applyLabels()
		switch {
		case cur == nil:
			start(pendingCover)
			pendingCover = nil
		case barcodeStarts(cur, info) || a.startsDocument(prof, cur, info):
			start(nil)
		}
		cur.pages = append(cur.pages, info)
	}
	out := make([]*chartscan.Document, 0, len(docs))
	for i, d := range docs {
		d.doc.ID = id.Document(i + 1)
		a.finish(prof, d)
		a.checkPatient(ctx, ex, d)
		out = append(out, d.doc)
	}
	return out
}

// startsDocument reports whether a content page begins a new document
// rather than continuing cur.
func (a *Assembler) startsDocument(prof *chartscan.Profile, cur *docState, p pageInfo) bool {
	f := p.fields
	curMRN := ""
	if cur.cover != nil && cur.cover.MRN != "" {
		curMRN = cur.cover.MRN
	} else if len(cur.pages) > 0 {
		curMRN = cur.pages[0].fields.MRN
	}
	if prof.Separation.PatientChange && (f.MRN != "" && curMRN != "" && f.MRN != curMRN || otherPatient(cur, f)) {
		return true // another patient is always another document
	}
	if f.Continued {
		return false
	}
	if len(cur.pages) == 0 {
		return false // the first page after a cover sheet
	}
	if f.Header || f.MRNUnread {
		return true // the first page of a document, even one whose MRN did not read
	}
	if !prof.Separation.SectionChange || cur.cover != nil {
		return false
	}
	sec, conf := chartscan.BestSection(p.post)
	first, _ := chartscan.BestSection(cur.pages[0].post)
	// A page with a title of its own and plainly of another section.
	return sec != first && conf >= 0.9 && f.Title != ""
}

// finish sets a document's index values, section and review flags, and
// its pages' section and document id.
func (a *Assembler) finish(prof *chartscan.Profile, d *docState) {
	doc := d.doc
	mrns, names, dobs, dates := vote{}, vote{}, vote{}, vote{}
	mix := make([]float64, len(chartscan.Sections))
	var mixWeight float64
	readErr := false
	for i, p := range d.pages {
		w := 1.0
		if i == 0 {
			w = 3 // the first page carries the header and the title
		}
		mrns.add(p.fields.MRN, w)
		names.add(p.fields.Name, w)
		dobs.add(p.fields.DOB, w)
		dates.add(p.fields.ServiceDate, w)
		for s, v := range p.post {
			mix[s] += w * v
		}
		mixWeight += w
		doc.Pages = append(doc.Pages, p.page.ID)
		readErr = readErr || p.page.Error != ""
	}
	doc.MRN, doc.PatientName, doc.DOB, doc.ServiceDate = mrns.best(), names.best(), dobs.best(), dates.best()
	if len(d.pages) > 0 {
		doc.Title = d.pages[0].fields.Title
	}
	if mixWeight > 0 {
		for s := range mix {
			mix[s] /= mixWeight
		}
	}
	doc.Section, doc.SectionConfidence = chartscan.BestSection(mix)
	if c := d.cover; c != nil {
		doc.FromCover = true
		if c.MRN != "" {
			if doc.MRN != "" && doc.MRN != c.MRN {
				addReason(doc, "cover sheet MRN differs from the pages")
			}
			doc.MRN = c.MRN
		}
		if c.Name != "" {
			doc.PatientName = c.Name
		}
		if c.DOB != "" {
			doc.DOB = c.DOB
		}
		if c.Section != "" {
			doc.Section, doc.SectionConfidence = c.Section, 1
		}
		doc.Encounter = c.Encounter
	}
	applyBarcodeValues(doc, d)
	a.applyKnown(doc)
	if len(mrns) > 1 && d.cover == nil {
		addReason(doc, "pages name more than one MRN")
	}
	if doc.SectionConfidence < prof.Review.MinSectionConfidence {
		addReason(doc, "low section confidence")
	}
	if prof.Review.RequireMRN && doc.MRN == "" {
		addReason(doc, "no MRN")
	}
	if readErr {
		addReason(doc, "a page could not be read")
	}
	for _, p := range d.pages {
		p.page.Section, p.page.SectionConfidence, p.page.DocumentID = doc.Section, round2(doc.SectionConfidence), doc.ID
	}
	doc.SectionConfidence = round2(doc.SectionConfidence)
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// vote tallies weighted values, ignoring empty ones.
type vote map[string]float64

func (v vote) add(s string, w float64) {
	if s != "" {
		v[s] += w
	}
}

// best returns the value with the most weight ("" for none), ties broken
// by value for a stable answer.
func (v vote) best() string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best := ""
	for _, k := range keys {
		if best == "" || v[k] > v[best] {
			best = k
		}
	}
	return best
}

func addReason(d *chartscan.Document, r string) {
	for _, x := range d.ReviewReasons {
		if x == r {
			return
		}
	}
	d.ReviewReasons = append(d.ReviewReasons, r)
	d.NeedsReview = true
}

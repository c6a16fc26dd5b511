package ingest

import (
	"regexp"
	"time"

	"chartscan"
)

// continuedRE finds the marks of a continuation page near its top.
var continuedRE = regexp.MustCompile(`(?i)\(?\bcontinued\b\)?|\bcont(?:'d|\.)|\bpage\s+[2-9]\d*\s+of\s+\d+`)

// Assemble classifies the content pages of a batch and groups them into
// documents, in page order. It sets each page's section, confidence and
// document id. A document starts at the first content page, and, when the
// profile separates by section, at a page of another section that is not
// a continuation of the one before. Blank pages belong to no document.
func Assemble(id chartscan.BatchID, prof *chartscan.Profile, pages []*chartscan.Page, cl chartscan.Classifier, scannedAt time.Time) []*chartscan.Document {
	var (
		docs []*chartscan.Document
		cur  *chartscan.Document
	)
	for _, pg := range pages {
		if pg.Kind != chartscan.PageContent {
			pg.Section, pg.SectionConfidence = chartscan.SectionOther, 0
			continue
		}
		sec, conf := cl.Classify(pg.Text)
		continued := cur != nil && (isContinuation(pg.Text) || conf < 0.3 || pg.Error != "")
		if continued {
			sec, conf = cur.Section, cur.SectionConfidence
		}
		pg.Section, pg.SectionConfidence = sec, conf
		newDoc := cur == nil || (prof.Separation.SectionChange && !continued && sec != cur.Section)
		if newDoc {
			cur = &chartscan.Document{
				ID:                id.Document(len(docs) + 1),
				BatchID:           id,
				Profile:           prof.Name,
				Section:           sec,
				SectionConfidence: conf,
				ScannedAt:         scannedAt,
				Version:           1,
			}
			docs = append(docs, cur)
		}
		cur.Pages = append(cur.Pages, pg.ID)
		pg.DocumentID = cur.ID
		if pg.Error != "" {
			addReason(cur, "a page could not be read")
		}
	}
	for _, d := range docs {
		if d.SectionConfidence < prof.Review.MinSectionConfidence {
			addReason(d, "low section confidence")
		}
		if prof.Review.RequireMRN && d.MRN == "" {
			addReason(d, "no MRN")
		}
	}
	return docs
}

// isContinuation reports whether a page says it continues the previous one.
func isContinuation(text string) bool {
	head := text
	if len(head) > 300 {
		head = head[:300]
	}
	return continuedRE.MatchString(head)
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

package records

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode"

	"chartscan"
	"chartscan/audit"
	"chartscan/release"
)

// ReleaseRequest asks for a release of information: copies of a
// patient's documents — those listed, or those of the sections and the
// service-date range given — for a requester, under the authorization
// document on file.
type ReleaseRequest struct {
	MRN                     string                 `json:"mrn"`
	Requester               chartscan.Requester    `json:"requester"`
	Purpose                 string                 `json:"purpose"`
	AuthorizationDocumentID chartscan.DocumentID   `json:"authorization_document_id"`
	Documents               []chartscan.DocumentID `json:"documents"`
	Sections                []chartscan.Section    `json:"sections"`
	From                    string                 `json:"from"`
	To                      string                 `json:"to"`
	Part2Consent            bool                   `json:"part2_consent"`
}

// maxReleasePages bounds one release's pages.
const maxReleasePages = 2000

// CreateRelease makes a draft release (technician role): it checks the
// request, gathers the pages, finds the identifiers the requester need not
// see and the pages under 42 CFR Part 2. A malformed request is EINVALID;
// one that cannot be honoured — no authorization on file for the patient,
// documents of another patient — is EREFUSED with the reason. Nothing is
// disclosed by a draft.
func (s *Service) CreateRelease(ctx context.Context, a chartscan.Actor, req ReleaseRequest) (*chartscan.Release, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	req.MRN = strings.TrimSpace(req.MRN)
	switch {
	case req.MRN == "" || !mrnRE.MatchString(req.MRN):
		return nil, chartscan.Errorf(chartscan.EINVALID, "mrn: the patient's MRN is needed")
	case strings.TrimSpace(req.Requester.Name) == "":
		return nil, chartscan.Errorf(chartscan.EINVALID, "requester.name: who asks for the records is needed")
	case strings.TrimSpace(req.Purpose) == "":
		return nil, chartscan.Errorf(chartscan.EINVALID, "purpose: why the records are asked for is needed")
	case len(req.Requester.Name) > 200 || len(req.Requester.Organization) > 200 || len(req.Purpose) > 500 || !printable(req.Requester.Name+req.Requester.Organization+req.Purpose):
		return nil, chartscan.Errorf(chartscan.EINVALID, "requester and purpose: printable text, at most 200 and 500 characters")
	case len(req.Documents) > 0 && (len(req.Sections) > 0 || req.From != "" || req.To != ""):
		return nil, chartscan.Errorf(chartscan.EINVALID, "give documents, or sections and a date range, not both")
	case req.AuthorizationDocumentID == "":
		return nil, chartscan.Errorf(chartscan.EREFUSED, "no authorization on file: give the document of the patient's signed authorization (authorization_document_id)")
	}
	for _, sec := range req.Sections {
		if !sec.Valid() {
			return nil, chartscan.Errorf(chartscan.EINVALID, "unknown section %q", sec)
		}
	}
	from, err := chartscan.DateParam(func(string) string { return req.From }, "from")
	if err != nil {
		return nil, err
	}
	to, err := chartscan.DateParam(func(string) string { return req.To }, "to")
	if err != nil {
		return nil, err
	}
	auth, err := s.loadDoc(ctx, req.AuthorizationDocumentID)
	if chartscan.IsNotFound(err) || (err == nil && !sameMRN(auth.MRN, req.MRN)) {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "no authorization on file for this patient: document %s is not one of the patient's", req.AuthorizationDocumentID)
	}
	if err != nil {
		return nil, err
	}
	ids := req.Documents
	if len(ids) == 0 {
		if ids, err = s.patientDocuments(ctx, req.MRN, req.Sections, from, to); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "the patient has no document of those sections and dates")
		}
	}
	r := &chartscan.Release{
		ID: chartscan.NewReleaseID(), Status: chartscan.ReleaseDraft, MRN: req.MRN, Requester: req.Requester,
		Purpose: req.Purpose, AuthorizationDocumentID: req.AuthorizationDocumentID, Part2Consent: req.Part2Consent,
		CreatedBy: a.Name, CreatedAt: time.Now().UTC(),
		Documents: []chartscan.DocumentID{}, Pages: []chartscan.PageID{}, SuggestedRedactions: []chartscan.Redaction{}, Part2: []chartscan.PageID{},
	}
	seen := map[chartscan.DocumentID]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		d, pages, err := s.load(ctx, id)
		if chartscan.IsNotFound(err) {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "no document %s", id)
		}
		if err != nil {
			return nil, err
		}
		if !sameMRN(d.MRN, req.MRN) {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "document %s is not of this patient: a release holds one patient's records only", id)
		}
		if d.MergedInto != "" {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "document %s was merged into %s: release that one", id, d.MergedInto)
		}
		if r.PatientName == "" {
			r.PatientName = d.PatientName
		}
		r.Documents = append(r.Documents, id)
		reasons := map[string]bool{}
		for _, p := range pages {
			r.Pages = append(r.Pages, p.ID)
			r.SuggestedRedactions = append(r.SuggestedRedactions, release.Identifiers(p)...)
			if f := release.Part2(p.Text); f.Flag {
				r.Part2 = append(r.Part2, p.ID)
				for _, why := range f.Reasons {
					if !reasons[why] {
						reasons[why] = true
						r.Part2Reasons = append(r.Part2Reasons, fmt.Sprintf("%s: %s", p.ID, why))
					}
				}
			}
		}
	}
	if len(r.Pages) > maxReleasePages {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "a release holds at most %d pages; this one would hold %d", maxReleasePages, len(r.Pages))
	}
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.ReleaseKey(r.ID), r); err != nil {
		return nil, err
	}
	return recorded(r, s.record(a, http.StatusCreated, audit.Entry{Action: audit.ActionRelease, Document: string(req.AuthorizationDocumentID),
		Detail: fmt.Sprintf("%s: %d documents, %d pages", r.ID, len(r.Documents), len(r.Pages))}))
}

// ApproveRelease makes the packet of a draft release and records the
// disclosure (technician role). redactions are the boxes to burn in; nil
// burns every suggested one. A release approved before, a redaction
// outside its page or on a page not in the release, Part 2 pages without
// the patient's consent, an authorization no longer on file: each is
// EREFUSED with the reason, and nothing is made or recorded.
func (s *Service) ApproveRelease(ctx context.Context, a chartscan.Actor, id chartscan.ReleaseID, redactions []chartscan.Redaction) (*chartscan.Release, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	s.releaseMu.Lock()
	defer s.releaseMu.Unlock()
	r, err := s.loadRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != chartscan.ReleaseDraft {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "release %s was approved already (by %s): it cannot be approved twice", id, r.ApprovedBy)
	}
	if len(r.Part2) > 0 && !r.Part2Consent {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "%d pages of this release are about substance-use disorder treatment (42 CFR Part 2): they may be released only with the patient's written consent (part2_consent); leave out their documents or record the consent", len(r.Part2))
	}
	if auth, err := s.loadDoc(ctx, r.AuthorizationDocumentID); err != nil || !sameMRN(auth.MRN, r.MRN) {
		return nil, chartscan.Errorf(chartscan.EREFUSED, "the authorization %s is no longer on file for this patient", r.AuthorizationDocumentID)
	}
	if redactions == nil {
		redactions = r.SuggestedRedactions
	}
	pages, err := chartscan.LoadPages(ctx, s.Store, r.Pages)
	if err != nil {
		return nil, err
	}
	byPage := map[chartscan.PageID][]chartscan.Box{}
	inRelease := map[chartscan.PageID]*chartscan.Page{}
	for _, p := range pages {
		inRelease[p.ID] = p
	}
	for _, x := range redactions {
		p := inRelease[x.PageID]
		if p == nil {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "redaction on page %s, which is not in the release", x.PageID)
		}
		if !release.Inside(x.Box, p.Width, p.Height) {
			return nil, chartscan.Errorf(chartscan.EREFUSED, "redaction box %d,%d %dx%d is outside page %s (%dx%d)", x.Box.X, x.Box.Y, x.Box.W, x.Box.H, p.ID, p.Width, p.Height)
		}
		byPage[x.PageID] = append(byPage[x.PageID], x.Box)
	}
	packetPages := make([]release.PacketPage, len(pages))
	for i, p := range pages {
		packetPages[i] = release.PacketPage{DPI: p.DPI, Redactions: byPage[p.ID], Load: func() (image.Image, error) {
			b, err := s.readObject(ctx, p.Image)
			if err != nil {
				return nil, fmt.Errorf("page %s image: %w", p.ID, err)
			}
			img, _, err := image.Decode(bytes.NewReader(b))
			if err != nil {
				return nil, fmt.Errorf("page %s image: %w", p.ID, err)
			}
			return img, nil
		}}
	}
	var enclosed []string
	for _, did := range r.Documents {
		if d, err := s.loadDoc(ctx, did); err == nil {
			e := fmt.Sprintf("%s  %s  %d pages", d.ID, strings.ReplaceAll(string(d.Section), "_", " "), len(d.Pages))
			if d.ServiceDate != "" {
				e += "  service date " + d.ServiceDate
			}
			enclosed = append(enclosed, e)
		}
	}
	now := time.Now().UTC()
	var packet bytes.Buffer
	n, err := release.Packet(&packet, release.Cover{
		Release: r.ID, Requester: r.Requester, Purpose: r.Purpose, Patient: r.PatientName, MRN: r.MRN,
		Date: now.Format(time.DateOnly), Enclosed: enclosed, Part2Consent: r.Part2Consent && len(r.Part2) > 0,
	}, packetPages)
	if err != nil {
		return nil, fmt.Errorf("release %s packet: %w", r.ID, err)
	}
	sum := sha256.Sum256(packet.Bytes())
	// The packet, then the patient's accounting note, then the release
	// record, approved, last: a note whose release is still a draft is no
	// disclosure (Disclosures skips it), so a crash records nothing false.
	if err := s.Store.Put(ctx, chartscan.ReleasePacketKey(r.ID), bytes.NewReader(packet.Bytes()), int64(packet.Len()), "application/pdf"); err != nil {
		return nil, err
	}
	note := chartscan.Disclosure{Release: r.ID, Date: now, Requester: r.Requester, Purpose: r.Purpose, Documents: r.Documents, Pages: n, By: a.Name}
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.DisclosureKey(r.MRN, r.ID), &note); err != nil {
		return nil, err
	}
	r.Status, r.Redactions, r.ApprovedBy, r.ApprovedAt = chartscan.ReleaseApproved, redactions, a.Name, &now
	r.PacketPages, r.PacketSHA256 = n, hex.EncodeToString(sum[:])
	if r.Redactions == nil {
		r.Redactions = []chartscan.Redaction{}
	}
	if err := chartscan.PutJSON(ctx, s.Store, chartscan.ReleaseKey(r.ID), r); err != nil {
		return nil, err
	}
	return recorded(r, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionApprove, Document: string(r.AuthorizationDocumentID),
		Detail: fmt.Sprintf("%s: %d pages to %s, %d redactions", r.ID, n, r.Requester.Organization, len(redactions))}))
}

// Release returns a release (technician role).
func (s *Service) Release(ctx context.Context, a chartscan.Actor, id chartscan.ReleaseID) (*chartscan.Release, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	r, err := s.loadRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	return recorded(r, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionReleaseView, Detail: string(id)}))
}

// ReleasePacket writes the packet PDF of an approved release to w
// (technician role). A draft has no packet yet: EREFUSED.
func (s *Service) ReleasePacket(ctx context.Context, a chartscan.Actor, id chartscan.ReleaseID, w io.Writer) error {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return err
	}
	r, err := s.loadRelease(ctx, id)
	if err != nil {
		return err
	}
	if r.Status != chartscan.ReleaseApproved {
		return chartscan.Errorf(chartscan.EREFUSED, "release %s is a draft: approve it to make its packet", id)
	}
	b, err := s.readObject(ctx, chartscan.ReleasePacketKey(id))
	if err != nil {
		return err
	}
	if err := s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionReleaseView, Detail: string(id) + " packet"}); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Releases returns the releases of a patient, newest first (technician
// role); all of them for mrn "".
func (s *Service) Releases(ctx context.Context, a chartscan.Actor, mrn string) ([]*chartscan.Release, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	var out []*chartscan.Release
	err := s.Store.List(ctx, chartscan.ReleasesPrefix, func(o chartscan.ObjectInfo) error {
		if !strings.HasSuffix(o.Key, ".json") {
			return nil
		}
		var r chartscan.Release
		if err := chartscan.GetJSON(ctx, s.Store, o.Key, &r); err != nil {
			return err
		}
		if mrn == "" || sameMRN(r.MRN, mrn) {
			out = append(out, &r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, k int) bool { return out[i].CreatedAt.After(out[k].CreatedAt) })
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = string(r.ID)
	}
	return recorded(out, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionReleaseView, Detail: "list: " + strings.Join(ids, ",")}))
}

// Disclosures returns the accounting of disclosures of a patient (HIPAA
// §164.528): every approved release of the patient's records, oldest
// first, when, to whom and why. Technician role.
func (s *Service) Disclosures(ctx context.Context, a chartscan.Actor, mrn string) ([]chartscan.Disclosure, error) {
	if err := grant(a, chartscan.RoleTechnician); err != nil {
		return nil, err
	}
	mrn = strings.TrimSpace(mrn)
	if mrn == "" || !mrnRE.MatchString(mrn) {
		return nil, chartscan.Errorf(chartscan.EINVALID, "malformed MRN")
	}
	out := []chartscan.Disclosure{}
	err := s.Store.List(ctx, chartscan.DisclosuresPrefix(mrn), func(o chartscan.ObjectInfo) error {
		var d chartscan.Disclosure
		if err := chartscan.GetJSON(ctx, s.Store, o.Key, &d); err != nil {
			return err
		}
		if r, err := s.loadRelease(ctx, d.Release); err != nil || r.Status != chartscan.ReleaseApproved || !sameMRN(r.MRN, mrn) {
			return nil // not (yet) a disclosure
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Date.Before(out[k].Date) })
	return recorded(out, s.record(a, http.StatusOK, audit.Entry{Action: audit.ActionDisclosures, Detail: fmt.Sprintf("%d disclosures", len(out))}))
}

func (s *Service) loadRelease(ctx context.Context, id chartscan.ReleaseID) (*chartscan.Release, error) {
	if !id.Valid() {
		return nil, chartscan.Errorf(chartscan.EINVALID, "malformed release id")
	}
	var r chartscan.Release
	if err := chartscan.GetJSON(ctx, s.Store, chartscan.ReleaseKey(id), &r); err != nil {
		if chartscan.IsNotFound(err) {
			return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no release %s", id)
		}
		return nil, err
	}
	return &r, nil
}

// loadDoc reads a manifest; ENOTFOUND for a malformed or unknown id.
func (s *Service) loadDoc(ctx context.Context, id chartscan.DocumentID) (*chartscan.Document, error) {
	if _, _, err := chartscan.ParseDocumentID(string(id)); err != nil {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no document %s", id)
	}
	return chartscan.LoadDocument(ctx, s.Store, id)
}

func sameMRN(a, b string) bool {
	return a != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

func printable(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0
}

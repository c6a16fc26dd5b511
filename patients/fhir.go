package patients

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"chartscan"
)

// FHIR is a patient index asked over FHIR R4: the Patient search of an
// EHR or MPI (GET [base]/Patient?identifier=..., ?family=&given=&birthdate=),
// with a bearer token. It holds no data itself and is safe for
// concurrent use. Every failure to get an answer (the server down, slow,
// refusing the token, answering something that is not a Bundle) is an
// EUNAVAILABLE error.
type FHIR struct {
	base   *url.URL
	token  string
	client *http.Client
	// MaxPages bounds the pages of one search that are followed by
	// their "next" links; 0 means 5.
	MaxPages int
}

// FHIRTimeout bounds one request to the FHIR server when NewFHIR is given
// no client.
const FHIRTimeout = 10 * time.Second

// NewFHIR returns the index at the FHIR base URL (http or https), asked
// with the bearer token (none when ""). client may be nil for one with
// FHIRTimeout.
func NewFHIR(base, token string, client *http.Client) (*FHIR, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, chartscan.Errorf(chartscan.EINVALID, "FHIR base URL must be http(s)://host/path")
	}
	if client == nil {
		client = &http.Client{Timeout: FHIRTimeout}
	}
	return &FHIR{base: u, token: token, client: client}, nil
}

// Patient implements chartscan.PatientIndex: the Patient with an
// identifier of that value. Several such patients are ECONFLICT unless
// exactly one carries it as its medical record number (type MR).
func (f *FHIR) Patient(ctx context.Context, mrn string) (*chartscan.Patient, error) {
	key := mrnKey(mrn)
	if key == "" {
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no patient with that MRN")
	}
	res, err := f.search(ctx, url.Values{"identifier": {key}, "_count": {"20"}})
	if err != nil {
		return nil, err
	}
	var found, typed []chartscan.Patient
	for _, r := range res {
		for _, id := range r.Identifier {
			if mrnKey(id.Value) == key {
				p := r.patient(key)
				found = append(found, p)
				if id.isMR() {
					typed = append(typed, p)
				}
				break
			}
		}
	}
	switch {
	case len(found) == 1:
		return &found[0], nil
	case len(found) == 0:
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no patient with that MRN")
	case len(typed) == 1:
		return &typed[0], nil
	}
	return nil, chartscan.Errorf(chartscan.ECONFLICT, "the MRN names %d patients in the patient index", len(found))
}

// FindPatients implements chartscan.PatientIndex with a Patient search
// by family, given and birthdate. The server's own name matching (by
// the beginning of the name) may return more patients than match.
func (f *FHIR) FindPatients(ctx context.Context, q chartscan.PatientQuery) ([]chartscan.Patient, error) {
	v := url.Values{"_count": {"100"}}
	if s := strings.TrimSpace(q.FamilyName); s != "" {
		v.Set("family", s)
	}
	if s := strings.TrimSpace(q.GivenName); s != "" {
		v.Set("given", s)
	}
	if q.DOB != "" {
		v.Set("birthdate", q.DOB)
	}
	if len(v) == 1 {
		return nil, chartscan.Errorf(chartscan.EINVALID, "a patient search needs a name or a date of birth")
	}
	res, err := f.search(ctx, v)
	if err != nil {
		return nil, err
	}
	out := []chartscan.Patient{}
	for _, r := range res {
		out = append(out, r.patient(""))
	}
	return out, nil
}

// search runs a Patient search and returns the Patient resources of
// every page, following "next" links on the same server only (the token
// goes nowhere else).
func (f *FHIR) search(ctx context.Context, v url.Values) ([]fhirPatient, error) {
	u := *f.base
	u.Path += "/Patient/_search"
	next := u.String()
	maxPages := f.MaxPages
	if maxPages <= 0 {
		maxPages = 5
	}
	var out []fhirPatient
	for page := 0; next != "" && page < maxPages; page++ {
		var (
			b   []byte
			err error
		)
		if page == 0 {
			// POST, not GET with a query: the name, birth date and MRN
			// searched for stay out of the access logs of the server and
			// of every proxy on the way (FHIR R4 search, 3.1.1.0.2).
			b, err = f.do(ctx, http.MethodPost, next, v.Encode())
		} else {
			b, err = f.do(ctx, http.MethodGet, next, "")
		}
		if err != nil {
			return nil, err
		}
		var bundle fhirBundle
		if err := json.Unmarshal(b, &bundle); err != nil || bundle.ResourceType != "Bundle" {
			return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "patient index answered something that is not a FHIR Bundle")
		}
		for _, e := range bundle.Entry {
			if e.Resource.ResourceType == "Patient" && (e.Search.Mode == "" || e.Search.Mode == "match") {
				out = append(out, e.Resource)
			}
		}
		next = ""
		for _, l := range bundle.Link {
			if l.Relation == "next" {
				if nu, err := url.Parse(l.URL); err == nil {
					nu = f.base.ResolveReference(nu)
					if nu.Scheme == f.base.Scheme && nu.Host == f.base.Host {
						next = nu.String()
					}
				}
			}
		}
	}
	return out, nil
}

// do sends one request to the server, with form a form-encoded body
// unless it is empty, and returns the body of a 200 answer.
func (f *FHIR) do(ctx context.Context, method, u, form string) ([]byte, error) {
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, chartscan.WrapError(chartscan.EINTERNAL, err, "patient index request")
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/fhir+json")
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		// The URL (with a patient's name or MRN in its query) stays out
		// of the message.
		return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "patient index cannot be reached (%s)", netReason(ctx, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "patient index answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, chartscan.Errorf(chartscan.EUNAVAILABLE, "patient index answer cut off (%s)", netReason(ctx, err))
	}
	return b, nil
}

// netReason says why a request failed, without its URL.
func netReason(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil:
		return ctx.Err().Error()
	case strings.Contains(err.Error(), "Client.Timeout"), strings.Contains(err.Error(), "timeout"):
		return "timed out"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	}
	return "network error"
}

// The parts of FHIR R4 resources read here.
type fhirBundle struct {
	ResourceType string `json:"resourceType"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		Resource fhirPatient `json:"resource"`
		Search   struct {
			Mode string `json:"mode"`
		} `json:"search"`
	} `json:"entry"`
}

type fhirPatient struct {
	ResourceType string           `json:"resourceType"`
	Identifier   []fhirIdentifier `json:"identifier"`
	Name         []struct {
		Use    string   `json:"use"`
		Text   string   `json:"text"`
		Family string   `json:"family"`
		Given  []string `json:"given"`
	} `json:"name"`
	BirthDate string `json:"birthDate"`
}

type fhirIdentifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
	Type   struct {
		Coding []struct {
			Code string `json:"code"`
		} `json:"coding"`
	} `json:"type"`
}

// isMR reports whether the identifier is typed a medical record number
// (HL7 v2 table 0203 code MR).
func (id fhirIdentifier) isMR() bool {
	for _, c := range id.Type.Coding {
		if c.Code == "MR" {
			return true
		}
	}
	return false
}

// patient returns the resource as a chartscan Patient. Its MRN is the
// identifier of value mrn when given, else the one typed MR, else the
// first; its name the official one, else the first.
func (r fhirPatient) patient(mrn string) chartscan.Patient {
	var p chartscan.Patient
	for _, id := range r.Identifier {
		if mrn != "" && mrnKey(id.Value) == mrn {
			p.MRN = mrn
			break
		}
	}
	if p.MRN == "" {
		for _, id := range r.Identifier {
			if id.isMR() && id.Value != "" {
				p.MRN = mrnKey(id.Value)
				break
			}
		}
	}
	if p.MRN == "" && len(r.Identifier) > 0 {
		p.MRN = mrnKey(r.Identifier[0].Value)
	}
	n := -1
	for i, nm := range r.Name {
		if n < 0 || nm.Use == "official" && r.Name[n].Use != "official" {
			n = i
		}
	}
	if n >= 0 {
		p.FamilyName, p.GivenName = r.Name[n].Family, strings.Join(r.Name[n].Given, " ")
	}
	if len(r.BirthDate) == 10 && validDate(r.BirthDate) {
		p.DOB = r.BirthDate
	}
	return p
}

// String describes the index for logs: the server, never a token.
func (f *FHIR) String() string { return fmt.Sprintf("FHIR %s://%s", f.base.Scheme, f.base.Host) }

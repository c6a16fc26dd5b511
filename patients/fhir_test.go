package patients_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chartscan"
	"chartscan/patients"
	"chartscan/patients/patientstest"
)

// fhirServer is a FHIR R4 server's Patient search over ps, the way EHRs
// answer it: Bundles of type searchset, pages of a few entries linked by
// "next", identifiers typed with HL7 v2 table 0203, official and usual
// names, string search by the beginning of the name ignoring case and
// accents, a bearer token required.
func fhirServer(t *testing.T, ps []chartscan.Patient, token string) *httptest.Server {
	t.Helper()
	const pageSize = 3
	var (
		mu    sync.Mutex
		pages = map[string]url.Values{} // the searches of the next links
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"resourceType": "OperationOutcome", "issue": []any{map[string]any{"severity": "error", "code": "login"}}})
			return
		}
		// A search comes as POST Patient/_search with a form body; its
		// further pages by an opaque token, as servers page them. What
		// is searched for never comes in a URL.
		mu.Lock()
		paged := pages[r.URL.Query().Get("_page")]
		mu.Unlock()
		var q url.Values
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/fhir/Patient/_search" && r.URL.RawQuery == "":
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			q = r.PostForm
		case r.Method == http.MethodGet && r.URL.Path == "/fhir/Patient" && paged != nil:
			q = paged
		default:
			t.Errorf("patient index asked %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		var match []chartscan.Patient
		for _, p := range ps {
			if v := q.Get("identifier"); v != "" && !strings.EqualFold(v, p.MRN) {
				continue
			}
			if v := q.Get("family"); v != "" && !strings.HasPrefix(patients.NameKey(p.FamilyName), patients.NameKey(v)) {
				continue
			}
			if v := q.Get("given"); v != "" && !strings.HasPrefix(patients.NameKey(p.GivenName), patients.NameKey(v)) {
				continue
			}
			if v := q.Get("birthdate"); v != "" && v != p.DOB {
				continue
			}
			match = append(match, p)
		}
		off, _ := strconv.Atoi(q.Get("_offset"))
		end := min(off+pageSize, len(match))
		bundle := map[string]any{
			"resourceType": "Bundle", "type": "searchset", "total": len(match),
			"link": []any{map[string]any{"relation": "self", "url": "http://" + r.Host + r.URL.RequestURI()}},
		}
		if end < len(match) {
			next := url.Values{}
			for k, v := range q {
				next[k] = v
			}
			next.Set("_offset", strconv.Itoa(end))
			mu.Lock()
			token := strconv.Itoa(len(pages) + 1)
			pages[token] = next
			mu.Unlock()
			bundle["link"] = append(bundle["link"].([]any), map[string]any{"relation": "next", "url": "http://" + r.Host + "/fhir/Patient?_page=" + token})
		}
		var entries []any
		for _, p := range match[min(off, len(match)):end] {
			res := map[string]any{
				"resourceType": "Patient", "id": "pt-" + p.MRN,
				"identifier": []any{
					map[string]any{"use": "secondary", "type": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "SS"}}}, "system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-00-" + p.MRN[len(p.MRN)-4:]},
					map[string]any{"use": "usual", "type": map[string]any{"coding": []any{map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}}}, "system": "urn:oid:2.16.840.1.113883.3.0", "value": p.MRN},
				},
				"name": []any{
					map[string]any{"use": "usual", "given": []string{"Nick"}},
					map[string]any{"use": "official", "family": p.FamilyName, "given": strings.Fields(p.GivenName)},
				},
			}
			if p.DOB != "" {
				res["birthDate"] = p.DOB
			}
			entries = append(entries, map[string]any{"fullUrl": "http://" + r.Host + "/fhir/Patient/pt-" + p.MRN, "resource": res, "search": map[string]any{"mode": "match"}})
		}
		if entries != nil {
			bundle["entry"] = entries
		}
		w.Header().Set("Content-Type", "application/fhir+json")
		json.NewEncoder(w).Encode(bundle)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFHIRConformance(t *testing.T) {
	patientstest.Test(t, func(t *testing.T, ps []chartscan.Patient) chartscan.PatientIndex {
		srv := fhirServer(t, ps, "s3cret")
		idx, err := patients.NewFHIR(srv.URL+"/fhir/", "s3cret", nil)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	})
}

// Whatever keeps the server from answering is EUNAVAILABLE, with a
// message that carries neither the token nor the patient searched for.
func TestFHIRUnavailable(t *testing.T) {
	ctx := context.Background()
	srv := fhirServer(t, patientstest.Patients, "s3cret")
	check := func(name string, idx *patients.FHIR) {
		t.Helper()
		_, err := idx.Patient(ctx, "10000001")
		if chartscan.ErrorCode(err) != chartscan.EUNAVAILABLE {
			t.Errorf("%s: Patient: %v, want EUNAVAILABLE", name, err)
		}
		_, err2 := idx.FindPatients(ctx, chartscan.PatientQuery{FamilyName: "Smith"})
		if chartscan.ErrorCode(err2) != chartscan.EUNAVAILABLE {
			t.Errorf("%s: FindPatients: %v, want EUNAVAILABLE", name, err2)
		}
		for _, e := range []error{err, err2} {
			if e != nil && (strings.Contains(e.Error(), "s3cret") || strings.Contains(e.Error(), "10000001") || strings.Contains(e.Error(), "Smith")) {
				t.Errorf("%s: error holds the token or PHI: %v", name, e)
			}
		}
	}
	wrong, _ := patients.NewFHIR(srv.URL+"/fhir", "wrong", nil)
	check("wrong token", wrong)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	gone, _ := patients.NewFHIR(downURL+"/fhir", "s3cret", nil)
	check("server down", gone)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	sl, _ := patients.NewFHIR(slow.URL+"/fhir", "s3cret", &http.Client{Timeout: 200 * time.Millisecond})
	check("slow server", sl)
	for name, body := range map[string]string{"not JSON": "<html>login</html>", "not a Bundle": `{"resourceType":"OperationOutcome"}`} {
		bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		defer bad.Close()
		b, _ := patients.NewFHIR(bad.URL+"/fhir", "s3cret", nil)
		check(name, b)
	}
	errSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer errSrv.Close()
	e5, _ := patients.NewFHIR(errSrv.URL+"/fhir", "s3cret", nil)
	check("503", e5)
	if _, err := patients.NewFHIR("ftp://example.org/fhir", "", nil); chartscan.ErrorCode(err) != chartscan.EINVALID {
		t.Errorf("ftp base: %v", err)
	}
}

// A "next" link to another server is not followed: the token would go
// with it.
func TestFHIRStaysOnItsServer(t *testing.T) {
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = leaked || r.Header.Get("Authorization") != ""
		w.Write([]byte(`{"resourceType":"Bundle","type":"searchset"}`))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"` + other.URL + `/fhir/Patient?page=2"}],
			"entry":[{"resource":{"resourceType":"Patient","identifier":[{"value":"10000001"}],"name":[{"family":"Smith","given":["John"]}],"birthDate":"1957-04-12"}}]}`))
	}))
	defer srv.Close()
	idx, _ := patients.NewFHIR(srv.URL, "s3cret", nil)
	ps, err := idx.FindPatients(context.Background(), chartscan.PatientQuery{FamilyName: "Smith"})
	if err != nil || len(ps) != 1 || ps[0].MRN != "10000001" {
		t.Errorf("FindPatients = %+v, %v", ps, err)
	}
	if leaked {
		t.Error("token sent to another server")
	}
}

// Two patients carrying the same identifier value: the one that has it
// as its medical record number is the patient; with none so typed it is
// a conflict.
func TestFHIRIdentifierTypes(t *testing.T) {
	body := func(typed bool) string {
		code := `"type":{"coding":[{"code":"MR"}]},`
		if !typed {
			code = ""
		}
		return `{"resourceType":"Bundle","type":"searchset","entry":[
			{"resource":{"resourceType":"Patient","identifier":[{"type":{"coding":[{"code":"AN"}]},"value":"555123"}],"name":[{"family":"Roe","given":["Rick"]}]}},
			{"resource":{"resourceType":"Patient","identifier":[{` + code + `"value":"555123"}],"name":[{"family":"Doe","given":["Jane"]}],"birthDate":"1957-04-12"}}]}`
	}
	for _, typed := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body(typed))) }))
		idx, _ := patients.NewFHIR(srv.URL, "", nil)
		p, err := idx.Patient(context.Background(), "555123")
		switch {
		case typed && (err != nil || p.FamilyName != "Doe"):
			t.Errorf("typed: %+v, %v", p, err)
		case !typed && chartscan.ErrorCode(err) != chartscan.ECONFLICT:
			t.Errorf("untyped: %+v, %v, want ECONFLICT", p, err)
		}
		srv.Close()
	}
}

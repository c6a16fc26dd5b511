// Package apitest checks HTTP exchanges with chartscan's API against its
// OpenAPI document (api/openapi.yaml), with kin-openapi: tests pass every
// request they make and every answer they get through a Validator, so the
// document cannot drift from what the server does.
package apitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"chartscan/api"
)

// Validator checks exchanges against the OpenAPI document. It is safe
// for concurrent use.
type Validator struct {
	Doc    *openapi3.T
	router routers.Router

	mu      sync.Mutex
	checked map[string]int // "METHOD /path/template" -> exchanges checked
}

var (
	once   sync.Once
	shared *Validator
	err    error
)

// New returns the validator of the embedded document, which must itself
// be a valid OpenAPI 3.0 document.
func New(tb testing.TB) *Validator {
	tb.Helper()
	once.Do(func() {
		loader := openapi3.NewLoader()
		doc, lerr := loader.LoadFromData(api.OpenAPI)
		if lerr != nil {
			err = fmt.Errorf("api/openapi.yaml does not load: %w", lerr)
			return
		}
		if verr := doc.Validate(context.Background()); verr != nil {
			err = fmt.Errorf("api/openapi.yaml is not valid OpenAPI: %w", verr)
			return
		}
		r, rerr := gorillamux.NewRouter(doc)
		if rerr != nil {
			err = rerr
			return
		}
		shared = &Validator{Doc: doc, router: r, checked: map[string]int{}}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return shared
}

// Check validates one exchange: the request req with body reqBody (nil
// for none) and the answer resp with body respBody. The answer must always
// be one the document describes (status, content type, schema). An
// answered 2xx means the server took the request, so the request must
// then be valid by the document too: the server must never accept what
// the document forbids. Requests answered 4xx may be invalid by the
// document as well (the document may be stricter than the server, never
// laxer). A request for a path the document does not have must be
// answered 404 or 405.
func (v *Validator) Check(tb testing.TB, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	tb.Helper()
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, ferr := v.router.FindRoute(r)
	if ferr != nil {
		// What the document does not have, the API must not serve (the UI
		// under /ui/ and the FHIR facade are described elsewhere).
		if strings.HasPrefix(req.URL.Path, "/api/") && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			tb.Errorf("OpenAPI: %s %s is not in api/openapi.yaml, yet the server answered %d: %v", req.Method, req.URL.Path, resp.StatusCode, ferr)
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: bearerPresent,
			MultiError:         true,
		},
	}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && resp.StatusCode < 300 {
		tb.Errorf("OpenAPI: the server answered %d to %s %s, which api/openapi.yaml calls invalid: %v", resp.StatusCode, req.Method, route.Path, reqErr)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		tb.Errorf("OpenAPI: the answer %d to %s %s does not match api/openapi.yaml: %v", resp.StatusCode, req.Method, route.Path, err)
	}
	v.mu.Lock()
	v.checked[req.Method+" "+route.Path]++
	v.mu.Unlock()
}

// Checked returns how many exchanges were checked per "METHOD /path".
func (v *Validator) Checked() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.checked))
	for k, n := range v.checked {
		out[k] = n
	}
	return out
}

// bearerPresent stands in for authentication: the server decides whether
// a token is valid; the document only says one is needed.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearer" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	if h := in.RequestValidationInput.Request.Header.Get("Authorization"); len(h) > len("Bearer ") && h[:7] == "Bearer " {
		return nil
	}
	return fmt.Errorf("no bearer token")
}

// Package fhir speaks FHIR R4 for chartscan: the resources it emits
// (DocumentReference, Binary, Bundle, AuditEvent, CapabilityStatement,
// OperationOutcome) as small structs of their own, the conversion of
// chartscan's records to them, and the facade served under /fhir/r4.
//
// Only the elements chartscan fills are declared; every resource emitted
// is held against the R4 StructureDefinitions in the tests. The Go FHIR
// model libraries are unmaintained, so none is used.
package fhir

import "encoding/json"

// Systems and extensions of chartscan's own. Each is documented in the
// README ("EHR export").
const (
	// SystemDocument identifies a document by its chartscan id: the
	// masterIdentifier of every DocumentReference.
	SystemDocument = "urn:chartscan:document"
	// SystemSection is chartscan's chart section, the second coding of
	// every DocumentReference type.
	SystemSection = "urn:chartscan:section"
	// SystemBatch identifies the batch (scanned file) a document came from.
	SystemBatch = "urn:chartscan:batch"
	// SystemSourceSHA256 identifies the scanned file by the SHA-256 of its
	// bytes, in hex.
	SystemSourceSHA256 = "urn:chartscan:source-sha256"
	// SystemActor names a user or token holder in AuditEvent agents.
	SystemActor = "urn:chartscan:actor"
	// SystemRole is the chartscan role of an agent.
	SystemRole = "urn:chartscan:role"
	// SystemAction is the chartscan audit action of an AuditEvent.
	SystemAction = "urn:chartscan:audit-action"
	// SystemNode names a chartscan node (AuditEvent source.observer).
	SystemNode = "urn:chartscan:node"
	// SystemPage identifies a page of a batch.
	SystemPage = "urn:chartscan:page"
	// ExtCapture is the complex extension of a DocumentReference carrying
	// its provenance: station, source, sourceSha256, batch, captured,
	// software (see CaptureExtension).
	ExtCapture = "urn:chartscan:extension:capture"

	SystemLOINC = "http://loinc.org"
)

// Coding is a code from a system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept as codings and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	Use    string `json:"use,omitempty"`
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Reference points at another resource: literally (Reference) or by
// its business identifier.
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Period is a time span; either end may be open.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Attachment is content by reference.
type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Hash        string `json:"hash,omitempty"` // base64 SHA-1
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

// Extension is an extension: a value, or extensions of its own.
type Extension struct {
	URL          string      `json:"url"`
	Extension    []Extension `json:"extension,omitempty"`
	ValueString  string      `json:"valueString,omitempty"`
	ValueInstant string      `json:"valueInstant,omitempty"`
}

// Meta is a resource's version and change time.
type Meta struct {
	VersionID   string `json:"versionId,omitempty"`
	LastUpdated string `json:"lastUpdated,omitempty"`
}

// DocumentReference describes a document: who it is about, what kind it
// is, when, and where its content is.
type DocumentReference struct {
	ResourceType     string                 `json:"resourceType"`
	ID               string                 `json:"id,omitempty"`
	Meta             *Meta                  `json:"meta,omitempty"`
	Extension        []Extension            `json:"extension,omitempty"`
	MasterIdentifier *Identifier            `json:"masterIdentifier,omitempty"`
	Identifier       []Identifier           `json:"identifier,omitempty"`
	Status           string                 `json:"status"`
	DocStatus        string                 `json:"docStatus,omitempty"`
	Type             *CodeableConcept       `json:"type,omitempty"`
	Category         []CodeableConcept      `json:"category,omitempty"`
	Subject          *Reference             `json:"subject,omitempty"`
	Date             string                 `json:"date,omitempty"`
	RelatesTo        []RelatesTo            `json:"relatesTo,omitempty"`
	Description      string                 `json:"description,omitempty"`
	Content          []DocumentContent      `json:"content"`
	Context          *DocumentReferenceCtxt `json:"context,omitempty"`
}

// RelatesTo is a relationship to another document.
type RelatesTo struct {
	Code   string    `json:"code"`
	Target Reference `json:"target"`
}

// DocumentContent is one content of a document.
type DocumentContent struct {
	Attachment Attachment `json:"attachment"`
}

// DocumentReferenceCtxt is the clinical context of a document.
type DocumentReferenceCtxt struct {
	Encounter []Reference `json:"encounter,omitempty"`
	Period    *Period     `json:"period,omitempty"`
	Related   []Reference `json:"related,omitempty"`
}

// Binary is raw content: a document's PDF.
type Binary struct {
	ResourceType    string     `json:"resourceType"`
	ID              string     `json:"id,omitempty"`
	Meta            *Meta      `json:"meta,omitempty"`
	ContentType     string     `json:"contentType"`
	SecurityContext *Reference `json:"securityContext,omitempty"`
	Data            []byte     `json:"data,omitempty"` // base64 in JSON
}

// Bundle is a searchset answer or a transaction.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Meta         *Meta         `json:"meta,omitempty"`
	Type         string        `json:"type"`
	Timestamp    string        `json:"timestamp,omitempty"`
	Total        *int          `json:"total,omitempty"`
	Link         []BundleLink  `json:"link,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// BundleLink is a link of a searchset (self, next, previous).
type BundleLink struct {
	Relation string `json:"relation"`
	URL      string `json:"url"`
}

// BundleEntry is one entry of a bundle.
type BundleEntry struct {
	FullURL  string          `json:"fullUrl,omitempty"`
	Resource json.RawMessage `json:"resource,omitempty"`
	Search   *BundleSearch   `json:"search,omitempty"`
	Request  *BundleRequest  `json:"request,omitempty"`
	Response *BundleResponse `json:"response,omitempty"`
}

// BundleSearch says why an entry is in a searchset.
type BundleSearch struct {
	Mode string `json:"mode,omitempty"` // match | include | outcome
}

// BundleRequest is what a transaction entry asks.
type BundleRequest struct {
	Method      string `json:"method"`
	URL         string `json:"url"`
	IfNoneExist string `json:"ifNoneExist,omitempty"`
}

// BundleResponse is what a server answered a transaction entry.
type BundleResponse struct {
	Status   string          `json:"status"`
	Location string          `json:"location,omitempty"`
	Outcome  json.RawMessage `json:"outcome,omitempty"`
}

// OperationOutcome says what went wrong (or what to know).
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one issue of an OperationOutcome.
type Issue struct {
	Severity    string   `json:"severity"` // fatal | error | warning | information
	Code        string   `json:"code"`     // invalid, not-supported, not-found, login, forbidden, ...
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

// AuditEvent is one access, from the audit log.
type AuditEvent struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Type         Coding        `json:"type"`
	Subtype      []Coding      `json:"subtype,omitempty"`
	Action       string        `json:"action,omitempty"`
	Recorded     string        `json:"recorded"`
	Outcome      string        `json:"outcome,omitempty"`
	OutcomeDesc  string        `json:"outcomeDesc,omitempty"`
	Agent        []AuditAgent  `json:"agent"`
	Source       AuditSource   `json:"source"`
	Entity       []AuditEntity `json:"entity,omitempty"`
}

// AuditAgent is who took part.
type AuditAgent struct {
	Role      []CodeableConcept `json:"role,omitempty"`
	Who       *Reference        `json:"who,omitempty"`
	Name      string            `json:"name,omitempty"`
	Requestor bool              `json:"requestor"`
	Network   *AuditNetwork     `json:"network,omitempty"`
}

// AuditNetwork is where an agent connected from.
type AuditNetwork struct {
	Address string `json:"address,omitempty"`
	Type    string `json:"type,omitempty"` // 2: IP address
}

// AuditSource is who recorded the event.
type AuditSource struct {
	Site     string    `json:"site,omitempty"`
	Observer Reference `json:"observer"`
	Type     []Coding  `json:"type,omitempty"`
}

// AuditEntity is what was accessed.
type AuditEntity struct {
	What        *Reference `json:"what,omitempty"`
	Type        *Coding    `json:"type,omitempty"`
	Role        *Coding    `json:"role,omitempty"`
	Description string     `json:"description,omitempty"`
	Query       []byte     `json:"query,omitempty"` // base64 in JSON
}

// CapabilityStatement says what the facade serves.
type CapabilityStatement struct {
	ResourceType   string                   `json:"resourceType"`
	Status         string                   `json:"status"`
	Date           string                   `json:"date"`
	Publisher      string                   `json:"publisher,omitempty"`
	Kind           string                   `json:"kind"`
	Software       *CapabilitySoftware      `json:"software,omitempty"`
	Implementation *CapabilityImplementaton `json:"implementation,omitempty"`
	FHIRVersion    string                   `json:"fhirVersion"`
	Format         []string                 `json:"format"`
	Rest           []CapabilityRest         `json:"rest"`
}

// CapabilitySoftware names the software.
type CapabilitySoftware struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// CapabilityImplementaton describes this installation.
type CapabilityImplementaton struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

// CapabilityRest is the server side of the REST interface.
type CapabilityRest struct {
	Mode          string               `json:"mode"`
	Documentation string               `json:"documentation,omitempty"`
	Security      *CapabilitySecurity  `json:"security,omitempty"`
	Resource      []CapabilityResource `json:"resource"`
}

// CapabilitySecurity says how clients authenticate.
type CapabilitySecurity struct {
	Description string `json:"description,omitempty"`
}

// CapabilityResource is one resource type served.
type CapabilityResource struct {
	Type          string                  `json:"type"`
	Documentation string                  `json:"documentation,omitempty"`
	Interaction   []CapabilityInteraction `json:"interaction"`
	SearchParam   []CapabilitySearchParam `json:"searchParam,omitempty"`
}

// CapabilityInteraction is one interaction (read, search-type).
type CapabilityInteraction struct {
	Code string `json:"code"`
}

// CapabilitySearchParam is one search parameter accepted.
type CapabilitySearchParam struct {
	Name          string `json:"name"`
	Definition    string `json:"definition,omitempty"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

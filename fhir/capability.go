package fhir

import "time"

// Capabilities is the CapabilityStatement of the facade: exactly the
// resources, interactions and search parameters it serves, as of started.
func Capabilities(version string, started time.Time, baseURL string) *CapabilityStatement {
	count := CapabilitySearchParam{Name: "_count", Type: "number",
		Documentation: "entries per page: 0 for the total only; at most 100 (1000 for AuditEvent), a larger count is answered with that many"}
	offset := CapabilitySearchParam{Name: "_offset", Type: "number",
		Documentation: "entries to skip (0 to 10000), as the next and previous links give it"}
	return &CapabilityStatement{
		ResourceType: "CapabilityStatement",
		Status:       "active",
		Date:         Instant(started),
		Publisher:    "chartscan",
		Kind:         "instance",
		Software:     &CapabilitySoftware{Name: "chartscan", Version: version},
		Implementation: &CapabilityImplementaton{
			Description: "chartscan: scanned paper medical records, as DocumentReference and Binary, and its audit trail as AuditEvent",
			URL:         baseURL,
		},
		FHIRVersion: "4.0.1",
		Format:      []string{"application/fhir+json", "json"},
		Rest: []CapabilityRest{{
			Mode: "server",
			Documentation: "Reads and searches only. Unknown or malformed search parameters, modifiers and prefixes are refused " +
				"with 400 and an OperationOutcome, never ignored.",
			Security: &CapabilitySecurity{Description: "Authorization: Bearer <chartscan API token>. DocumentReference and Binary need " +
				"the technician role, AuditEvent the admin role. metadata needs none. Every access is in chartscan's audit log."},
			Resource: []CapabilityResource{
				{
					Type: "DocumentReference",
					Documentation: "One scanned document: masterIdentifier " + SystemDocument + "|<document id>, type LOINC and " +
						SystemSection + ", subject by MRN, date = capture time, context.period.start = service date, " +
						"provenance in extension " + ExtCapture + ".",
					Interaction: []CapabilityInteraction{{Code: "read"}, {Code: "search-type"}},
					SearchParam: []CapabilitySearchParam{
						{Name: "patient.identifier", Type: "token",
							Documentation: "SYSTEM|MRN of the patient (the system is config fhir.mrn_system; another system finds nothing). " +
								"Required unless identifier is given."},
						{Name: "identifier", Definition: "http://hl7.org/fhir/SearchParameter/clinical-identifier", Type: "token",
							Documentation: SystemDocument + "|<document id>"},
						{Name: "type", Definition: "http://hl7.org/fhir/SearchParameter/clinical-type", Type: "token",
							Documentation: "http://loinc.org|CODE or " + SystemSection + "|SECTION; a code without system matches either; commas for any of several"},
						{Name: "date", Definition: "http://hl7.org/fhir/SearchParameter/DocumentReference-date", Type: "date",
							Documentation: "the capture time; prefixes eq (default), ge, gt, le, lt; YYYY, YYYY-MM, YYYY-MM-DD or a time (UTC unless a zone is given); repeat for a range"},
						count, offset,
					},
				},
				{
					Type:          "Binary",
					Documentation: "Binary/<document id>: the document's PDF for Accept application/pdf (or any), a Binary resource for application/fhir+json.",
					Interaction:   []CapabilityInteraction{{Code: "read"}},
				},
				{
					Type:          "AuditEvent",
					Documentation: "chartscan's hash-chained audit log, newest first. Admin role.",
					Interaction:   []CapabilityInteraction{{Code: "search-type"}},
					SearchParam: []CapabilitySearchParam{
						{Name: "date", Definition: "http://hl7.org/fhir/SearchParameter/AuditEvent-date", Type: "date",
							Documentation: "when the access was recorded; prefixes as for DocumentReference"},
						{Name: "agent", Type: "string", Documentation: "the user or token name, exactly"},
						count, offset,
					},
				},
			},
		}},
	}
}

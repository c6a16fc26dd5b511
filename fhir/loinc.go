package fhir

import "chartscan"

// DocumentType is the LOINC document type of a chart section, as the
// product contract fixes it.
type DocumentType struct {
	LOINC   string // "" for a section without one (face_sheet)
	Display string // the LOINC display name
}

// documentTypes maps every chart section to its LOINC document type.
var documentTypes = map[chartscan.Section]DocumentType{
	chartscan.SectionFaceSheet:        {},
	chartscan.SectionConsent:          {"59284-0", "Patient Consent"},
	chartscan.SectionHistoryPhysical:  {"34117-2", "History and physical note"},
	chartscan.SectionProgressNotes:    {"11506-3", "Progress note"},
	chartscan.SectionConsultation:     {"11488-4", "Consult note"},
	chartscan.SectionOrders:           {"46209-3", "Provider-unspecified Order"},
	chartscan.SectionOperative:        {"11504-8", "Surgical operation note"},
	chartscan.SectionLaboratory:       {"11502-2", "Laboratory report"},
	chartscan.SectionRadiology:        {"18748-4", "Diagnostic imaging study"},
	chartscan.SectionMedications:      {"80565-5", "Medication administration record"},
	chartscan.SectionNursing:          {"34746-8", "Nurse Note"},
	chartscan.SectionDischarge:        {"18842-5", "Discharge summary"},
	chartscan.SectionEmergency:        {"34111-5", "Emergency department Note"},
	chartscan.SectionCorrespondence:   {"56444-3", "Healthcare communication"},
	chartscan.SectionInsuranceBilling: {"48768-6", "Payment sources Document"},
	chartscan.SectionOther:            {"34109-9", "Note"},
}

// TypeOf returns the LOINC document type of a section (LOINC "" when it
// has none).
func TypeOf(s chartscan.Section) DocumentType { return documentTypes[s] }

// SectionsOfLOINC returns the sections whose document type is the LOINC
// code (none for a code of no section).
func SectionsOfLOINC(code string) []chartscan.Section {
	var out []chartscan.Section
	for _, s := range chartscan.Sections {
		if t := documentTypes[s]; t.LOINC != "" && t.LOINC == code {
			out = append(out, s)
		}
	}
	return out
}

// sectionNames are the sections as people read them.
var sectionNames = map[chartscan.Section]string{
	chartscan.SectionFaceSheet:        "Face sheet",
	chartscan.SectionConsent:          "Consent",
	chartscan.SectionHistoryPhysical:  "History and physical",
	chartscan.SectionProgressNotes:    "Progress notes",
	chartscan.SectionConsultation:     "Consultation",
	chartscan.SectionOrders:           "Orders",
	chartscan.SectionOperative:        "Operative",
	chartscan.SectionLaboratory:       "Laboratory",
	chartscan.SectionRadiology:        "Radiology",
	chartscan.SectionMedications:      "Medications",
	chartscan.SectionNursing:          "Nursing",
	chartscan.SectionDischarge:        "Discharge",
	chartscan.SectionEmergency:        "Emergency",
	chartscan.SectionCorrespondence:   "Correspondence",
	chartscan.SectionInsuranceBilling: "Insurance and billing",
	chartscan.SectionOther:            "Other",
}

// SectionName returns a section as people read it.
func SectionName(s chartscan.Section) string {
	if n := sectionNames[s]; n != "" {
		return n
	}
	return string(s)
}

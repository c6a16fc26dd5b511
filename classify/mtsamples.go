package classify

import (
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strings"

	"chartscan"
)

// MTSample is one transcribed note of the MTSamples corpus with the chart
// section it belongs to.
type MTSample struct {
	ID      string
	Section chartscan.Section
	Text    string
}

// specialtySections maps the MTSamples specialties whose notes are one kind
// of chart document to that section. Specialties that mix kinds (clinic
// specialties hold consults, op notes and letters alike) are left out.
var specialtySections = map[string]chartscan.Section{
	"Discharge Summary":             chartscan.SectionDischarge,
	"Emergency Room Reports":        chartscan.SectionEmergency,
	"Radiology":                     chartscan.SectionRadiology,
	"Lab Medicine - Pathology":      chartscan.SectionLaboratory,
	"Surgery":                       chartscan.SectionOperative,
	"SOAP / Chart / Progress Notes": chartscan.SectionProgressNotes,
	"Office Notes":                  chartscan.SectionProgressNotes,
	"Letters":                       chartscan.SectionCorrespondence,
	"Consult - History and Phy.":    "", // consultation or H&P, see consultOrHP
}

var consultRE = regexp.MustCompile(`(?i)\bconsult`)

// consultOrHP splits the MTSamples "Consult - History and Phy." notes: a
// note named or worded as a consultation is one; the rest are H&Ps.
func consultOrHP(name, text string) chartscan.Section {
	if consultRE.MatchString(name) || strings.Contains(strings.ToUpper(text), "REASON FOR CONSULT") {
		return chartscan.SectionConsultation
	}
	return chartscan.SectionHistoryPhysical
}

// headingRun restores the line breaks MTSamples flattened into commas:
// ",HEADER:," becomes a heading on its own line.
var (
	headingRun = regexp.MustCompile(`,\s*([A-Z][A-Z0-9 /&()'\-]{2,60}:)\s*,?`)
	commaRun   = regexp.MustCompile(`\s*,\s*,\s*`)
)

// ReadMTSamples reads the MTSamples CSV (columns note_id, description,
// medical_specialty, sample_name, transcription, keywords) and returns the
// notes of the specialties that map to one section, laid out in lines.
func ReadMTSamples(r io.Reader) ([]MTSample, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("mtsamples: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, need := range []string{"note_id", "medical_specialty", "sample_name", "transcription"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("mtsamples: no %s column", need)
		}
	}
	var out []MTSample
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("mtsamples: %w", err)
		}
		spec := strings.TrimSpace(rec[col["medical_specialty"]])
		sec, ok := specialtySections[spec]
		if !ok {
			continue
		}
		text := rec[col["transcription"]]
		if strings.TrimSpace(text) == "" {
			continue
		}
		if sec == "" {
			sec = consultOrHP(rec[col["sample_name"]], text)
		}
		text = headingRun.ReplaceAllString(text, "\n$1\n")
		text = commaRun.ReplaceAllString(text, "\n")
		out = append(out, MTSample{ID: rec[col["note_id"]], Section: sec, Text: text})
	}
}

// Package classify assigns chart sections to pages from their text.
package classify

import (
	"math"
	"regexp"
	"sort"
	"strings"

	"chartscan"
)

// Keywords is a classifier that scores each section by the headings and
// terms that documents of that section carry. A term found in a title line
// (one of the first lines of the page, or a line in capitals) counts more
// than one found in running text. The zero value is ready to use.
type Keywords struct{}

// rule is one scored term of a section.
type rule struct {
	re    *regexp.Regexp
	title float64 // weight when found in a title line
	body  float64 // weight when found elsewhere
}

func terms(title, body float64, words ...string) []rule {
	out := make([]rule, len(words))
	for i, w := range words {
		out[i] = rule{re: regexp.MustCompile(`(?i)\b` + w + `\b`), title: title, body: body}
	}
	return out
}

// rules are what pages of each section look like. Titles are worth most;
// section headings and characteristic terms follow.
var rules = map[chartscan.Section][]rule{
	chartscan.SectionFaceSheet: concat(
		terms(8, 2, `face ?sheet`, `patient registration`, `admission record`, `registration form`, `patient demographics`),
		terms(2, 1, `emergency contact`, `guarantor`, `marital status`, `religion`, `next of kin`, `admission type`, `primary care (?:physician|provider)`, `attending physician`, `sex`, `address`, `phone`),
	),
	chartscan.SectionConsent: concat(
		terms(8, 2, `consent`, `authorization (?:for|to)`, `informed consent`, `advance directive`, `release of (?:medical )?information`),
		terms(2, 1.5, `i hereby`, `i understand`, `i authorize`, `i consent`, `risks`, `alternatives`, `witness`, `signature of patient`, `patient signature`, `legal representative`, `voluntar(?:y|ily)`),
	),
	chartscan.SectionHistoryPhysical: concat(
		terms(8, 2, `history and physical`, `history & physical`, `h&p`, `admission history`),
		terms(2, 1, `chief complaint`, `history of present illness`, `past medical history`, `past surgical history`, `review of systems`, `physical exam(?:ination)?`, `social history`, `family history`, `allergies`),
	),
	chartscan.SectionProgressNotes: concat(
		terms(8, 2, `progress note`, `soap note`, `office visit`, `clinic note`, `follow[- ]up (?:visit|note)`, `daily note`),
		terms(2, 1, `subjective`, `objective`, `assessment`, `plan`, `interval history`, `vitals`),
	),
	chartscan.SectionConsultation: concat(
		terms(8, 2, `consultation`, `consult(?:ation)? (?:note|report)`),
		terms(2, 1.5, `reason for consultation`, `referring physician`, `thank you for (?:asking|allowing|the opportunity|this consultation)`, `recommendations`, `requesting physician`),
	),
	chartscan.SectionOrders: concat(
		terms(8, 2, `physician(?:'s)? orders`, `doctor(?:'s)? orders`, `admission orders`, `order sheet`, `orders`),
		terms(2, 1, `admit to`, `diet`, `activity`, `npo`, `iv fluids`, `notify (?:physician|md)`, `stat`, `read back`, `order(?:ed)? by`),
	),
	chartscan.SectionOperative: concat(
		terms(8, 2, `operative report`, `operation report`, `procedure note`, `operative note`, `surgical report`),
		terms(3, 1.5, `preoperative diagnosis`, `postoperative diagnosis`, `procedure performed`, `anesthesia`, `estimated blood loss`, `surgeon`, `assistant`, `description of (?:the )?procedure`, `findings`, `specimens?`, `complications`, `indications`),
	),
	chartscan.SectionLaboratory: concat(
		terms(8, 2, `laboratory`, `lab(?:oratory)? results?`, `lab report`, `pathology report`, `surgical pathology`, `cytology`, `microbiology`),
		terms(2, 1, `reference range`, `ref(?:erence)? range`, `specimen`, `collected`, `hemoglobin`, `hematocrit`, `wbc`, `platelets?`, `sodium`, `potassium`, `creatinine`, `glucose`, `bun`, `cbc`, `metabolic panel`, `culture`, `units`, `flag`, `final diagnosis`, `gross description`, `microscopic`),
	),
	chartscan.SectionRadiology: concat(
		terms(8, 2, `radiology`, `radiology report`, `imaging report`, `x-?ray`, `ct scan`, `mri`, `ultrasound`, `mammogra(?:m|phy)`, `diagnostic imaging`),
		terms(2, 1.5, `impression`, `findings`, `technique`, `comparison`, `contrast`, `views?`, `radiologist`, `exam(?:ination)?:`, `unremarkable`),
	),
	chartscan.SectionMedications: concat(
		terms(8, 2, `medication administration record`, `medication list`, `medication reconciliation`, `mar`, `prescriptions?`),
		terms(2, 1, `dose`, `route`, `frequency`, `po`, `iv`, `bid`, `tid`, `qid`, `prn`, `daily`, `administered`, `mg`, `mcg`, `tablets?`, `given by`),
	),
	chartscan.SectionNursing: concat(
		terms(8, 2, `nursing`, `nursing (?:assessment|notes?|flowsheet)`, `flow ?sheet`, `nurse(?:'s)? notes?`),
		terms(2, 1, `vital signs`, `intake`, `output`, `i&o`, `pain (?:scale|score)`, `shift`, `rn`, `fall risk`, `braden`, `skin`, `turned`, `repositioned`, `temp`, `pulse`, `resp`, `spo2`),
	),
	chartscan.SectionDischarge: concat(
		terms(10, 3, `discharge summary`, `discharge instructions`, `discharge report`),
		terms(3, 1.5, `hospital course`, `discharge diagnos[ie]s`, `discharge medications`, `condition on discharge`, `discharge date`, `date of discharge`, `discharged`, `disposition`),
	),
	chartscan.SectionEmergency: concat(
		terms(8, 2, `emergency (?:room|department) (?:record|report|note)`, `emergency (?:room|department)`, `er record`, `ed note`, `triage`),
		terms(2, 1.5, `ed course`, `er course`, `time seen`, `arrival`, `mode of arrival`, `medical decision making`, `disposition`, `triage`),
	),
	chartscan.SectionCorrespondence: concat(
		terms(6, 2, `letter`, `correspondence`, `referral letter`),
		terms(2, 1.5, `dear`, `sincerely`, `yours truly`, `kind regards`, `re:`, `cc:`, `thank you for (?:referring|seeing)`),
	),
	chartscan.SectionInsuranceBilling: concat(
		terms(8, 2, `explanation of benefits`, `eob`, `itemized (?:bill|statement)`, `billing statement`, `claim`, `insurance (?:card|verification|information)`, `superbill`, `ub-04`, `cms-1500`),
		terms(2, 1.5, `billed`, `allowed`, `patient responsibility`, `deductible`, `co-?pay`, `co-?insurance`, `cpt`, `icd-?10`, `subscriber`, `policy`, `amount due`, `payer`, `member id`, `group (?:no|number)`, `total charges`),
	),
}

func concat(rs ...[]rule) []rule {
	var out []rule
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}

// Classify returns the best section for the page text and a confidence in
// [0,1]. Pages with no telling terms are SectionOther with confidence 0.
func (Keywords) Classify(text string) (chartscan.Section, float64) {
	scores := Scores(text)
	type kv struct {
		s chartscan.Section
		v float64
	}
	var all []kv
	for s, v := range scores {
		all = append(all, kv{s, v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v != all[j].v {
			return all[i].v > all[j].v
		}
		return all[i].s < all[j].s
	})
	if len(all) == 0 || all[0].v < 2 {
		return chartscan.SectionOther, 0
	}
	second := 0.0
	if len(all) > 1 {
		second = all[1].v
	}
	// Confidence grows with the evidence and with the lead over the
	// runner-up.
	lead := (all[0].v - second) / all[0].v
	strength := 1 - math.Exp(-all[0].v/8)
	return all[0].s, math.Round(100*lead*strength) / 100
}

// Scores returns each section's keyword score for text.
func Scores(text string) map[chartscan.Section]float64 {
	lines := strings.Split(text, "\n")
	var title, body strings.Builder
	n := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		n++
		if n <= 6 || isCaps(l) {
			title.WriteString(l)
			title.WriteString("\n")
		} else {
			body.WriteString(l)
			body.WriteString("\n")
		}
	}
	t, b := title.String(), body.String()
	out := map[chartscan.Section]float64{}
	for s, rs := range rules {
		var v float64
		for _, r := range rs {
			if r.re.MatchString(t) {
				v += r.title
			} else if c := len(r.re.FindAllStringIndex(b, 4)); c > 0 {
				v += r.body * math.Min(float64(c), 3) / 1.5
			}
		}
		if v > 0 {
			out[s] = v
		}
	}
	return out
}

// isCaps reports whether a line is written in capitals, as headings are.
func isCaps(l string) bool {
	letters, upper := 0, 0
	for _, r := range l {
		if r >= 'a' && r <= 'z' {
			letters++
		} else if r >= 'A' && r <= 'Z' {
			letters++
			upper++
		}
	}
	return letters >= 4 && upper*10 >= letters*8
}

package release

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// 42 CFR Part 2 protects records of substance-use disorder (SUD)
// diagnosis, treatment and referral: they may not be released without the
// patient's written consent, whatever the other authorization says. The
// rules below flag a page that is about such treatment. They are a list a
// person can read and argue with, not a model:
//
//   - a treatment finding is a mention of a SUD program or of the
//     medications and steps of SUD treatment (detoxification, methadone
//     maintenance, Suboxone, a rehabilitation program for alcohol or
//     drugs, Alcoholics or Narcotics Anonymous, ...);
//   - a diagnosis finding is a mention of a SUD (alcohol dependence,
//     opioid use disorder, polysubstance abuse, withdrawal, ...), or of a
//     medication that treats SUD but also pain (methadone, buprenorphine);
//   - a finding that a negation governs ("denies", "no history of",
//     "negative for", "without") within the few words before it does not
//     count;
//   - a page is flagged when it has a treatment finding, or diagnosis
//     findings of two places in the text (one passing mention in a social
//     history is not a page about treatment).
//
// The reasons name each rule that fired, with the words that made it.

type part2Rule struct {
	name      string
	treatment bool
	re        *regexp.Regexp
}

var part2Rules = []part2Rule{
	{"SUD treatment program", true, regexp.MustCompile(`(?i)\b(?:substance(?:[- ]use)?|drug|alcohol|chemical[- ]dependency|addiction|opioid|opiate)\s+(?:abuse\s+|use\s+|dependence\s+)?(?:treatment|rehabilitation|rehab|recovery|counsel(?:l)?ing|program|clinic|unit|services)\b`)},
	{"detoxification", true, regexp.MustCompile(`(?i)\b(?:detoxification|detox(?:ed|ing)?)\b`)},
	// Methadone and buprenorphine alone also treat pain: only their SUD
	// forms (maintenance, clinics, Suboxone) are treatment findings.
	{"SUD treatment medication", true, regexp.MustCompile(`(?i)\b(?:methadone\s+(?:maintenance|clinic|program|treatment)|suboxone|subutex|zubsolv|sublocade|vivitrol|disulfiram|antabuse|acamprosate|campral)\b`)},
	{"medication also used in SUD treatment", false, regexp.MustCompile(`(?i)\b(?:methadone|buprenorphine|naltrexone)\b`)},
	{"medication-assisted treatment", true, regexp.MustCompile(`(?i)\b(?:medication[- ]assisted treatment|opioid treatment program|MAT program)\b`)},
	{"mutual-help group", true, regexp.MustCompile(`(?i)\b(?:alcoholics anonymous|narcotics anonymous|cocaine anonymous|AA meetings?|NA meetings?|(?:12|twelve)[- ]step (?:program|meetings?|group|recovery))\b`)},
	{"residential or sober living", true, regexp.MustCompile(`(?i)\b(?:sober living|halfway house|residential (?:treatment|rehab))\b`)},
	{"SUD diagnosis", false, regexp.MustCompile(`(?i)\b(?:(?:alcohol|opioid|opiate|cocaine|cannabis|marijuana|methamphetamine|amphetamine|stimulant|sedative|benzodiazepine|heroin|polysubstance|substance|drug|narcotic)\s+(?:use\s+disorder|abuse|dependence|dependency|addiction|withdrawal))\b`)},
	{"SUD diagnosis", false, regexp.MustCompile(`(?i)\b(?:alcoholism|drug addiction|chemical dependency|intravenous drug use|IV drug (?:use|abuse)|IVDA|heroin use|delirium tremens|alcohol withdrawal)\b`)},
}

// negationRE finds a negation that governs what follows it closely.
var negationRE = regexp.MustCompile(`(?i)\b(?:denies|denied|deny|no|not|never|negative\s+for|without|free\s+of|no\s+(?:known\s+)?history\s+of|no\s+h/o)\b`)

// Part2Finding is what the rules found on a page.
type Part2Finding struct {
	Flag    bool
	Reasons []string // the rules that fired, with the words
}

// Part2 applies the rules to a page's text.
func Part2(text string) Part2Finding {
	var f Part2Finding
	treatment := false
	diagnoses := map[int]bool{} // where in the text (by 200-byte stretch)
	seen := map[string]bool{}
	for _, r := range part2Rules {
		for _, m := range r.re.FindAllStringIndex(text, -1) {
			if negated(text, m[0]) {
				continue
			}
			words := strings.Join(strings.Fields(text[m[0]:m[1]]), " ")
			reason := fmt.Sprintf("%s: %q", r.name, strings.ToLower(words))
			if !seen[reason] {
				seen[reason] = true
				f.Reasons = append(f.Reasons, reason)
			}
			if r.treatment {
				treatment = true
			} else {
				diagnoses[m[0]/200] = true
			}
		}
	}
	f.Flag = treatment || len(diagnoses) >= 2
	if !f.Flag {
		f.Reasons = nil
	}
	sort.Strings(f.Reasons)
	return f
}

// negated reports whether a negation stands within the five words before
// offset at, in the same sentence.
func negated(text string, at int) bool {
	start := max(0, at-60)
	before := text[start:at]
	if i := strings.LastIndexAny(before, ".;:\n"); i >= 0 {
		before = before[i+1:]
	}
	words := strings.Fields(before)
	if len(words) > 5 {
		words = words[len(words)-5:]
	}
	return negationRE.MatchString(strings.Join(words, " "))
}

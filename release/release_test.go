package release

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"chartscan"
	"chartscan/internal/testutil"
)

// page makes a page record whose text is lines of words, each word with a
// box on its own line of the image, as OCR gives them.
func page(lines ...string) *chartscan.Page {
	p := &chartscan.Page{ID: "aaaaaaaaaaaaaaaa-p0001", Width: 2550, Height: 3300}
	var text []string
	for li, l := range lines {
		x := 100
		for _, w := range strings.Fields(l) {
			p.Words = append(p.Words, chartscan.Word{Text: w, X: x, Y: 100 + 60*li, W: 25 * len(w), H: 40})
			x += 25*len(w) + 20
		}
		text = append(text, strings.Join(strings.Fields(l), " "))
	}
	p.Text = strings.Join(text, "\n")
	return p
}

func TestIdentifiers(t *testing.T) {
	p := page(
		"REGISTRATION FORM",
		"Patient: WALKER, JANE MRN: 00417744",
		"SSN: 123-45-6789 Phone: (617) 555-0142",
		"Address: 42 Harbor View Road, Apt 3",
		"E-mail: jane.walker@example.org",
		"Account No. 77812093 Policy #: XJH4471920",
		"Member ID: W99281734 Group No. 4471",
		"Social Security Number 987 65 4321",
		"Blood pressure 120/80, pulse 72, seen 04/12/2026 at 10:30.",
	)
	got := map[string][]string{}
	for _, r := range Identifiers(p) {
		var words []string
		for _, w := range p.Words {
			if w.X >= r.Box.X && w.X+w.W <= r.Box.X+r.Box.W && w.Y >= r.Box.Y && w.Y+w.H <= r.Box.Y+r.Box.H {
				words = append(words, w.Text)
			}
		}
		got[r.Kind] = append(got[r.Kind], strings.Join(words, " "))
	}
	want := map[string][]string{
		chartscan.RedactSSN:     {"123-45-6789", "987 65 4321"},
		chartscan.RedactPhone:   {"(617) 555-0142"},
		chartscan.RedactAddress: {"42 Harbor View Road, Apt 3"},
		chartscan.RedactEmail:   {"jane.walker@example.org"},
		chartscan.RedactAccount: {"77812093"},
		chartscan.RedactPolicy:  {"XJH4471920", "W99281734"},
	}
	for kind, w := range want {
		if !slices.Equal(got[kind], w) {
			t.Errorf("%s: found %q, want %q", kind, got[kind], w)
		}
	}
	for kind, g := range got {
		if want[kind] == nil {
			t.Errorf("unexpected %s: %q", kind, g)
		}
	}
	// The labels stay readable: only values are boxed.
	for _, r := range Identifiers(p) {
		for _, w := range p.Words {
			if (w.Text == "SSN:" || w.Text == "Phone:" || w.Text == "MRN:") && w.X >= r.Box.X && w.X+w.W <= r.Box.X+r.Box.W && w.Y >= r.Box.Y && w.Y+w.H <= r.Box.Y+r.Box.H {
				t.Errorf("the label %q is boxed by %s", w.Text, r.Kind)
			}
		}
	}
}

// The Part 2 rules against the MTSamples notes, labelled by what each note
// is about (its title and description, not its text): notes about
// substance-use treatment should be flagged, the others not.
func TestPart2OnTranscribedNotes(t *testing.T) {
	f, err := os.Open(filepath.Join(testutil.SharedData(t), "mtsamples", "mtsamples_public.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	about := regexp.MustCompile(`(?i)substance|detox|alcohol (?:withdrawal|dependence|abuse)|heroin|opioid (?:dependence|abuse)|methadone|chemical dependency|polysubstance|addiction`)
	var pos, neg, tp, fp int
	var missed, wrong []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		text := rec[col["transcription"]]
		if strings.TrimSpace(text) == "" {
			continue
		}
		subject := rec[col["sample_name"]] + " " + rec[col["description"]]
		flag := Part2(strings.ReplaceAll(text, ",", ", ")).Flag
		if about.MatchString(subject) {
			pos++
			if flag {
				tp++
			} else {
				missed = append(missed, rec[col["sample_name"]])
			}
		} else {
			neg++
			if flag {
				fp++
				wrong = append(wrong, rec[col["sample_name"]])
			}
		}
	}
	recall := float64(tp) / float64(pos)
	fpr := float64(fp) / float64(neg)
	report := fmt.Sprintf("42 CFR Part 2 rules on %d transcribed notes: %d about substance-use treatment (by title), %d not\n"+
		"  flagged: %d of %d about it (recall %.1f%%), %d of %d not about it (%.2f%% false alarms)\n"+
		"  missed: %s\n  false alarms: %s\n", pos+neg, pos, neg, tp, pos, 100*recall, fp, neg, 100*fpr,
		strings.Join(missed, "; "), strings.Join(first(wrong, 25), "; "))
	testutil.Report(t, "part2", report)
	if pos < 10 || neg < 1000 {
		t.Fatalf("corpus too small: %d and %d notes", pos, neg)
	}
	if recall < 0.7 || fpr > 0.01 {
		t.Errorf("recall %.2f (floor 0.70), false alarms %.3f (ceiling 0.01)", recall, fpr)
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
	}
	return s
}

func TestPart2Rules(t *testing.T) {
	for _, tc := range []struct {
		text string
		flag bool
	}{
		{"Patient admitted for alcohol detoxification. Started on Librium taper.", true},
		{"He is on methadone maintenance 80 mg daily through the clinic.", true},
		{"History of opioid use disorder, now on buprenorphine, attends NA meetings.", true},
		{"SOCIAL HISTORY: Denies alcohol abuse, tobacco or drug use.", false},
		{"No history of substance abuse. Drinks wine socially.", false},
		{"Past history of alcohol dependence. Plan: discuss alcohol dependence with her counselor at the next visit in the clinic at length today and later.", false},
		{"Polysubstance abuse. " + strings.Repeat("Vital signs stable and the exam unremarkable today. ", 5) + "Cocaine dependence per prior records.", true},
		{"Knee arthroscopy without complication.", false},
	} {
		if got := Part2(tc.text); got.Flag != tc.flag {
			t.Errorf("Part2(%q) = %v %v, want %v", tc.text, got.Flag, got.Reasons, tc.flag)
		} else if got.Flag && len(got.Reasons) == 0 {
			t.Errorf("Part2(%q) flagged without a reason", tc.text)
		}
	}
}

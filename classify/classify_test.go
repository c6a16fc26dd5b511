package classify

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartscan"
	"chartscan/storage"
)

func sharedCSV(t *testing.T) string {
	t.Helper()
	// ../shared/data beside the repository; see internal/testutil.
	dir := os.Getenv("CHARTSCAN_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data")
	}
	p := filepath.Join(dir, "mtsamples", "mtsamples_public.csv")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("MTSamples corpus not found: %v", err)
	}
	return p
}

func TestModelRoundTrip(t *testing.T) {
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Counts) < 10000 {
		t.Fatalf("built-in model has %d features", len(m.Counts))
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ReadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	text := "DISCHARGE SUMMARY\nHOSPITAL COURSE:\nThe patient did well and was discharged home."
	a, b := m.Posterior(Features(text)), back.Posterior(Features(text))
	for i := range a {
		if d := a[i] - b[i]; d > 1e-6 || d < -1e-6 {
			t.Fatalf("posteriors differ after a round trip: %v vs %v", a, b)
		}
	}
	if _, err := ReadModel(strings.NewReader("chartscan-section-model\t2\n")); err == nil {
		t.Error("a model of another version was read")
	}
}

// Titles and forms as sites print them: the built-in model files each
// under its section out of the box.
func TestBuiltinTitles(t *testing.T) {
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	c := New(m, nil, nil)
	header := "LAKESIDE REGIONAL HOSPITAL\nPatient: DOE, JANE  MRN: 12345678  DOB: 01/02/1960\nDate of Service: 03/04/2026\n"
	for text, want := range map[string]chartscan.Section{
		"DISCHARGE SUMMARY\nADMISSION DIAGNOSIS:\nHOSPITAL COURSE:\nThe patient improved.":                                chartscan.SectionDischarge,
		"OPERATIVE REPORT\nPREOPERATIVE DIAGNOSIS:\nPOSTOPERATIVE DIAGNOSIS:\nThe abdomen was prepped and draped.":        chartscan.SectionOperative,
		"MEDICATION ADMINISTRATION RECORD\nAllergies: NKDA\nMedication Dose Route Frequency\nMetoprolol 25 mg PO BID":     chartscan.SectionMedications,
		"EXPLANATION OF BENEFITS\nSubscriber: DOE, JANE\nMember ID: X1234\nBilled Allowed Patient responsibility":         chartscan.SectionInsuranceBilling,
		"INFORMED CONSENT\nI hereby authorize Dr. Smith to perform the procedure. Risks and alternatives were explained.": chartscan.SectionConsent,
		"RADIOLOGY REPORT\nEXAM: Chest x-ray, two views.\nFINDINGS: Lungs are clear.\nIMPRESSION: Normal chest.":          chartscan.SectionRadiology,
		"LABORATORY RESULTS\nTest Result Flag Units Reference Range\nHemoglobin 11.2 L g/dL 12.0-16.0":                    chartscan.SectionLaboratory,
		"PHYSICIAN ORDERS\nAdmit to: ICU\nDiet: NPO\nActivity: bed rest\nNotify physician if SBP > 180.":                  chartscan.SectionOrders,
		"NURSING FLOWSHEET\nTIME TEMP PULSE RESP BP SPO2 PAIN INITIALS\n0800 36.8 72 16 120/80 98% 2 RN":                  chartscan.SectionNursing,
		"FACE SHEET\nPatient Name: DOE, JANE\nSex: F\nAddress: 1 MAIN ST\nEmergency Contact: JOHN DOE":                    chartscan.SectionFaceSheet,
		"EMERGENCY DEPARTMENT REPORT\nCHIEF COMPLAINT: Chest pain.\nED COURSE:\nDISPOSITION: Admitted.":                   chartscan.SectionEmergency,
		"CONSULTATION REPORT\nREASON FOR CONSULTATION: Atrial fibrillation.\nRECOMMENDATIONS:":                            chartscan.SectionConsultation,
		"HISTORY AND PHYSICAL\nCHIEF COMPLAINT:\nPAST MEDICAL HISTORY:\nREVIEW OF SYSTEMS:\nPHYSICAL EXAMINATION:":        chartscan.SectionHistoryPhysical,
		"PROGRESS NOTE\nSUBJECTIVE: Feels better.\nOBJECTIVE:\nASSESSMENT:\nPLAN: Continue.":                              chartscan.SectionProgressNotes,
		"Dear Dr. Jones,\nThank you for referring Mrs. Doe. I saw her in the office today.\nSincerely,":                   chartscan.SectionCorrespondence,
	} {
		got, conf := chartscan.BestSection(c.Classify(header + text))
		if got != want {
			t.Errorf("%.30q: %s (%.2f), want %s", text, got, conf, want)
		}
	}
}

// TestCrossValidation measures the model on transcribed notes it was not
// trained on, without titles (the hardest case: a note that starts
// straight with its first heading), and how well its confidence is
// calibrated.
func TestCrossValidation(t *testing.T) {
	f, err := os.Open(sharedCSV(t))
	if err != nil {
		t.Fatal(err)
	}
	notes, err := ReadMTSamples(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rand.New(rand.NewSource(7)).Shuffle(len(notes), func(i, j int) { notes[i], notes[j] = notes[j], notes[i] })
	const folds = 4
	right, total := 0, 0
	var bins [5][2]float64
	per := map[chartscan.Section][2]int{}
	for fold := 0; fold < folds; fold++ {
		var train, test []MTSample
		for i, n := range notes {
			if i%folds == fold {
				test = append(test, n)
			} else {
				train = append(train, n)
			}
		}
		m := Build(train, rand.New(rand.NewSource(1)))
		for _, d := range test {
			s, conf := chartscan.BestSection(m.Posterior(Features(d.Text)))
			ok := s == d.Section
			x := per[d.Section]
			x[0]++
			if ok {
				right++
				x[1]++
			}
			per[d.Section] = x
			total++
			b := min(int(conf*5), 4)
			bins[b][0]++
			if ok {
				bins[b][1]++
			}
		}
	}
	acc := float64(right) / float64(total)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d-fold accuracy on untitled notes: %.1f%% (%d/%d)\n", folds, 100*acc, right, total)
	var macro float64
	for _, s := range chartscan.Sections {
		if x, ok := per[s]; ok {
			fmt.Fprintf(&sb, "  %-18s %5.1f%% of %d\n", s, 100*float64(x[1])/float64(x[0]), x[0])
			macro += float64(x[1]) / float64(x[0]) / float64(len(per))
		}
	}
	fmt.Fprintf(&sb, "  mean over sections: %.1f%%\n", 100*macro)
	var ece float64
	for i, b := range bins {
		if b[0] > 0 {
			fmt.Fprintf(&sb, "  confidence %.1f-%.1f: %4.0f notes, %5.1f%% right\n", float64(i)/5, float64(i+1)/5, b[0], 100*b[1]/b[0])
			mid := (float64(i) + 0.5) / 5
			d := b[1]/b[0] - mid
			if d < 0 {
				d = -d
			}
			ece += d * b[0] / float64(total)
		}
	}
	fmt.Fprintf(&sb, "  calibration error (ECE, 5 bins): %.3f\n", ece)
	t.Log(sb.String())
	// Measured 78 %; documents with titles do far better (see the capture
	// accuracy test).
	if acc < 0.74 {
		t.Errorf("cross-validated accuracy %.3f below the floor 0.74", acc)
	}
}

// Corrections teach the classifier; the lesson is kept in the store and a
// classifier started later (or on another node) learns it too.
func TestLearningPersists(t *testing.T) {
	st, err := storage.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	base, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	// A site's own form the built-in model has never seen.
	form := func(n int) string {
		return fmt.Sprintf("WOUND VAC CHECKLIST\nCanister changed: yes\nSuction setting %d mmHg\nDressing intact. Seal checked. Exudate serous.", 100+n)
	}
	c := New(base, st, nil)
	if s, _ := chartscan.BestSection(c.Classify(form(0))); s == chartscan.SectionNursing {
		t.Fatalf("the built-in model already files the form under nursing")
	}
	ctx := context.Background()
	if err := c.LearnTexts(ctx, chartscan.SectionNursing, []string{form(1), form(2)}); err != nil {
		t.Fatal(err)
	}
	if s, conf := chartscan.BestSection(c.Classify(form(3))); s != chartscan.SectionNursing {
		t.Fatalf("after learning: %s (%.2f), want nursing", s, conf)
	}
	n := 0
	st.List(ctx, LessonsPrefix, func(chartscan.ObjectInfo) error { n++; return nil })
	if n != 1 {
		t.Fatalf("%d lessons stored, want 1", n)
	}
	other := New(base, st, nil)
	if err := other.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := chartscan.BestSection(other.Classify(form(4))); s != chartscan.SectionNursing {
		t.Fatalf("a new classifier did not load the lesson: %s", s)
	}
	if err := c.LearnTexts(ctx, "kitchen", []string{"x"}); chartscan.ErrorCode(err) != chartscan.EINVALID {
		t.Errorf("unknown section: %v", err)
	}
}

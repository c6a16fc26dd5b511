package hl7

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartscan/hl7/hl7test"
)

// Every value is escaped so that python-hl7 reads back exactly what the
// record held, delimiters and line breaks included; the fields are where
// HL7 v2.5.1 wants them.
func TestMDMParsesWithPythonHL7(t *testing.T) {
	pdf := make([]byte, 5000)
	if _, err := rand.Read(pdf); err != nil {
		t.Fatal(err)
	}
	p := Parties{SendingApplication: "CHARTSCAN", SendingFacility: "HIM", ReceivingApplication: "EHR", ReceivingFacility: "MAIN", AssigningAuthority: "HOSP"}
	d := Document{
		ID: "0123456789abcdef-d02", Version: 3, MRN: "A-60465481", PatientName: `O|Brien~Smith^Ann & Jo\Lee^Q`, DOB: "1950-02-03",
		Encounter: "E^1", TypeCode: "11502-2", TypeText: "Laboratory report", TypeSystem: "LN", ServiceDate: "2023-11-05",
		Captured: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), Changed: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		Parent: "0123456789abcdef-d01", Complete: true, ChangeReason: "corrected: mrn\nsection|x", PDF: pdf,
	}
	dir := t.TempDir()
	now := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	var files []string
	for _, ev := range []string{EventNew, EventCorrected, EventCancelled} {
		msg, id := MDM(p, d, ev, now)
		if id != ControlID(d.ID, d.Version, ev) || len(id) > 20 {
			t.Errorf("control id %q", id)
		}
		if bytes.Contains(msg, []byte("\n")) || !bytes.HasSuffix(msg, []byte("\r")) {
			t.Errorf("%s: segments must end with CR only", ev)
		}
		f := filepath.Join(dir, ev+".hl7")
		if err := os.WriteFile(f, msg, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	ps := hl7test.ParseWithPythonHL7(t, false, files...)
	for i, ev := range []string{EventNew, EventCorrected, EventCancelled} {
		m := &ps[i]
		wantSegs := "MSH EVN PID PV1 TXA OBX"
		if ev == EventCancelled {
			wantSegs = "MSH EVN PID PV1 TXA"
		}
		var ids []string
		for _, s := range m.Segments {
			ids = append(ids, s.ID)
		}
		if strings.Join(ids, " ") != wantSegs {
			t.Errorf("%s: segments %v", ev, ids)
		}
		structure := map[string]string{EventNew: "MDM_T02", EventCorrected: "MDM_T02", EventCancelled: "MDM_T01"}[ev]
		checks := []struct {
			seg  string
			f, c int
			want string
		}{
			{"MSH", 3, 1, "CHARTSCAN"}, {"MSH", 4, 1, "HIM"}, {"MSH", 5, 1, "EHR"}, {"MSH", 6, 1, "MAIN"},
			{"MSH", 7, 1, "20240701120000+0000"},
			{"MSH", 9, 1, "MDM"}, {"MSH", 9, 2, ev}, {"MSH", 9, 3, structure},
			{"MSH", 10, 1, ControlID(d.ID, d.Version, ev)}, {"MSH", 11, 1, "P"}, {"MSH", 12, 1, "2.5.1"},
			{"EVN", 1, 1, ev},
			{"PID", 3, 1, "A-60465481"}, {"PID", 3, 4, "HOSP"}, {"PID", 3, 5, "MR"},
			{"PID", 5, 1, "O|Brien~Smith"}, {"PID", 5, 2, `Ann & Jo\Lee`}, {"PID", 5, 3, "Q"}, {"PID", 7, 1, "19500203"},
			{"PV1", 2, 1, "U"}, {"PV1", 19, 1, "E^1"},
			{"TXA", 2, 1, "11502-2"}, {"TXA", 3, 1, "AP"}, {"TXA", 4, 1, "20231105"}, {"TXA", 6, 1, "20240506070809+0000"},
			{"TXA", 12, 1, d.ID}, {"TXA", 12, 2, "CHARTSCAN"}, {"TXA", 13, 1, d.Parent}, {"TXA", 16, 1, d.ID + ".pdf"},
			{"TXA", 17, 1, "DO"},
		}
		if ev == EventCancelled {
			checks = append(checks, struct {
				seg  string
				f, c int
				want string
			}{"TXA", 19, 1, "OB"})
		} else {
			checks = append(checks, []struct {
				seg  string
				f, c int
				want string
			}{
				{"TXA", 19, 1, "AV"}, {"OBX", 2, 1, "ED"}, {"OBX", 3, 1, "11502-2"}, {"OBX", 3, 2, "Laboratory report"}, {"OBX", 3, 3, "LN"},
				{"OBX", 5, 2, "AP"}, {"OBX", 5, 3, "PDF"}, {"OBX", 5, 4, "Base64"}, {"OBX", 11, 1, "F"},
			}...)
		}
		if ev != EventNew {
			checks = append(checks, []struct {
				seg  string
				f, c int
				want string
			}{{"TXA", 8, 1, "20240601000000+0000"}, {"TXA", 21, 1, "corrected: mrn\nsection|x"}}...)
		}
		for _, c := range checks {
			if got := m.F(c.seg, c.f, c.c); got != c.want {
				t.Errorf("%s: %s-%d.%d = %q, want %q", ev, c.seg, c.f, c.c, got, c.want)
			}
		}
		if ev != EventCancelled {
			data, err := base64.StdEncoding.DecodeString(m.F("OBX", 5, 5))
			if err != nil || !bytes.Equal(data, pdf) {
				t.Errorf("%s: OBX-5.5 does not decode to the PDF (%v, %d bytes)", ev, err, len(data))
			}
		}
	}
	// A document still waiting for review says so.
	d.Complete = false
	msg, _ := MDM(p, d, EventNew, now)
	f := filepath.Join(dir, "review.hl7")
	os.WriteFile(f, msg, 0o644)
	r := hl7test.ParseWithPythonHL7(t, false, f)[0]
	if r.F("TXA", 17, 1) != "IN" || r.F("OBX", 11, 1) != "P" {
		t.Errorf("needs review: TXA-17 %q OBX-11 %q", r.F("TXA", 17, 1), r.F("OBX", 11, 1))
	}
}

// Over MLLP each message gets its ACK: AA, then AE with the peer's
// error text; a peer that hangs up is an error, and the next Send
// connects again.
func TestMLLPClient(t *testing.T) {
	answers := []string{"AA", "AE", "", "AR", "AA"}
	l := hl7test.Listen(t, func(n int, _ []byte) string { return answers[n] })
	c := &Client{Addr: l.Addr, Timeout: 5 * time.Second}
	defer c.Close()
	p := Parties{SendingApplication: "CHARTSCAN"}
	for i, want := range answers {
		d := Document{ID: "0123456789abcdef-d01", Version: i + 1, MRN: "1", PDF: []byte("%PDF")}
		msg, id := MDM(p, d, EventNew, time.Now())
		ack, err := c.Send(context.Background(), msg, id)
		switch {
		case want == "":
			if err == nil {
				t.Errorf("message %d: no error when the peer hung up (ack %+v)", i, ack)
			}
		case err != nil:
			t.Fatalf("message %d: %v", i, err)
		case ack.Code != want || ack.Accepted() != (want == "AA") || ack.ControlID != id:
			t.Errorf("message %d: ack %+v, want %s", i, ack, want)
		case want != "AA" && !strings.Contains(ack.Text, "Document type not mapped"):
			t.Errorf("message %d: error text %q", i, ack.Text)
		}
	}
	if n := len(l.Messages()); n != len(answers) {
		t.Errorf("peer got %d messages, want %d", n, len(answers))
	}
	// What went over the wire parses as framed HL7 with python-hl7.
	f := filepath.Join(t.TempDir(), "wire.mllp")
	os.WriteFile(f, l.Raw(), 0o644)
	if ps := hl7test.ParseWithPythonHL7(t, true, f); len(ps) != len(answers) || ps[4].F("MSH", 9, 2) != "T02" {
		t.Errorf("wire: %d messages parsed", len(ps))
	}
	// Nobody listening: an error, quickly.
	dead := &Client{Addr: "127.0.0.1:1", Timeout: time.Second}
	msg, id := MDM(p, Document{ID: "x", MRN: "1"}, EventNew, time.Now())
	if _, err := dead.Send(context.Background(), msg, id); err == nil {
		t.Error("no error without a peer")
	}
}

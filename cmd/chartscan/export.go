package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"time"

	"chartscan"
	"chartscan/export"
	"chartscan/hl7"
)

// exportCmd runs `chartscan export fhir|hl7`: every document due goes to
// the destination; the run exits 1 naming each document not delivered.
//
// It opens the index like ingest does, which a running serve holds: the
// audit log it writes to is the one serve writes to, and one writer at a
// time keeps its hash chain whole.
func (e *cmdEnv) exportCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "fhir" && args[0] != "hl7") {
		return fmt.Errorf("export: want fhir or hl7")
	}
	kind, args := args[0], args[1:]
	fs := e.flags("export " + kind)
	out := fs.String("out", "", "write one file per document into this folder")
	since := fs.String("since", "", "only documents captured or changed since this date (YYYY-MM-DD)")
	includeReview := fs.Bool("include-review", false, "also send documents that need review or have no MRN")
	var dest *string
	if kind == "fhir" {
		dest = fs.String("url", "", "POST to this FHIR base URL (default export.fhir_url)")
	} else {
		dest = fs.String("mllp", "", "send over MLLP to HOST:PORT")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("export %s: unexpected argument %q", kind, pos[0])
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	var sinceT time.Time
	if *since != "" {
		if sinceT, err = time.Parse(time.DateOnly, *since); err != nil {
			return chartscan.Errorf(chartscan.EINVALID, "export: --since: want a date as YYYY-MM-DD")
		}
	}
	if kind == "fhir" && *dest == "" && *out == "" {
		*dest = cfg.Export.FHIRURL
	}
	switch {
	case *out != "" && *dest != "":
		return chartscan.Errorf(chartscan.EINVALID, "export %s: give --out or the destination (--url, --mllp), not both", kind)
	case *out == "" && *dest == "":
		return chartscan.Errorf(chartscan.EINVALID, "export %s: give --out DIR or %s", kind, map[string]string{"fhir": "--url BASE (or export.fhir_url)", "hl7": "--mllp HOST:PORT"}[kind])
	}
	if *out != "" {
		if *out, err = filepath.Abs(*out); err != nil {
			return err
		}
		if err := os.MkdirAll(*out, 0o750); err != nil {
			return fmt.Errorf("export: --out: %w", err)
		}
	}

	m, done, err := e.openRecords(cfg, "export", "stop chartscan serve first, or pull the documents through /fhir/r4")
	if err != nil {
		return err
	}
	defer done()

	var sender export.Sender
	switch kind {
	case "fhir":
		if *dest != "" {
			u, err := url.Parse(*dest)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return chartscan.Errorf(chartscan.EINVALID, "export fhir: --url: want an http:// or https:// FHIR base URL")
			}
		}
		token := ""
		if *dest == cfg.Export.FHIRURL {
			token = cfg.Export.FHIRToken
		}
		sender = &export.FHIR{Converter: m.converter(), URL: *dest, Token: token, Dir: *out, Client: &http.Client{Timeout: cfg.Export.Timeout}}
	case "hl7":
		if *dest != "" {
			if _, _, err := net.SplitHostPort(*dest); err != nil {
				return chartscan.Errorf(chartscan.EINVALID, "export hl7: --mllp: want HOST:PORT")
			}
		}
		h := cfg.Export.HL7
		sender = &export.HL7{Addr: *dest, Dir: *out, Timeout: cfg.Export.Timeout, Parties: hl7.Parties{
			SendingApplication: h.SendingApplication, SendingFacility: h.SendingFacility,
			ReceivingApplication: h.ReceivingApplication, ReceivingFacility: h.ReceivingFacility, AssigningAuthority: h.AssigningAuthority,
		}}
	}
	defer sender.Close()
	state, err := export.OpenState(cfg.ExportsDir(), kind, sender.Destination())
	if err != nil {
		return err
	}
	defer state.Close()

	rep, err := export.Run(ctx, export.Options{
		Records: m.Records, Actor: operator(), Sender: sender, State: state, Since: sinceT,
		IncludeReview: *includeReview, Attempts: cfg.Export.Attempts, MaxBackoff: cfg.Export.MaxBackoff,
	})
	if rep != nil {
		fmt.Fprintf(e.stdout, "export %s to %s: %d sent (%d new, %d updated), %d unchanged, %d held back, %d not delivered\n",
			kind, sender.Destination(), rep.New+rep.Updated, rep.New, rep.Updated, rep.Unchanged, len(rep.Held), len(rep.Failed))
		for _, id := range sortedIDs(rep.Held) {
			fmt.Fprintf(e.stdout, "held back: %s: %s\n", id, rep.Held[id])
		}
		for _, id := range sortedIDs(rep.Failed) {
			fmt.Fprintf(e.stderr, "not delivered: %s: %s\n", id, rep.Failed[id])
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("export %s: stopped; run it again to go on where it stopped", kind)
		}
		return fmt.Errorf("export %s: %w", kind, err)
	}
	if len(rep.Failed) > 0 {
		return exitError(1)
	}
	return nil
}

func sortedIDs(m map[chartscan.DocumentID]string) []chartscan.DocumentID {
	ids := make([]chartscan.DocumentID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, k int) bool { return ids[i] < ids[k] })
	return ids
}

// operator is who runs a command, as the audit log names them: the
// system user, for a person with access to the data folder is an admin.
func operator() chartscan.Actor {
	name := "operator"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	return chartscan.Actor{Name: name, Role: chartscan.RoleAdmin, Via: chartscan.ViaCLI}
}

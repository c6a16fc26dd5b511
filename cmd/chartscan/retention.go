package main

import (
	"context"
	"fmt"
	"os/user"
	"time"

	"chartscan"
)

// retention runs the retention schedule: `chartscan retention run
// [--dry-run]` removes the documents past their retention and not under a
// legal hold, writes the destruction record, and prints each document id
// it removed (with --dry-run: would remove), one per line on stdout.
func (e *cmdEnv) retention(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		return fmt.Errorf("retention: want run [--dry-run]")
	}
	fs := e.flags("retention run")
	dry := fs.Bool("dry-run", false, "list what would be removed, remove nothing")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	m, closeRecords, err := e.openRecords(cfg, "retention", "stop chartscan serve first")
	if err != nil {
		return err
	}
	defer closeRecords()
	svc := m.Records
	who := "retention"
	if u, err := user.Current(); err == nil {
		who = "retention/" + u.Username
	}
	a := chartscan.Actor{Name: who, Role: chartscan.RoleAdmin, Via: chartscan.ViaCLI}
	plan, err := svc.RetentionPlan(ctx, a, cfg.Retention.For, time.Now())
	if err != nil {
		return err
	}
	if *dry {
		for _, x := range plan {
			fmt.Fprintln(e.stdout, x.Document.ID)
		}
		fmt.Fprintf(e.stderr, "%d documents are past their retention and not held; nothing was removed (--dry-run)\n", len(plan))
		return nil
	}
	done, err := svc.Destroy(ctx, a, plan)
	for _, d := range done {
		fmt.Fprintln(e.stdout, d.Document)
	}
	fmt.Fprintf(e.stderr, "%d documents removed; the destruction record is %s in the object store\n", len(done), chartscan.RetentionKey(time.Now().UTC().Format(time.DateOnly)))
	if err != nil {
		// One line per document not removed, with chartscan's message:
		// the causes name object keys and paths (they are in the log).
		errs := []error{err}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			errs = j.Unwrap()
		}
		for _, err := range errs {
			fmt.Fprintf(e.stderr, "retention: %s\n", chartscan.ErrorMessage(err))
		}
		return exitError(1)
	}
	return nil
}

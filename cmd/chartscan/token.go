package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"chartscan"
	"chartscan/audit"
	"chartscan/auth"
)

// token manages API tokens: create (prints the token once), list, revoke.
func (e *cmdEnv) token(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("token: want create, list or revoke")
	}
	sub, args := args[0], args[1:]
	fs := e.flags("token " + sub)
	name := fs.String("name", "", "who holds the token (shown in the audit log)")
	role := fs.String("role", "", "scanner, technician or admin")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	store := auth.NewStore(cfg.TokensFile())
	switch sub {
	case "create":
		if *name == "" || *role == "" {
			return fmt.Errorf("token create: give --name and --role")
		}
		r, err := chartscan.ParseRole(*role)
		if err != nil {
			return err
		}
		secret, err := store.Create(*name, r)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, secret)
		return nil
	case "list":
		ts, err := store.List()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCREATED")
		for _, t := range ts {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.Role, t.Created.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "revoke":
		if *name == "" {
			return fmt.Errorf("token revoke: give --name")
		}
		return store.Revoke(*name)
	}
	return fmt.Errorf("token: unknown subcommand %q (want create, list or revoke)", sub)
}

// audit checks the audit log: `chartscan audit verify`.
func (e *cmdEnv) audit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("audit: want verify")
	}
	fs := e.flags("audit verify")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	n, err := audit.Verify(cfg.AuditDir())
	if err != nil {
		return fmt.Errorf("audit log tampered or damaged after %d good entries: %w", n, err)
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries\n", n)
	return nil
}

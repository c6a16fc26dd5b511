package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"chartscan"
	"chartscan/auth"
)

// user manages the people who sign in to the web UI: create (the password
// from the terminal, asked twice, or one line of stdin with
// --password-stdin), list, disable.
func (e *cmdEnv) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("user: want create, list or disable")
	}
	sub, args := args[0], args[1:]
	fs := e.flags("user " + sub)
	name := fs.String("name", "", "the user's sign-in name (shown in the audit log)")
	role := fs.String("role", "", "scanner, technician or admin")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	users := auth.NewUsers(cfg.UsersFile())
	switch sub {
	case "create":
		if *name == "" || *role == "" {
			return fmt.Errorf("user create: give --name and --role")
		}
		r, err := chartscan.ParseRole(*role)
		if err != nil {
			return err
		}
		pw, err := e.password(*fromStdin)
		if err != nil {
			return err
		}
		if err := users.Create(*name, r, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "user %s (%s) created\n", *name, r)
		return nil
	case "list":
		us, err := users.List()
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCREATED")
		for _, u := range us {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.Created.Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "disable":
		if *name == "" {
			return fmt.Errorf("user disable: give --name")
		}
		return users.Disable(*name)
	}
	return fmt.Errorf("user: unknown subcommand %q (want create, list or disable)", sub)
}

// password reads a new password: from stdin's first line, or from the
// terminal without echo, twice.
func (e *cmdEnv) password(fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("user create: no terminal to ask the password on; use --password-stdin")
	}
	fmt.Fprint(e.stderr, "password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", fmt.Errorf("user create: the two passwords differ")
	}
	return string(a), nil
}

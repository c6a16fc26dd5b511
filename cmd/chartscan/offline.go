package main

import (
	"context"
	"fmt"
	"time"

	"chartscan"
	"chartscan/audit"
	"chartscan/config"
	"chartscan/records"
)

// openRecords opens the object store, the index and the audit log for a
// command that works on the records while serve is stopped (search,
// export, retention), and the records service over them, so that what the
// command reads and changes is checked and audited as through the API.
// what names the command in messages; busy is what to do instead when
// serve holds the index. The caller calls closeFn when done: it copies
// the audit log to the object store (saying so on stderr when it cannot)
// and closes what was opened.
func (e *cmdEnv) openRecords(cfg *config.Config, what, busy string) (m *Main, closeFn func(), err error) {
	m = NewMain(cfg, newLogger(cfg, e.stderr))
	m.Logger = m.Logger.With("component", what)
	if err := m.OpenStorage(); err != nil {
		m.Close()
		if chartscan.ErrorCode(err) == chartscan.EUNAVAILABLE {
			return nil, nil, fmt.Errorf("%s: %s; %s", what, chartscan.ErrorMessage(err), busy)
		}
		return nil, nil, err
	}
	if m.Audit, err = audit.Open(cfg.AuditDir(), m.Store, m.Logger.With("component", "audit")); err != nil {
		m.Close()
		return nil, nil, err
	}
	m.Records = &records.Service{Store: m.Store, Index: m.Index, Audit: m.Audit, Profiles: m.Profiles, Logger: m.Logger}
	return m, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Audit.Sync(sctx); err != nil {
			fmt.Fprintf(e.stderr, "chartscan %s: the audit log was not copied to the object store: %s\n", what, chartscan.ErrorMessage(err))
		}
		m.Close()
	}, nil
}

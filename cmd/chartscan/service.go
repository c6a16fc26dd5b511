package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	oklogrun "github.com/oklog/run"

	"chartscan"
	"chartscan/api"
	"chartscan/audit"
	"chartscan/auth"
	"chartscan/classify"
	"chartscan/config"
	"chartscan/fhir"
	"chartscan/follow"
	"chartscan/index"
	"chartscan/ingest"
	"chartscan/metrics"
	"chartscan/ocr"
	"chartscan/patients"
	"chartscan/raster"
	"chartscan/records"
	"chartscan/storage"
	"chartscan/web"
)

// Main is the chartscan program wired together: configuration, object
// store, index, OCR engines, pipeline, queue, watcher, records service and
// HTTP API. Open builds the parts, Run serves until its context ends or a
// part fails, Close releases everything. Tests start the real program
// through it on port :0 with a temporary data folder.
type Main struct {
	Config *config.Config
	// ConfigFile is the file Config was read from, "" for the defaults.
	ConfigFile string
	Profiles   map[string]*chartscan.Profile
	Logger     *slog.Logger

	Store      chartscan.ObjectStore
	Index      *index.Index
	OCR        *ocr.Pool
	Pipeline   *ingest.Pipeline
	Queue      *ingest.Queue
	Watcher    *ingest.Watcher
	Records    *records.Service
	Classifier *classify.Classifier
	Tokens     *auth.Store
	Audit      *audit.Log
	Metrics    *metrics.Metrics
	Follower   *follow.Follower
	Users      *auth.Users
	Sessions   *auth.Sessions
	UI         *web.Server
	FHIR       *fhir.Server
	HTTP       *api.Server

	// Console receives what is said to the person who started the
	// service (the one-time set-up link), not to the log. nil is stderr.
	Console io.Writer

	// OCRCommand overrides the OCR worker program (tests).
	OCRCommand []string

	ready chan struct{}
	once  sync.Once
	state serviceState
}

// NewMain returns a Main for cfg that logs to log.
func NewMain(cfg *config.Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Logger: log, ready: make(chan struct{})}
}

// newLogger returns the service logger described by cfg.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// OpenStore opens the object store the config selects. onRetry, if not
// nil, is called for every retried S3 operation.
func OpenStore(cfg *config.Config, log *slog.Logger, onRetry func()) (chartscan.ObjectStore, error) {
	switch cfg.Storage.Kind {
	case "s3":
		return storage.NewS3(context.Background(), storage.S3Config{
			Endpoint:   cfg.Storage.S3.Endpoint,
			Bucket:     cfg.Storage.S3.Bucket,
			AccessKey:  cfg.Storage.S3.AccessKey,
			SecretKey:  cfg.Storage.S3.SecretKey,
			Secure:     cfg.Storage.S3.Secure,
			Region:     cfg.Storage.S3.Region,
			SSE:        cfg.Storage.S3.SSE,
			CAFile:     cfg.Storage.S3.CAFile,
			RetryFor:   cfg.Storage.S3.RetryFor,
			ObjectLock: cfg.Storage.S3.ObjectLock,
			Logger:     log,
			OnRetry:    onRetry,
		})
	default:
		return storage.NewFS(cfg.ObjectsDir())
	}
}

// OpenStorage opens the profiles, the object store and the index: what
// every command that reads records needs.
func (m *Main) OpenStorage() error {
	cfg := m.Config
	var err error
	if m.Profiles, err = cfg.Profiles(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	m.Metrics = metrics.New(metrics.Gauges{
		QueueFiles: func() int {
			if m.Queue == nil {
				return 0
			}
			return m.Queue.Len()
		},
		ReviewDocuments: func() (int, error) { return m.Records.ReviewCount(context.Background()) },
	})
	if m.Store, err = OpenStore(cfg, m.Logger.With("component", "storage"), m.Metrics.StoreRetry); err != nil {
		return err
	}
	if cfg.Node.Indexes() {
		if m.Index, err = index.Open(cfg.IndexDir()); err != nil {
			return err
		}
	}
	return nil
}

// Open builds every part of the service the node's role asks for: a
// capture node reads scans and keeps no index; a search node keeps an
// index that follows the bucket and reads no scans; a node of role all
// does both.
func (m *Main) Open() error {
	cfg := m.Config
	if err := m.OpenStorage(); err != nil {
		return err
	}
	if cfg.Node.Captures() {
		if err := m.openCapture(); err != nil {
			return err
		}
	}
	if cfg.Node.Role == config.RoleSearch {
		m.Follower = &follow.Follower{
			Store: m.Store, Index: m.Index, StateFile: cfg.FollowFile(), Interval: cfg.Search.FollowInterval,
			Logger: m.Logger.With("component", "follow"), OnLag: m.Metrics.FollowLag,
		}
	}
	return m.openServing()
}

// openCapture builds the parts that read scans: the section classifier,
// the patient index, the OCR engines, the pipeline, the queue and the
// watcher.
func (m *Main) openCapture() error {
	cfg := m.Config
	mpi, err := patients.Open(cfg.Patients.CSV, cfg.Patients.FHIRURL, cfg.Patients.FHIRToken, m.Logger.With("component", "patients"))
	if err != nil {
		return err
	}
	base, err := classify.BuiltinModel()
	if err != nil {
		return err
	}
	m.Classifier = classify.New(base, m.Store, m.Logger.With("component", "classify"))
	if err := m.Classifier.Sync(context.Background()); err != nil {
		return fmt.Errorf("load section lessons: %w", err)
	}
	m.OCR, err = ocr.New(ocr.Config{
		Workers:     cfg.Workers(),
		Languages:   cfg.OCR.Languages,
		PageTimeout: cfg.OCR.PageTimeout,
		MaxDPI:      cfg.OCR.MaxDPI,
		Command:     m.OCRCommand,
		Logger:      m.Logger.With("component", "ocr"),
	})
	if err != nil {
		return err
	}
	m.Pipeline = &ingest.Pipeline{
		Store:      m.Store,
		OCR:        m.OCR,
		Classifier: m.Classifier,
		Patients:   mpi,
		Limits: raster.Limits{
			MaxPages:      cfg.Limits.MaxPages,
			MaxPagePixels: cfg.Limits.MaxPagePixels,
			RenderTimeout: cfg.OCR.PageTimeout,
		},
		MaxFileSize:   int64(cfg.Limits.MaxFileSize),
		Languages:     cfg.OCR.Languages,
		PagesInFlight: cfg.Workers() + 1,
		Logger:        m.Logger.With("component", "pipeline"),
		OnPage: func(_ chartscan.BatchID, pg *chartscan.Page, ocr time.Duration) {
			m.Metrics.Page(string(pg.Kind))
			if ocr > 0 {
				m.Metrics.OCRPage(ocr)
			}
		},
	}
	m.Queue = &ingest.Queue{
		Dir:        cfg.WorkDir(),
		Pipeline:   m.Pipeline,
		Profiles:   m.Profiles,
		InboxDir:   cfg.InboxDir,
		ArchiveDir: cfg.ArchiveDir,
		FailedDir:  cfg.FailedDir(),
		Workers:    cfg.Files(),
		Drain:      cfg.Ingest.Drain,
		MaxUpload:  int64(cfg.API.MaxUpload),
		Logger:     m.Logger.With("component", "queue"),
		Node:       claimNode(cfg),
		OnOutcome: func(p *chartscan.Profile, res *ingest.Result) {
			m.Metrics.FileDone(p.Name, res.Status)
		},
	}
	for _, p := range m.Profiles {
		if err := os.MkdirAll(cfg.InboxDir(p), 0o750); err != nil {
			return fmt.Errorf("profile %s inbox: %w", p.Name, err)
		}
	}
	if m.Index != nil { // a capture node leaves indexing to the search nodes
		m.Pipeline.Index = m.Index
	}
	m.Watcher = &ingest.Watcher{
		Queue:    m.Queue,
		Profiles: m.Profiles,
		InboxDir: cfg.InboxDir,
		Rescan:   cfg.Ingest.Rescan,
		Poll:     cfg.Ingest.Poll,
		Logger:   m.Logger.With("component", "watcher"),
	}
	return nil
}

// openServing builds what every node serves: the records service, the
// tokens and users, the audit log, the web UI and the HTTP API.
func (m *Main) openServing() error {
	cfg := m.Config
	var err error
	m.Tokens = auth.NewStore(cfg.TokensFile())
	if m.Audit, err = audit.Open(cfg.AuditDir(), m.Store, m.Logger.With("component", "audit")); err != nil {
		return err
	}
	m.Records = &records.Service{
		Store:    m.Store,
		Audit:    m.Audit,
		Profiles: m.Profiles,
		Logger:   m.Logger.With("component", "records"),
	}
	// Interfaces hold only the parts this node has: a nil part must be a
	// nil interface, not one holding a nil pointer.
	if m.Index != nil {
		m.Records.Index = m.Index
	}
	if m.Queue != nil {
		m.Records.Intake, m.Records.Inboxes = m.Queue, m.Watcher
	}
	if m.Classifier != nil {
		m.Records.Learner = m.Classifier
	}
	m.Users = auth.NewUsers(cfg.UsersFile())
	m.Sessions = auth.NewSessions(cfg.UI.IdleTimeout, cfg.UI.AbsoluteTimeout)
	names := make([]string, 0, len(m.Profiles))
	for n := range m.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	if m.UI, err = web.New(web.Config{
		Records: m.Records, Users: m.Users, Sessions: m.Sessions, Audit: m.Audit,
		Profiles: names, Secure: cfg.TLS.Cert != "", Logger: m.Logger.With("component", "ui"),
	}); err != nil {
		return err
	}
	m.FHIR = &fhir.Server{
		Records: m.Records, Tokens: m.Tokens, Audit: m.Audit, Converter: m.converter(),
		Version: version, Logger: m.Logger.With("component", "fhir"),
	}
	m.HTTP = api.New(api.Deps{
		Records:   m.Records,
		Tokens:    m.Tokens,
		Audit:     m.Audit,
		Health:    m.health,
		Ready:     m.state.ready,
		Metrics:   m.Metrics,
		UI:        m.UI,
		FHIR:      m.FHIR,
		MaxUpload: int64(cfg.API.MaxUpload),
		Logger:    m.Logger.With("component", "http"),
	})
	return nil
}

// converter makes FHIR resources the way this installation names them.
func (m *Main) converter() *fhir.Converter {
	return &fhir.Converter{MRNSystem: m.Config.FHIR.MRNSystem, Software: "chartscan " + version, Node: m.Config.Node.Name}
}

// greet tells the person who started a fresh installation, with no user
// yet, how to get in: a one-time link that creates the first administrator.
func (m *Main) greet() error {
	link, err := m.UI.SetupLink()
	if err != nil || link == "" {
		return err
	}
	host, port, _ := net.SplitHostPort(m.HTTP.Addr())
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "http"
	if m.Config.TLS.Cert != "" {
		scheme = "https"
	}
	w := m.Console
	if w == nil {
		w = os.Stderr
	}
	fmt.Fprintf(w, "\nchartscan has no users yet. To create the first administrator, open this link (it works once):\n\n    %s://%s%s\n\n", scheme, net.JoinHostPort(host, port), link)
	return nil
}

// health reports whether the service can serve: no part has failed, the
// object store answers and the index is open.
func (m *Main) health(ctx context.Context) error {
	if err := m.state.failure(); err != nil {
		return err
	}
	if _, err := m.Store.Stat(ctx, chartscan.HealthProbeKey); err != nil && !chartscan.IsNotFound(err) {
		return fmt.Errorf("object store: %w", err)
	}
	if m.Index != nil {
		if _, err := m.Index.Count(); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

// Addr returns the HTTP address the service listens on, once Ready.
func (m *Main) Addr() string { return m.HTTP.Addr() }

// Ready is closed once every part of the service runs.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// Run serves until ctx ends or a part of the service fails, then stops
// the parts one after the other, in this order, each stopped only once
// the one before has:
//
//  1. the watcher stops taking files from the inboxes;
//  2. the queue lets the files in progress finish for up to ingest.drain,
//     then hands the rest back to the work folder for the next start;
//  3. the OCR engines are stopped;
//  4. the classifier stops loading lessons;
//  5. the audit log is copied to the object store a last time;
//  6. the HTTP server, which answered 503 on /readyz meanwhile, finishes
//     its requests and stops.
//
// Close then releases the audit log, the index and the OCR engines. Run
// returns nil after a stop asked for by ctx, and the failure, named by its
// part, when a part failed.
func (m *Main) Run(ctx context.Context) error {
	if err := m.HTTP.Listen(m.Config.Listen, m.Config.TLS.Cert, m.Config.TLS.Key); err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.Listen, err)
	}
	m.Logger.Info("chartscan serving", "version", version, "addr", m.HTTP.Addr(), "storage", m.Config.Storage.Kind, "profiles", len(m.Profiles),
		"role", m.Config.Node.Role, "node", m.Config.Node.Name)
	if err := m.greet(); err != nil {
		return fmt.Errorf("users: %w", err)
	}

	var g oklogrun.Group
	stopping := make(chan struct{})
	g.Add(func() error { // the signal to stop, or another part's failure
		select {
		case <-ctx.Done():
		case <-stopping:
		}
		return nil
	}, func(error) {
		m.state.set(stateDraining)
		m.Logger.Info("stopping: watcher, queue, OCR engines, lessons, audit copy, then HTTP")
		close(stopping)
	})
	if m.Watcher != nil {
		m.actor(&g, "watcher", m.Watcher.Run)
		m.actor(&g, "queue", m.Queue.Run)
		m.actor(&g, "ocr", func(ctx context.Context) error {
			<-ctx.Done()
			return m.OCR.Close()
		})
		m.actor(&g, "classifier", func(ctx context.Context) error {
			m.Classifier.Run(ctx, config.LessonsRefresh) // lessons other nodes stored
			return nil
		})
	}
	if m.Follower != nil {
		m.actor(&g, "follower", m.Follower.Run)
	}
	m.actor(&g, "audit copier", func(ctx context.Context) error {
		m.Audit.Run(ctx, config.AuditCopyInterval) // copies once more when stopped
		return nil
	})
	httpDone := make(chan struct{})
	g.Add(func() error {
		defer close(httpDone)
		if err := m.HTTP.Serve(); err != nil {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	}, func(error) {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.HTTP.Shutdown(sctx); err != nil {
			m.Logger.Warn("http shutdown", "err", err.Error())
		}
		<-httpDone
	})
	m.state.set(stateReady)
	m.once.Do(func() { close(m.ready) })
	err := g.Run()
	if err != nil {
		m.Logger.Error("chartscan stopped because a part failed", "err", err.Error())
	}
	return err
}

// actor adds a part of the service to g: run gets a context that the
// part's stop cancels, and the stop returns only once run has returned, so
// the group's teardown, which stops the parts one after the other in the
// order they were added, stops each only after the one before. A part
// that returns an error before it was asked to stop has failed: the
// service stops, and /readyz and /healthz give the reason meanwhile.
func (m *Main) actor(g *oklogrun.Group, name string, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	g.Add(func() error {
		defer close(done)
		err := run(ctx)
		if err != nil && ctx.Err() == nil {
			m.state.fail(name, err)
			err = fmt.Errorf("%s: %w", name, err)
			return err
		}
		if ctx.Err() == nil {
			return fmt.Errorf("%s stopped unexpectedly", name)
		}
		return nil
	}, func(error) {
		cancel()
		<-done
	})
}

// profile returns the named profile, or an EINVALID error listing them.
func (m *Main) profile(name string) (*chartscan.Profile, error) {
	if p := m.Profiles[name]; p != nil {
		return p, nil
	}
	var names []string
	for n := range m.Profiles {
		names = append(names, n)
	}
	return nil, chartscan.Errorf(chartscan.EINVALID, "unknown profile %q (have: %s)", name, strings.Join(names, ", "))
}

// Close releases the audit log, the index and the OCR engines. It may be
// called after a failed Open.
func (m *Main) Close() error {
	var errs []error
	if m.Audit != nil {
		errs = append(errs, m.Audit.Close())
	}
	if m.Index != nil {
		errs = append(errs, m.Index.Close())
	}
	if m.OCR != nil {
		errs = append(errs, m.OCR.Close())
	}
	return errors.Join(errs...)
}

// claimNode is the name under which a capture node claims files on its
// inboxes: only a node that shares its bucket with others (role capture)
// claims; a node alone takes files as they are.
func claimNode(cfg *config.Config) string {
	if cfg.Node.Role == config.RoleCapture {
		return cfg.Node.Name
	}
	return ""
}

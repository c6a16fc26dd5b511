package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"chartscan"
	"chartscan/api"
	"chartscan/audit"
	"chartscan/auth"
	"chartscan/classify"
	"chartscan/config"
	"chartscan/index"
	"chartscan/ingest"
	"chartscan/ocr"
	"chartscan/patients"
	"chartscan/raster"
	"chartscan/records"
	"chartscan/storage"
)

// Main is the chartscan program wired together: configuration, object
// store, index, OCR engines, pipeline, queue, watcher and HTTP API. Open
// builds the parts, Run serves until its context ends, Close releases
// everything. Tests start the real program through it on port :0 with a
// temporary data folder.
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
	HTTP       *api.Server

	// OCRCommand overrides the OCR worker program (tests).
	OCRCommand []string

	ready chan struct{}
	once  sync.Once
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

// OpenStore opens the object store the config selects.
func OpenStore(cfg *config.Config, log *slog.Logger) (chartscan.ObjectStore, error) {
	switch cfg.Storage.Kind {
	case "s3":
		return storage.NewS3(context.Background(), storage.S3Config{
			Endpoint:  cfg.Storage.S3.Endpoint,
			Bucket:    cfg.Storage.S3.Bucket,
			AccessKey: cfg.Storage.S3.AccessKey,
			SecretKey: cfg.Storage.S3.SecretKey,
			Secure:    cfg.Storage.S3.Secure,
			Region:    cfg.Storage.S3.Region,
			SSE:       cfg.Storage.S3.SSE,
			CAFile:    cfg.Storage.S3.CAFile,
			Logger:    log,
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
	if m.Store, err = OpenStore(cfg, m.Logger.With("component", "storage")); err != nil {
		return err
	}
	if m.Index, err = index.Open(cfg.IndexDir()); err != nil {
		return err
	}
	return nil
}

// Open builds every part of the service.
func (m *Main) Open() error {
	cfg := m.Config
	if err := m.OpenStorage(); err != nil {
		return err
	}
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
		Index:      m.Index,
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
	}
	m.Queue = &ingest.Queue{
		Dir:        cfg.WorkDir(),
		Pipeline:   m.Pipeline,
		Profiles:   m.Profiles,
		InboxDir:   cfg.InboxDir,
		ArchiveDir: cfg.ArchiveDir,
		FailedDir:  cfg.FailedDir(),
		Workers:    cfg.Ingest.Files,
		Drain:      cfg.Ingest.Drain,
		MaxUpload:  int64(cfg.API.MaxUpload),
		Logger:     m.Logger.With("component", "queue"),
	}
	for _, p := range m.Profiles {
		if err := os.MkdirAll(cfg.InboxDir(p), 0o750); err != nil {
			return fmt.Errorf("profile %s inbox: %w", p.Name, err)
		}
	}
	m.Watcher = &ingest.Watcher{
		Queue:    m.Queue,
		Profiles: m.Profiles,
		InboxDir: cfg.InboxDir,
		Rescan:   cfg.Ingest.Rescan,
		Logger:   m.Logger.With("component", "watcher"),
	}
	m.Records = &records.Service{Store: m.Store, Index: m.Index, Learner: m.Classifier}
	m.Tokens = auth.NewStore(cfg.TokensFile())
	if m.Audit, err = audit.Open(cfg.AuditDir(), m.Store, m.Logger.With("component", "audit")); err != nil {
		return err
	}
	m.HTTP = api.New(api.Deps{
		Store:     m.Store,
		Records:   m.Records,
		Index:     m.Index,
		Queue:     m.Queue,
		Profiles:  m.Profiles,
		Tokens:    m.Tokens,
		Audit:     m.Audit,
		Health:    m.health,
		MaxUpload: int64(cfg.API.MaxUpload),
		Logger:    m.Logger.With("component", "http"),
	})
	return nil
}

// health reports whether the service can serve: the object store answers
// and the index is open.
func (m *Main) health(ctx context.Context) error {
	if _, err := m.Store.Stat(ctx, "health/probe"); err != nil && !chartscan.IsNotFound(err) {
		return fmt.Errorf("object store: %w", err)
	}
	if _, err := m.Index.Count(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// Addr returns the HTTP address the service listens on, once Ready.
func (m *Main) Addr() string { return m.HTTP.Addr() }

// Ready is closed once the service listens.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// Run serves until ctx ends, then stops in order: the watcher stops taking
// files; the queue finishes (or hands back) the files in progress; the
// HTTP server finishes its requests; the audit log is copied to the store.
// Close then releases the audit log, the index and the OCR engines.
func (m *Main) Run(ctx context.Context) error {
	if err := m.HTTP.Listen(m.Config.Listen, m.Config.TLS.Cert, m.Config.TLS.Key); err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.Listen, err)
	}
	m.Logger.Info("chartscan serving", "version", version, "addr", m.HTTP.Addr(), "storage", m.Config.Storage.Kind, "profiles", len(m.Profiles))

	httpErr := make(chan error, 1)
	go func() { httpErr <- m.HTTP.Serve() }()

	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	var wg sync.WaitGroup
	var watchErr, queueErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		watchErr = m.Watcher.Run(wctx)
	}()
	actx, stopAudit := context.WithCancel(context.Background())
	auditDone := make(chan struct{})
	go func() {
		defer close(auditDone)
		m.Audit.Run(actx, 30*time.Second)
	}()
	go m.Classifier.Run(actx, time.Minute) // lessons other nodes stored
	qctx, stopQueue := context.WithCancel(context.Background())
	defer stopQueue()
	queueDone := make(chan struct{})
	go func() {
		defer close(queueDone)
		queueErr = m.Queue.Run(qctx)
	}()
	m.once.Do(func() { close(m.ready) })

	var err error
	select {
	case <-ctx.Done():
	case err = <-httpErr:
		err = fmt.Errorf("http: %w", err)
	}
	m.Logger.Info("stopping: watcher, then queue, then HTTP")
	stopWatch()
	wg.Wait()
	stopQueue()
	<-queueDone
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := m.HTTP.Shutdown(sctx); serr != nil && err == nil {
		err = serr
	}
	stopAudit() // copies the audit log to the store once more
	<-auditDone
	return errors.Join(err, watchErr, queueErr)
}

// Close releases the index, the OCR engines and the store.
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

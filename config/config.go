// Package config loads chartscan's configuration: built-in defaults, then a
// YAML file, then CHARTSCAN_* environment variables; and the scanner
// profiles. Every error is one line naming the bad key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"chartscan"
)

// DefaultFile is the config file used when --config is not given and it
// exists in the working directory.
const DefaultFile = "chartscan.yaml"

// Config is chartscan's configuration. The zero value is not useful; use
// Default or Load.
type Config struct {
	DataDir     string    `yaml:"data_dir"`
	Listen      string    `yaml:"listen"`
	ProfilesDir string    `yaml:"profiles_dir"`
	Storage     Storage   `yaml:"storage"`
	OCR         OCR       `yaml:"ocr"`
	Ingest      Ingest    `yaml:"ingest"`
	Limits      Limits    `yaml:"limits"`
	API         API       `yaml:"api"`
	UI          UI        `yaml:"ui"`
	TLS         TLS       `yaml:"tls"`
	Log         Log       `yaml:"log"`
	Patients    Patients  `yaml:"patients"`
	Retention   Retention `yaml:"retention"`
	Node        Node      `yaml:"node"`
	Search      Search    `yaml:"search"`
	FHIR        FHIR      `yaml:"fhir"`
	Export      Export    `yaml:"export"`

	// profilesDirSet is true when profiles_dir came from the file or env;
	// otherwise a missing folder falls back to the embedded profiles.
	profilesDirSet bool
}

// Storage selects and configures the object store.
type Storage struct {
	Kind string `yaml:"kind"` // fs | s3
	S3   S3     `yaml:"s3"`
}

// S3 configures an S3-compatible object store.
type S3 struct {
	Endpoint  string `yaml:"endpoint"`
	Bucket    string `yaml:"bucket"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	Secure    bool   `yaml:"secure"`
	Region    string `yaml:"region"`
	// CAFile is a PEM file of extra certificate authorities for HTTPS.
	CAFile string `yaml:"ca_file"`
	// SSE asks the server to encrypt objects at rest (SSE-S3).
	SSE bool `yaml:"sse"`
	// RetryFor is how long an operation keeps retrying while the service
	// is unreachable or failing; after that the file waits in the work
	// folder and is tried again later.
	RetryFor time.Duration `yaml:"retry_for"`
	// ObjectLock creates a missing bucket with S3 object lock, and makes
	// legal holds S3 legal holds on the held records' objects as well.
	ObjectLock bool `yaml:"object_lock"`
}

// OCR configures the OCR engines.
type OCR struct {
	// Workers is the number of Tesseract engines; 0 means one per CPU.
	Workers   int      `yaml:"workers"`
	Languages []string `yaml:"languages"`
	// PageTimeout bounds the OCR of one page; a page that takes longer is
	// kept without text and its batch marked for review.
	PageTimeout time.Duration `yaml:"page_timeout"`
	// MaxDPI is the resolution pages are read at; finer scans are scaled
	// down first (faster, and as accurate). 0 reads every page as scanned.
	MaxDPI int `yaml:"max_dpi"`
}

// Ingest configures the watcher and the queue.
type Ingest struct {
	// Rescan is how often inboxes are listed in full, for network shares
	// that do not deliver file events.
	Rescan time.Duration `yaml:"rescan"`
	// Files is how many files are processed at once (their pages share the
	// OCR engines); 0 means as many as there are OCR engines.
	Files int `yaml:"files"`
	// Drain is how long files in progress may finish at shutdown before
	// they are handed back to the work folder for the next start.
	Drain time.Duration `yaml:"drain"`
	// Poll is how often files in an inbox are looked at while they settle.
	Poll time.Duration `yaml:"poll"`
}

// Intervals of the service's housekeeping, which have no key of their own.
const (
	// AuditCopyInterval is how often the audit log is copied into the
	// object store (and once more at shutdown).
	AuditCopyInterval = 30 * time.Second
	// LessonsRefresh is how often the section lessons other nodes stored
	// are loaded.
	LessonsRefresh = time.Minute
)

// Limits protect the service from huge or hostile input.
type Limits struct {
	MaxFileSize   Size  `yaml:"max_file_size"`
	MaxPages      int   `yaml:"max_pages"`
	MaxPagePixels int64 `yaml:"max_page_pixels"`
	// Memory is a soft limit for the service's own heap (the OCR worker
	// processes not included): the garbage collector works harder as it
	// is approached, up to half the process's CPU. 0, the default, sets
	// no limit; the heap then stays within 1.5 times what it holds live
	// (GOGC=50), which keeps memory in proportion to the work at hand.
	Memory Size `yaml:"memory"`
}

// API configures the HTTP API.
type API struct {
	MaxUpload Size `yaml:"max_upload"`
}

// Node says what this chartscan process is among several sharing one
// bucket.
type Node struct {
	// Role is all (capture and search: one node alone), capture (reads
	// scans into the bucket, keeps no index) or search (keeps an index that
	// follows the bucket, serves search, the UI and FHIR; captures nothing).
	Role string `yaml:"role"`
	// Name tells the nodes apart: in file claims on a shared inbox, in the
	// change log and in AuditEvent sources. "" is the host name.
	Name string `yaml:"name"`
}

// Node roles.
const (
	RoleAll     = "all"
	RoleCapture = "capture"
	RoleSearch  = "search"
)

// Captures reports whether the node reads scans.
func (n Node) Captures() bool { return n.Role != RoleSearch }

// Indexes reports whether the node keeps a search index.
func (n Node) Indexes() bool { return n.Role != RoleCapture }

// Search configures a search node.
type Search struct {
	// FollowInterval is how often a search node looks for new changes in
	// the bucket.
	FollowInterval time.Duration `yaml:"follow_interval"`
}

// Retention says how long records are kept: Years from the service date
// (the scan date when it is unknown), or the years of the document's
// section in Sections.
type Retention struct {
	Years    int            `yaml:"years"`
	Sections map[string]int `yaml:"sections"`
}

// For returns how many years a document of the section is kept.
func (r Retention) For(s chartscan.Section) int {
	if y, ok := r.Sections[string(s)]; ok {
		return y
	}
	return r.Years
}

// UI configures the technicians' web UI.
type UI struct {
	// IdleTimeout ends a session not used for that long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// AbsoluteTimeout ends any session that old.
	AbsoluteTimeout time.Duration `yaml:"absolute_timeout"`
}

// TLS enables HTTPS when both files are set.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// Patients names the master patient index documents are checked
// against: a CSV file (header mrn,family_name,given_name,dob; read again
// when it changes), a FHIR server's Patient search, or both. Neither set
// means no index.
type Patients struct {
	CSV       string `yaml:"csv"`
	FHIRURL   string `yaml:"fhir_url"`
	FHIRToken string `yaml:"fhir_token"`
}

// FHIR configures the FHIR R4 facade and the FHIR export.
type FHIR struct {
	// MRNSystem is the identifier system of the hospital's medical
	// record numbers: the system of every DocumentReference subject, and
	// the one patient.identifier searches must name. Set it to the
	// system the EHR uses (an OID as urn:oid:..., or a URL).
	MRNSystem string `yaml:"mrn_system"`
}

// Export configures `chartscan export fhir|hl7`.
type Export struct {
	// FHIRURL is the EHR's FHIR base that transaction Bundles are POSTed
	// to when --url is not given ("" writes files only).
	FHIRURL string `yaml:"fhir_url"`
	// FHIRToken is the bearer token sent to the FHIR base.
	FHIRToken string `yaml:"fhir_token"`
	// Attempts is how many times a document is offered before it is
	// reported not delivered.
	Attempts int `yaml:"attempts"`
	// MaxBackoff bounds the wait between two attempts (1s, 2s, 4s, ...).
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// Timeout bounds one attempt: a request, or a message and its ACK.
	Timeout time.Duration `yaml:"timeout"`
	HL7     HL7           `yaml:"hl7"`
}

// HL7 names the parties of the HL7 v2 messages (MSH-3 to MSH-6) and the
// assigning authority of the MRN (PID-3.4).
type HL7 struct {
	SendingApplication   string `yaml:"sending_application"`
	SendingFacility      string `yaml:"sending_facility"`
	ReceivingApplication string `yaml:"receiving_application"`
	ReceivingFacility    string `yaml:"receiving_facility"`
	AssigningAuthority   string `yaml:"assigning_authority"`
}

// Log configures the service log.
type Log struct {
	Level  string `yaml:"level"`  // debug | info | warn | error
	Format string `yaml:"format"` // json | text
}

// Default returns the built-in configuration.
func Default() *Config {
	return &Config{
		DataDir:     "./chartscan-data",
		Listen:      "127.0.0.1:8080",
		ProfilesDir: "./scanner-profiles",
		Storage: Storage{
			Kind: "fs",
			S3:   S3{Endpoint: "127.0.0.1:9000", Bucket: "chartscan", RetryFor: 2 * time.Minute},
		},
		OCR:    OCR{Languages: []string{"eng"}, PageTimeout: 2 * time.Minute, MaxDPI: 200},
		Ingest: Ingest{Rescan: 30 * time.Second, Files: 2, Drain: 30 * time.Second, Poll: 250 * time.Millisecond},
		Limits: Limits{
			MaxFileSize:   2 << 30,
			MaxPages:      2000,
			MaxPagePixels: 120_000_000, // 600 dpi A3 is ~70 Mpx
		},
		API: API{MaxUpload: 1 << 30},
		UI:  UI{IdleTimeout: 15 * time.Minute, AbsoluteTimeout: 12 * time.Hour},
		// Ten years is the longest of most US states' hospital record
		// rules for adults; consents are kept longer by many facilities.
		Retention: Retention{Years: 10, Sections: map[string]int{"consent": 25}},
		Node:      Node{Role: RoleAll},
		Search:    Search{FollowInterval: 5 * time.Second},
		Log:       Log{Level: "info", Format: "json"},
		// A site sets its own MRN system; this one says whose MRNs they
		// are without claiming an OID that is not chartscan's.
		FHIR: FHIR{MRNSystem: "urn:chartscan:mrn"},
		Export: Export{
			Attempts: 3, MaxBackoff: 30 * time.Second, Timeout: time.Minute,
			HL7: HL7{SendingApplication: "CHARTSCAN"},
		},
	}
}

// Load returns the configuration from defaults, the YAML file at path (or
// DefaultFile when path is "" and that file exists) and the CHARTSCAN_*
// variables of environ (as os.Environ returns them). Relative data_dir and
// profiles_dir are made absolute against the working directory.
func Load(path string, environ []string) (*Config, error) {
	if path == "" {
		if _, err := os.Stat(DefaultFile); err == nil {
			path = DefaultFile
		}
	}
	var b []byte
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	return Parse(path, b, environ)
}

// Parse returns the configuration from defaults, the YAML b (read from
// the file name, for messages) and the CHARTSCAN_* variables of environ.
func Parse(name string, b []byte, environ []string) (*Config, error) {
	c := Default()
	if len(b) > 0 {
		if err := c.decode(name, b); err != nil {
			return nil, err
		}
	}
	if err := c.applyEnv(environ); err != nil {
		return nil, err
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) decode(name string, b []byte) error {
	var probe struct {
		ProfilesDir *string `yaml:"profiles_dir"`
	}
	_ = yaml.Unmarshal(b, &probe)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %s", name, yamlError(err))
	}
	if probe.ProfilesDir != nil {
		c.profilesDirSet = true
	}
	return nil
}

// yamlError turns a yaml.v3 error into one line in chartscan's words.
func yamlError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			msgs[i] = rewordYAML(m)
		}
		return strings.Join(msgs, "; ")
	}
	return strings.ReplaceAll(rewordYAML(err.Error()), "\n", " ")
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)
	badValueRE     = regexp.MustCompile("^line (\\d+): cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
)

func rewordYAML(m string) string {
	m = strings.TrimPrefix(m, "yaml: ")
	if s := unknownFieldRE.FindStringSubmatch(m); s != nil {
		return fmt.Sprintf("line %s: unknown key %q", s[1], s[2])
	}
	if s := badValueRE.FindStringSubmatch(m); s != nil {
		want := s[3]
		switch want {
		case "time.Duration":
			want = "a duration such as 30s or 2m"
		case "int", "int64":
			want = "a whole number"
		case "bool":
			want = "true or false"
		case "float64":
			want = "a number"
		case "[]string":
			want = "a list such as [a, b]"
		case "chartscan.BarcodeRule", "[]chartscan.BarcodeRule":
			want = "a list of rules such as [{pattern: '^ASN(\\d+)$', field: asn}]"
		}
		return fmt.Sprintf("line %s: bad value %q, want %s", s[1], s[2], want)
	}
	return m
}

// applyEnv sets every field named by a CHARTSCAN_<PATH> variable, where
// PATH is the field's YAML key path in upper snake case
// (CHARTSCAN_STORAGE_S3_ENDPOINT). Lists are comma-separated. Unknown
// CHARTSCAN_ variables are ignored.
func (c *Config) applyEnv(environ []string) error {
	vars := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, "CHARTSCAN_") {
			vars[k] = v
		}
	}
	if len(vars) == 0 {
		return nil
	}
	var walk func(v reflect.Value, prefix string) error
	walk = func(v reflect.Value, prefix string) error {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			name := prefix + "_" + strings.ToUpper(tag)
			fv := v.Field(i)
			if f.Type.Kind() == reflect.Struct {
				if err := walk(fv, name); err != nil {
					return err
				}
				continue
			}
			val, ok := vars[name]
			if !ok {
				continue
			}
			if err := setFromString(fv, val); err != nil {
				return fmt.Errorf("config: %s: bad value %q: %v", name, val, err)
			}
			if name == "CHARTSCAN_PROFILES_DIR" {
				c.profilesDirSet = true
			}
		}
		return nil
	}
	return walk(reflect.ValueOf(c).Elem(), "CHARTSCAN")
}

func setFromString(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
		return nil
	case reflect.Slice:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		v.Set(reflect.ValueOf(parts))
		return nil
	}
	if v.Type() == reflect.TypeOf(time.Duration(0)) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("want a duration such as 30s or 2m")
		}
		v.SetInt(int64(d))
		return nil
	}
	if v.Type() == reflect.TypeOf(Size(0)) {
		sz, err := ParseSize(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(sz))
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return errors.New("want a whole number")
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return errors.New("want a number")
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("cannot set a %s from the environment", v.Kind())
	}
	return nil
}

// finish validates c and makes its paths absolute.
func (c *Config) finish() error {
	var err error
	if c.DataDir == "" {
		return errors.New("config: data_dir: must not be empty")
	}
	if c.DataDir, err = filepath.Abs(c.DataDir); err != nil {
		return fmt.Errorf("config: data_dir: %v", err)
	}
	if c.ProfilesDir != "" {
		if c.ProfilesDir, err = filepath.Abs(c.ProfilesDir); err != nil {
			return fmt.Errorf("config: profiles_dir: %v", err)
		}
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("config: listen: %q is not host:port", c.Listen)
	}
	switch c.Storage.Kind {
	case "fs":
	case "s3":
		if c.Storage.S3.Endpoint == "" {
			return errors.New("config: storage.s3.endpoint: must be set for storage.kind s3")
		}
		if c.Storage.S3.Bucket == "" {
			return errors.New("config: storage.s3.bucket: must be set for storage.kind s3")
		}
		if c.Storage.S3.RetryFor < 0 || c.Storage.S3.RetryFor > 24*time.Hour {
			return fmt.Errorf("config: storage.s3.retry_for: %s is outside 0..24h", c.Storage.S3.RetryFor)
		}
	default:
		return fmt.Errorf("config: storage.kind: %q is not fs or s3", c.Storage.Kind)
	}
	if c.OCR.Workers < 0 || c.OCR.Workers > 256 {
		return fmt.Errorf("config: ocr.workers: %d is outside 0..256", c.OCR.Workers)
	}
	if len(c.OCR.Languages) == 0 {
		return errors.New("config: ocr.languages: at least one language is needed")
	}
	for _, l := range c.OCR.Languages {
		if !chartscan.ValidLanguage(l) {
			return fmt.Errorf("config: ocr.languages: bad language code %q", l)
		}
	}
	if c.OCR.MaxDPI != 0 && (c.OCR.MaxDPI < 100 || c.OCR.MaxDPI > 1200) {
		return fmt.Errorf("config: ocr.max_dpi: %d is outside 100..1200 (or 0)", c.OCR.MaxDPI)
	}
	if c.OCR.PageTimeout <= 0 {
		return fmt.Errorf("config: ocr.page_timeout: %s must be positive", c.OCR.PageTimeout)
	}
	if c.Ingest.Rescan < time.Second {
		return fmt.Errorf("config: ingest.rescan: %s is shorter than 1s", c.Ingest.Rescan)
	}
	if c.Ingest.Poll < 10*time.Millisecond || c.Ingest.Poll > time.Minute {
		return fmt.Errorf("config: ingest.poll: %s is outside 10ms..1m", c.Ingest.Poll)
	}
	if c.Ingest.Drain < 0 || c.Ingest.Drain > time.Hour {
		return fmt.Errorf("config: ingest.drain: %s is outside 0..1h", c.Ingest.Drain)
	}
	if c.Ingest.Files < 0 || c.Ingest.Files > 64 {
		return fmt.Errorf("config: ingest.files: %d is outside 0..64", c.Ingest.Files)
	}
	if c.Limits.Memory < 0 || (c.Limits.Memory > 0 && c.Limits.Memory < 64<<20) {
		return errors.New("config: limits.memory: 0 or at least 64MiB")
	}
	if c.Limits.MaxFileSize <= 0 || c.Limits.MaxPages <= 0 || c.Limits.MaxPagePixels <= 0 {
		return errors.New("config: limits: every limit must be positive")
	}
	if c.API.MaxUpload <= 0 {
		return errors.New("config: api.max_upload: must be positive")
	}
	if c.UI.IdleTimeout < time.Minute || c.UI.IdleTimeout > c.UI.AbsoluteTimeout || c.UI.AbsoluteTimeout > 7*24*time.Hour {
		return errors.New("config: ui: idle_timeout must be at least 1m and at most absolute_timeout, which is at most 168h")
	}
	switch c.Node.Role {
	case RoleAll, RoleCapture, RoleSearch:
	default:
		return fmt.Errorf("config: node.role: %q is not all, capture or search", c.Node.Role)
	}
	if c.Node.Name == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "chartscan"
		}
		c.Node.Name = h
	}
	if !nodeNameRE.MatchString(c.Node.Name) {
		return fmt.Errorf("config: node.name: %q: use letters, digits, '.', '_' or '-'", c.Node.Name)
	}
	if c.Node.Role != RoleAll && c.Storage.Kind != "s3" {
		return fmt.Errorf("config: node.role %s: several nodes share one bucket: set storage.kind s3", c.Node.Role)
	}
	if c.Search.FollowInterval < 100*time.Millisecond || c.Search.FollowInterval > time.Hour {
		return fmt.Errorf("config: search.follow_interval: %s is outside 100ms..1h", c.Search.FollowInterval)
	}
	if c.Retention.Years < 1 || c.Retention.Years > 200 {
		return fmt.Errorf("config: retention.years: %d is outside 1..200", c.Retention.Years)
	}
	for sec, y := range c.Retention.Sections {
		if !chartscan.Section(sec).Valid() {
			return fmt.Errorf("config: retention.sections: unknown section %q", sec)
		}
		if y < 1 || y > 200 {
			return fmt.Errorf("config: retention.sections.%s: %d is outside 1..200", sec, y)
		}
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		return errors.New("config: tls: set both cert and key, or neither")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log.level: %q is not debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		return fmt.Errorf("config: log.format: %q is not json or text", c.Log.Format)
	}
	if c.Patients.CSV != "" {
		if c.Patients.CSV, err = filepath.Abs(c.Patients.CSV); err != nil {
			return fmt.Errorf("config: patients.csv: %v", err)
		}
		if st, err := os.Stat(c.Patients.CSV); err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("config: patients.csv: file %s does not exist", c.Patients.CSV)
		}
	}
	if c.Patients.FHIRToken != "" && c.Patients.FHIRURL == "" {
		return errors.New("config: patients.fhir_token: set without patients.fhir_url")
	}
	if c.Patients.FHIRURL != "" {
		u, err := url.Parse(c.Patients.FHIRURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("config: patients.fhir_url: must be an http:// or https:// URL")
		}
	}
	if err := c.checkExport(); err != nil {
		return err
	}
	return nil
}

// checkExport validates the fhir and export keys.
func (c *Config) checkExport() error {
	if u, err := url.Parse(c.FHIR.MRNSystem); err != nil || u.Scheme == "" || strings.ContainsAny(c.FHIR.MRNSystem, " |") {
		return errors.New("config: fhir.mrn_system: must be an absolute URI such as urn:oid:1.2.3 or https://hospital.example/mrn")
	}
	if c.Export.FHIRToken != "" && c.Export.FHIRURL == "" {
		return errors.New("config: export.fhir_token: set without export.fhir_url")
	}
	if c.Export.FHIRURL != "" {
		u, err := url.Parse(c.Export.FHIRURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("config: export.fhir_url: must be an http:// or https:// URL")
		}
	}
	if c.Export.Attempts < 1 || c.Export.Attempts > 100 {
		return fmt.Errorf("config: export.attempts: %d is outside 1..100", c.Export.Attempts)
	}
	if c.Export.MaxBackoff < 0 || c.Export.MaxBackoff > time.Hour {
		return fmt.Errorf("config: export.max_backoff: %s is outside 0..1h", c.Export.MaxBackoff)
	}
	if c.Export.Timeout < time.Second || c.Export.Timeout > time.Hour {
		return fmt.Errorf("config: export.timeout: %s is outside 1s..1h", c.Export.Timeout)
	}
	h := c.Export.HL7
	for name, v := range map[string]string{"sending_application": h.SendingApplication, "sending_facility": h.SendingFacility,
		"receiving_application": h.ReceivingApplication, "receiving_facility": h.ReceivingFacility, "assigning_authority": h.AssigningAuthority} {
		if len(v) > 64 || strings.ContainsAny(v, "|^~\\&\r\n") {
			return fmt.Errorf("config: export.hl7.%s: at most 64 characters, none of | ^ ~ \\ &", name)
		}
	}
	if h.SendingApplication == "" {
		return errors.New("config: export.hl7.sending_application: must not be empty")
	}
	return nil
}

// Files returns how many files are processed at once.
func (c *Config) Files() int {
	if c.Ingest.Files > 0 {
		return c.Ingest.Files
	}
	return c.Workers()
}

// Workers returns the number of OCR engines to run.
func (c *Config) Workers() int {
	if c.OCR.Workers > 0 {
		return c.OCR.Workers
	}
	return runtime.NumCPU()
}

// Paths under data_dir.

// FollowFile keeps a search node's place in the bucket's change log.
func (c *Config) FollowFile() string { return filepath.Join(c.DataDir, "follow.json") }

// IndexDir is where the Bleve index lives.
func (c *Config) IndexDir() string { return filepath.Join(c.DataDir, "index") }

// ObjectsDir is the root of the fs object store.
func (c *Config) ObjectsDir() string { return filepath.Join(c.DataDir, "objects") }

// WorkDir holds files that were accepted and are not yet fully stored.
func (c *Config) WorkDir() string { return filepath.Join(c.DataDir, "work") }

// FailedDir holds uploads that failed (watched files fail next to their inbox).
func (c *Config) FailedDir() string { return filepath.Join(c.DataDir, "failed") }

// TokensFile holds the API token hashes.
func (c *Config) TokensFile() string { return filepath.Join(c.DataDir, "tokens.json") }

// UsersFile holds the web UI's users and their password hashes.
func (c *Config) UsersFile() string { return filepath.Join(c.DataDir, "users.json") }

// ExportsDir holds the state of each export destination.
func (c *Config) ExportsDir() string { return filepath.Join(c.DataDir, "exports") }

// AuditDir holds the append-only audit log.
func (c *Config) AuditDir() string { return filepath.Join(c.DataDir, "audit") }

// InboxDir returns the absolute inbox folder of p.
func (c *Config) InboxDir(p *chartscan.Profile) string {
	in := p.Inbox
	if in == "" {
		in = p.Name
	}
	if filepath.IsAbs(in) {
		return filepath.Clean(in)
	}
	return filepath.Join(c.DataDir, "inbox", in)
}

// ArchiveDir returns the absolute archive folder of p.
func (c *Config) ArchiveDir(p *chartscan.Profile) string {
	a := p.ArchiveDir
	if a == "" {
		a = "archive"
	}
	if filepath.IsAbs(a) {
		return filepath.Clean(a)
	}
	return filepath.Join(c.InboxDir(p), a)
}

// Profiles loads and validates every *.yaml profile in profiles_dir. When
// profiles_dir was not configured and does not exist, the profiles embedded
// in the binary are used. A configured folder that is missing is an error.
func (c *Config) Profiles() (map[string]*chartscan.Profile, error) {
	var fsys fs.FS
	if st, err := os.Stat(c.ProfilesDir); err == nil && st.IsDir() {
		fsys = os.DirFS(c.ProfilesDir)
	} else if c.profilesDirSet {
		return nil, fmt.Errorf("config: profiles_dir: folder %s does not exist", c.ProfilesDir)
	} else {
		sub, err := fs.Sub(chartscan.DefaultProfiles, "scanner-profiles")
		if err != nil {
			return nil, err
		}
		fsys = sub
	}
	return LoadProfiles(fsys)
}

// LoadProfiles loads and validates every *.yaml file at the top of fsys.
func LoadProfiles(fsys fs.FS) (map[string]*chartscan.Profile, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("config: profiles_dir: no *.yaml scanner profiles found")
	}
	out := map[string]*chartscan.Profile{}
	inboxes := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		p, err := ParseProfile(strings.TrimSuffix(n, ".yaml"), b)
		if err != nil {
			return nil, err
		}
		in := p.Inbox
		if in == "" {
			in = p.Name
		}
		if other, dup := inboxes[in]; dup {
			return nil, fmt.Errorf("config: profiles %s and %s share the inbox %q", other, p.Name, in)
		}
		inboxes[in] = p.Name
		out[p.Name] = p
	}
	return out, nil
}

// ParseProfile decodes and validates one profile; name is its file name
// without .yaml. Unknown keys are errors.
func ParseProfile(name string, b []byte) (*chartscan.Profile, error) {
	p := chartscan.NewProfile(name)
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("profile %s.yaml: %s", name, yamlError(err))
	}
	if p.Name != name {
		return nil, fmt.Errorf("profile %s.yaml: name %q must match the file name", name, p.Name)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %s.yaml: %s", name, strings.TrimPrefix(err.Error(), "profile "+name+": "))
	}
	return p, nil
}

// Size is a byte count written as 512MiB, 2GB, 10M or a plain number.
type Size int64

// UnmarshalYAML parses a size.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: bad value %q, %v", n.Line, n.Value, err)
	}
	*s = v
	return nil
}

var nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

var sizeRE = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?$`)

// ParseSize parses a size such as 512MiB, 2GB, 10M or 1048576. K, M, G and
// T are powers of 1024, with or without the i.
func ParseSize(s string) (Size, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, errors.New("want a size such as 512MiB or 2GB")
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[strings.ToLower(m[2])]
	return Size(f * mult), nil
}

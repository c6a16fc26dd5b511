package storage

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"chartscan"
)

// S3Config configures an S3 store.
type S3Config struct {
	Endpoint  string // host:port, without scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Secure    bool // HTTPS
	// CAFile is a PEM file of certificate authorities to trust for HTTPS,
	// in addition to the system's (a hospital's internal CA).
	CAFile string
	Region string // "" for the server's default
	SSE    bool   // ask for server-side encryption (SSE-S3)
	// RetryFor is how long an operation keeps retrying while the service
	// is unreachable or failing before it gives up with EUNAVAILABLE; 0
	// does not retry.
	RetryFor time.Duration
	Logger   *slog.Logger
	// OnRetry, if set, is called each time an operation is retried (for
	// the metrics). It must be safe for concurrent use.
	OnRetry func()
	// ObjectLock creates a missing bucket with object locking (and so
	// versioning), and makes the store a chartscan.LegalHolder: objects
	// under a legal hold cannot be deleted, not even with the bucket's own
	// credentials. Delete then removes every version of an object.
	ObjectLock bool
}

// S3 is an object store in an S3-compatible service (MinIO, AWS S3, Ceph
// RGW), using the same keys as FS. Objects are streamed, never buffered
// whole. Transient failures (connection refused, timeouts, 5xx) are retried
// with backoff for up to RetryFor. It is safe for concurrent use.
type S3 struct {
	c       *minio.Client
	bucket  string
	sse     encrypt.ServerSide
	retry   time.Duration
	log     *slog.Logger
	onRetry func()
	locked  bool // the bucket has object locking
}

var _ chartscan.ObjectStore = (*S3)(nil)

// NewS3 connects to the service and creates the bucket if it is missing,
// waiting (up to RetryFor) for the service to come up.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	endpoint := strings.TrimPrefix(strings.TrimPrefix(cfg.Endpoint, "https://"), "http://")
	opts := &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("storage: s3 ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("storage: s3 ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		tr, err := minio.DefaultTransport(cfg.Secure)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig.RootCAs = pool
		opts.Transport = tr
	}
	c, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("storage: s3 endpoint %q: %w", cfg.Endpoint, err)
	}
	s := &S3{c: c, bucket: cfg.Bucket, retry: cfg.RetryFor, log: cfg.Logger, onRetry: cfg.OnRetry, locked: cfg.ObjectLock}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.SSE {
		s.sse = encrypt.NewSSE()
	}
	err = s.do(ctx, "create bucket", func(ctx context.Context) error {
		ok, err := c.BucketExists(ctx, cfg.Bucket)
		if err != nil || ok {
			return err
		}
		err = c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: cfg.ObjectLock})
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: s3 bucket %q at %s: %w", cfg.Bucket, endpoint, err)
	}
	if cfg.ObjectLock {
		var enabled string
		err := s.do(ctx, "object lock", func(ctx context.Context) error {
			var err error
			enabled, _, _, _, err = c.GetObjectLockConfig(ctx, cfg.Bucket)
			return err
		})
		if err != nil || enabled != "Enabled" {
			return nil, fmt.Errorf("storage: s3 bucket %q has no object lock (it must be created with it; object lock cannot be turned on later): %v", cfg.Bucket, err)
		}
	}
	return s, nil
}

// transient reports whether err is worth retrying: the service is down,
// unreachable, overloaded or failing.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// A certificate that does not verify will not verify on retry.
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var rh tls.RecordHeaderError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &rh) {
		return false
	}
	// Transport failures come wrapped in *url.Error; a short body from the
	// caller's own reader (io.ErrUnexpectedEOF alone) is not transient.
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	r := minio.ToErrorResponse(err)
	if r.StatusCode >= 500 {
		return true
	}
	switch r.Code {
	case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "XMinioServerNotInitialized", "XMinioStorageFull":
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "connection reset") ||
		strings.Contains(msg, "server not initialized")
}

// do runs op, retrying transient failures with backoff for up to s.retry.
func (s *S3) do(ctx context.Context, what string, op func(context.Context) error) error {
	deadline := time.Now().Add(s.retry)
	wait := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := redact(op(ctx))
		if err == nil || !transient(err) {
			return err
		}
		if time.Now().After(deadline) {
			return chartscan.WrapError(chartscan.EUNAVAILABLE, err, "object store unavailable")
		}
		if attempt == 1 || attempt%10 == 0 {
			s.log.Warn("object store unavailable; retrying", "op", what, "attempt", attempt, "err", err.Error())
		}
		if s.onRetry != nil {
			s.onRetry()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// redact drops the request URL from transport errors: object keys name
// source files, and file names can name patients; errors reach the logs.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: "(object)", Err: ue.Err}
	}
	return err
}

// mapErr turns S3 errors into chartscan errors.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	r := minio.ToErrorResponse(err)
	switch {
	case r.Code == "NoSuchKey" || r.StatusCode == http.StatusNotFound:
		return chartscan.WrapError(chartscan.ENOTFOUND, err, "object not found")
	case r.Code == "AccessDenied" || r.StatusCode == http.StatusForbidden:
		return chartscan.WrapError(chartscan.EUNAVAILABLE, err, "object store denied access")
	}
	return err
}

// Put streams r to key. A reader that can seek is rewound and sent again
// when the service fails midway.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := chartscan.CheckKey(key); err != nil {
		return err
	}
	if contentType == "" {
		contentType = chartscan.ContentType(key)
	}
	seeker, canRetry := r.(io.Seeker)
	var start int64
	if canRetry {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canRetry = false
		}
	}
	first := true
	err := s.do(ctx, "put", func(ctx context.Context) error {
		if !first {
			if !canRetry {
				return errors.New("upload failed and the data cannot be sent again")
			}
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return err
			}
		}
		first = false
		body := &countingReader{r: r}
		info, err := s.c.PutObject(ctx, s.bucket, key, body, size, minio.PutObjectOptions{
			ContentType:          contentType,
			ServerSideEncryption: s.sse,
		})
		if size >= 0 && body.eof && body.n < size {
			// The caller's data was short: no retry can fix that.
			return chartscan.Errorf(chartscan.EINVALID, "object %s: got %d bytes, want %d", chartscan.ShownKey(key), body.n, size)
		}
		if err == nil && size >= 0 && info.Size != size {
			return fmt.Errorf("stored %d bytes of %d", info.Size, size)
		}
		return err
	})
	return mapErr(err)
}

// countingReader counts what it reads and notes the end of its data.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// Get opens the object at key; the caller must close it. The first bytes
// are fetched before Get returns, so a missing object is reported here and
// the read is of one version of the object even if it is replaced meanwhile.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := chartscan.CheckKey(key); err != nil {
		return nil, err
	}
	var rc io.ReadCloser
	err := s.do(ctx, "get", func(ctx context.Context) error {
		o, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
		if err != nil {
			return err
		}
		head := make([]byte, 32<<10)
		n, err := io.ReadFull(o, head)
		switch {
		case err == nil:
			rc = readCloser{io.MultiReader(bytes.NewReader(head[:n]), o), o}
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			o.Close()
			rc = io.NopCloser(bytes.NewReader(head[:n]))
		default:
			o.Close()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, mapErr(err)
	}
	return rc, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Stat returns the object's metadata.
func (s *S3) Stat(ctx context.Context, key string) (chartscan.ObjectInfo, error) {
	if err := chartscan.CheckKey(key); err != nil {
		return chartscan.ObjectInfo{}, err
	}
	var info minio.ObjectInfo
	err := s.do(ctx, "stat", func(ctx context.Context) error {
		var err error
		info, err = s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
		return err
	})
	if err != nil {
		return chartscan.ObjectInfo{}, mapErr(err)
	}
	return chartscan.ObjectInfo{Key: key, Size: info.Size, ContentType: info.ContentType, Modified: info.LastModified}, nil
}

// List calls fn for each object under prefix, in key order. A listing
// interrupted by a transient failure resumes after the last key seen.
func (s *S3) List(ctx context.Context, prefix string, fn func(chartscan.ObjectInfo) error) error {
	return s.ListAfter(ctx, prefix, "", fn)
}

// ListAfter lists the keys under prefix that sort after after, in order.
func (s *S3) ListAfter(ctx context.Context, prefix, after string, fn func(chartscan.ObjectInfo) error) error {
	var fnErr error
	err := s.do(ctx, "list", func(ctx context.Context) error {
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for o := range s.c.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, StartAfter: after}) {
			if o.Err != nil {
				return o.Err
			}
			after = o.Key
			if err := fn(chartscan.ObjectInfo{Key: o.Key, Size: o.Size, ContentType: chartscan.ContentType(o.Key), Modified: o.LastModified}); err != nil {
				fnErr = err
				return nil
			}
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return mapErr(err)
}

// Delete removes the object at key; a missing object is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := chartscan.CheckKey(key); err != nil {
		return err
	}
	if !s.locked {
		return mapErr(s.do(ctx, "delete", func(ctx context.Context) error {
			return s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
		}))
	}
	// In a versioned bucket a plain delete only hides the object behind a
	// delete marker; deleting means removing every version. A version
	// under a legal hold refuses: that is the point.
	return mapErr(s.do(ctx, "delete", func(ctx context.Context) error {
		for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
			if o.Err != nil {
				return o.Err
			}
			if o.Key != key {
				continue
			}
			if err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: o.VersionID}); err != nil {
				if minio.ToErrorResponse(err).Code == "AccessDenied" || strings.Contains(err.Error(), "WORM") {
					return chartscan.WrapError(chartscan.EREFUSED, err, "object %s is under a legal hold", chartscan.ShownKey(key))
				}
				return err
			}
		}
		return nil
	}))
}

// SetLegalHold puts every version of the object at key under a legal
// hold, or lifts it. A bucket without object lock is EUNSUPPORTED; a
// missing object ENOTFOUND.
func (s *S3) SetLegalHold(ctx context.Context, key string, on bool) error {
	if err := chartscan.CheckKey(key); err != nil {
		return err
	}
	if !s.locked {
		return chartscan.Errorf(chartscan.EUNSUPPORTED, "the bucket has no object lock")
	}
	status := minio.LegalHoldDisabled
	if on {
		status = minio.LegalHoldEnabled
	}
	return mapErr(s.do(ctx, "legal hold", func(ctx context.Context) error {
		found := false
		for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: key, WithVersions: true}) {
			if o.Err != nil {
				return o.Err
			}
			if o.Key != key || o.IsDeleteMarker {
				continue
			}
			found = true
			if err := s.c.PutObjectLegalHold(ctx, s.bucket, key, minio.PutObjectLegalHoldOptions{VersionID: o.VersionID, Status: &status}); err != nil {
				return err
			}
		}
		if !found {
			return chartscan.Errorf(chartscan.ENOTFOUND, "no object %s", chartscan.ShownKey(key))
		}
		return nil
	}))
}

var _ chartscan.LegalHolder = (*S3)(nil)

package storage_test

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"chartscan"
	"chartscan/internal/testutil"
	"chartscan/storage"
	"chartscan/storage/storagetest"
)

func TestS3Conformance(t *testing.T) {
	s3 := testutil.SharedMinIO(t)
	cfg := storage.S3Config{
		Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey,
		Bucket:   fmt.Sprintf("conformance-%d", rand.Int63()),
		RetryFor: 20 * time.Second,
	}
	storagetest.Test(t, func(t *testing.T) chartscan.ObjectStore {
		s, err := storage.NewS3(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// While the service is down, operations wait and retry; when it is back
// they complete. When it stays down they end with EUNAVAILABLE.
func TestS3WaitsForTheService(t *testing.T) {
	m := testutil.StartMinIO(t)
	ctx := context.Background()
	var retries atomic.Int64
	s, err := storage.NewS3(ctx, storage.S3Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "outage", RetryFor: time.Minute,
		OnRetry: func() { retries.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	m.Stop()
	// The server comes back once the Put has been retried a few times.
	// (It may answer before Start returns: Start also waits for it to
	// report ready.)
	restarting, restarted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(restarted)
		for retries.Load() < 3 {
			time.Sleep(20 * time.Millisecond)
		}
		close(restarting)
		m.Start()
	}()
	body := "page record"
	err = s.Put(ctx, "pages/x/0001.json", strings.NewReader(body), int64(len(body)), "")
	select {
	case <-restarting:
	default:
		t.Errorf("Put returned after %d retries, before the server was started again", retries.Load())
	}
	<-restarted // the server is up (or Start failed the test) before anything goes on
	if err != nil {
		t.Fatalf("Put across an outage: %v", err)
	}
	if info, err := s.Stat(ctx, "pages/x/0001.json"); err != nil || info.Size != int64(len(body)) {
		t.Fatalf("after the outage: %+v, %v", info, err)
	}

	short, err := storage.NewS3(ctx, storage.S3Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "outage", RetryFor: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m.Stop()
	if _, err := short.Stat(ctx, "pages/x/0001.json"); chartscan.ErrorCode(err) != chartscan.EUNAVAILABLE {
		t.Fatalf("Stat with the server down: %v, want unavailable", err)
	}
}

// With sse, objects are stored encrypted by the server (SSE-S3).
func TestS3ServerSideEncryption(t *testing.T) {
	m := testutil.StartMinIO(t)
	ctx := context.Background()
	s, err := storage.NewS3(ctx, storage.S3Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "sse", SSE: true})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"text":"page text"}`
	if err := s.Put(ctx, "pages/x/0001.json", strings.NewReader(body), int64(len(body)), ""); err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.StatObject(ctx, "sse", "pages/x/0001.json", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Metadata.Get("X-Amz-Server-Side-Encryption"); got != "AES256" {
		t.Fatalf("server-side encryption = %q, want AES256", got)
	}
	r, err := s.Get(ctx, "pages/x/0001.json")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != body {
		t.Fatalf("read back %q", b)
	}
}

// With secure, the store speaks HTTPS; a server certificate from the
// site's own authority is trusted through ca_file, and refused without it
// (at once, not after retrying).
func TestS3TLS(t *testing.T) {
	m := testutil.StartMinIOTLS(t)
	ctx := context.Background()
	cfg := storage.S3Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: "tls", Secure: true, CAFile: m.CAFile, RetryFor: time.Minute}
	s, err := storage.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "a/b.json", strings.NewReader("{}"), 2, ""); err != nil {
		t.Fatal(err)
	}
	cfg.CAFile = ""
	var retries atomic.Int64
	cfg.OnRetry = func() { retries.Add(1) }
	if _, err := storage.NewS3(ctx, cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: %v", err)
	}
	if n := retries.Load(); n != 0 {
		t.Errorf("a certificate error was retried %d times", n)
	}
}

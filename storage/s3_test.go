package storage_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"testing"
	"time"

	"chartscan"
	"chartscan/storage"
	"chartscan/storage/storagetest"
)

// minio returns the S3 settings of the MinIO server the test setup
// started (make test does; see scripts/minio.sh). Without one the test
// fails: S3 support is only proven against a real server.
func minio(t *testing.T) storage.S3Config {
	t.Helper()
	endpoint := os.Getenv("CHARTSCAN_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Fatal("no MinIO for the S3 tests: run them with make test, which starts one, or set CHARTSCAN_TEST_S3_ENDPOINT, _ACCESS_KEY and _SECRET_KEY")
	}
	return storage.S3Config{
		Endpoint:  endpoint,
		AccessKey: os.Getenv("CHARTSCAN_TEST_S3_ACCESS_KEY"),
		SecretKey: os.Getenv("CHARTSCAN_TEST_S3_SECRET_KEY"),
		Bucket:    fmt.Sprintf("conformance-%d", rand.Int63()),
		RetryFor:  20 * time.Second,
	}
}

func TestS3Conformance(t *testing.T) {
	cfg := minio(t)
	storagetest.Test(t, func(t *testing.T) chartscan.ObjectStore {
		s, err := storage.NewS3(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

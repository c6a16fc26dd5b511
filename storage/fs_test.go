package storage_test

import (
	"testing"

	"chartscan"
	"chartscan/storage"
	"chartscan/storage/storagetest"
)

func TestFSConformance(t *testing.T) {
	storagetest.Test(t, func(t *testing.T) chartscan.ObjectStore {
		s, err := storage.NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

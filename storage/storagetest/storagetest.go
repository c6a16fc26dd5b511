// Package storagetest is the conformance suite every chartscan object store
// must pass: the file-system store and S3 (against a real MinIO) run the
// same checks.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strings"
	"sync"
	"testing"

	"chartscan"
)

// Test runs the suite. newStore must return an empty store (or one whose
// keys do not collide with other calls: each subtest uses its own prefix).
func Test(t *testing.T, newStore func(t *testing.T) chartscan.ObjectStore) {
	ctx := context.Background()
	s := newStore(t)
	prefix := fmt.Sprintf("conformance-%d/", rand.Int63())

	put := func(t *testing.T, key, body string) {
		t.Helper()
		if err := s.Put(ctx, key, strings.NewReader(body), int64(len(body)), ""); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
	}
	get := func(t *testing.T, key string) string {
		t.Helper()
		r, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("read %q: %v", key, err)
		}
		return string(b)
	}
	keys := func(t *testing.T, p string) []string {
		t.Helper()
		var out []string
		if err := s.List(ctx, p, func(o chartscan.ObjectInfo) error {
			out = append(out, o.Key)
			return nil
		}); err != nil {
			t.Fatalf("List(%q): %v", p, err)
		}
		return out
	}

	t.Run("PutGetStat", func(t *testing.T) {
		k := prefix + "pages/abc/0001.json"
		body := `{"id":"abc-p0001"}`
		if err := s.Put(ctx, k, strings.NewReader(body), int64(len(body)), "application/json"); err != nil {
			t.Fatal(err)
		}
		if got := get(t, k); got != body {
			t.Fatalf("Get = %q, want %q", got, body)
		}
		info, err := s.Stat(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != k || info.Size != int64(len(body)) {
			t.Fatalf("Stat = %+v, want key %q size %d", info, k, len(body))
		}
		if info.ContentType != "application/json" {
			t.Errorf("content type = %q, want application/json", info.ContentType)
		}
		if info.Modified.IsZero() {
			t.Error("Stat has no modification time")
		}
	})

	t.Run("ContentTypeOfImages", func(t *testing.T) {
		k := prefix + "pages/abc/0001.png"
		if err := s.Put(ctx, k, strings.NewReader("\x89PNG"), 4, "image/png"); err != nil {
			t.Fatal(err)
		}
		info, err := s.Stat(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != "image/png" {
			t.Errorf("content type = %q, want image/png", info.ContentType)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		k := prefix + "missing/nothing.json"
		if _, err := s.Get(ctx, k); !chartscan.IsNotFound(err) {
			t.Errorf("Get missing: err = %v, want not_found", err)
		}
		if _, err := s.Stat(ctx, k); !chartscan.IsNotFound(err) {
			t.Errorf("Stat missing: err = %v, want not_found", err)
		}
		if err := s.Delete(ctx, k); err != nil {
			t.Errorf("Delete missing: %v, want nil", err)
		}
		// A "folder" is not an object.
		put(t, prefix+"dir/file", "x")
		if _, err := s.Get(ctx, prefix+"dir"); !chartscan.IsNotFound(err) {
			t.Errorf("Get of a key prefix: err = %v, want not_found", err)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		k := prefix + "documents/abc-d01.json"
		put(t, k, "first version, longer than the second")
		put(t, k, "second")
		if got := get(t, k); got != "second" {
			t.Fatalf("after overwrite Get = %q", got)
		}
		if ks := keys(t, prefix+"documents/"); len(ks) != 1 {
			t.Fatalf("after overwrite List = %v, want one key", ks)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		k := prefix + "del/x.json"
		put(t, k, "x")
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, k); !chartscan.IsNotFound(err) {
			t.Fatalf("Get after Delete: err = %v, want not_found", err)
		}
	})

	t.Run("ListOrderAndPrefix", func(t *testing.T) {
		base := prefix + "list/"
		want := []string{
			base + "documents/b-d01.json",
			base + "documents/b-d02.json",
			base + "documents/b-d10.json",
		}
		others := []string{base + "documents/a-d01.json", base + "documents/c-d01.json", base + "pages/b/0001.json"}
		for _, k := range append(append([]string{}, others...), want...) {
			put(t, k, k)
		}
		got := keys(t, base+"documents/b-d")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("List(documents/b-d) = %v, want %v", got, want)
		}
		all := keys(t, base)
		if len(all) != 6 {
			t.Fatalf("List(%s) = %d keys, want 6: %v", base, len(all), all)
		}
		for i := 1; i < len(all); i++ {
			if all[i-1] >= all[i] {
				t.Fatalf("List not in key order: %q before %q", all[i-1], all[i])
			}
		}
		if got := keys(t, base+"nothing-here/"); len(got) != 0 {
			t.Fatalf("List of an empty prefix = %v", got)
		}
		// ListAfter gives only the keys after the one given, in order.
		var after []string
		if err := s.ListAfter(ctx, base+"documents/", want[0], func(o chartscan.ObjectInfo) error { after = append(after, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(after, "\n") != strings.Join([]string{want[1], want[2], base + "documents/c-d01.json"}, "\n") {
			t.Fatalf("ListAfter(documents/, %s) = %v", want[0], after)
		}
		after = nil
		if err := s.ListAfter(ctx, base+"documents/", base+"documents/b-d015", func(o chartscan.ObjectInfo) error { after = append(after, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(after) != 3 || after[0] != want[1] {
			t.Fatalf("ListAfter from a key that is not there = %v", after)
		}
		// fn's error stops the listing and is returned.
		stop := errors.New("stop")
		n := 0
		err := s.List(ctx, base, func(chartscan.ObjectInfo) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("List with failing fn: err=%v after %d calls, want stop after 1", err, n)
		}
	})

	t.Run("KeysWithSpacesAndUnicode", func(t *testing.T) {
		for _, name := range []string{
			"scan 2026-03-01 (ward 3).pdf",
			"Müller_Überweisung.pdf",
			"患者記録.tif",
			"it's a \"scan\" & more; $HOME `x`.pdf",
			"emoji 📄.png",
		} {
			k := prefix + "sources/abc/" + name
			put(t, k, name)
			if got := get(t, k); got != name {
				t.Errorf("%q: Get = %q", name, got)
			}
			found := false
			for _, got := range keys(t, prefix+"sources/abc/") {
				found = found || got == k
			}
			if !found {
				t.Errorf("%q not listed", name)
			}
		}
	})

	t.Run("BadKeys", func(t *testing.T) {
		for _, k := range []string{"", "/abs", "../escape", prefix + "a/../../b", prefix + "a//b", prefix + "a/./b", prefix + "trailing/", "bad\x00nul", "bad\nline"} {
			if err := s.Put(ctx, k, strings.NewReader("x"), 1, ""); chartscan.ErrorCode(err) != chartscan.EINVALID {
				t.Errorf("Put(%q): err = %v, want invalid", k, err)
			}
			if _, err := s.Get(ctx, k); chartscan.ErrorCode(err) != chartscan.EINVALID {
				t.Errorf("Get(%q): err = %v, want invalid", k, err)
			}
		}
	})

	t.Run("ShortBodyIsNotStored", func(t *testing.T) {
		k := prefix + "short/x.bin"
		if err := s.Put(ctx, k, strings.NewReader("only ten b"), 100, ""); err == nil {
			t.Fatal("Put with a short body succeeded")
		}
		if _, err := s.Get(ctx, k); !chartscan.IsNotFound(err) {
			t.Fatalf("a short Put left an object behind: %v", err)
		}
	})

	t.Run("LargeObjectStreams", func(t *testing.T) {
		const size = 40 << 20 // larger than one S3 multipart part
		for _, known := range []bool{true, false} {
			k := fmt.Sprintf("%slarge/blob-%v.bin", prefix, known)
			h := sha256.New()
			src := io.TeeReader(io.LimitReader(rand.New(rand.NewSource(7)), size), h)
			n := int64(size)
			if !known {
				n = -1
			}
			// Hide any Seek or WriterTo so the store must stream.
			if err := s.Put(ctx, k, struct{ io.Reader }{src}, n, ""); err != nil {
				t.Fatalf("Put %d bytes (size known %v): %v", size, known, err)
			}
			want := h.Sum(nil)
			r, err := s.Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			h2 := sha256.New()
			got, err := io.Copy(h2, r)
			r.Close()
			if err != nil || got != size || !bytes.Equal(h2.Sum(nil), want) {
				t.Fatalf("read back %d bytes (err %v), checksum match %v", got, err, bytes.Equal(h2.Sum(nil), want))
			}
			if err := s.Delete(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		shared := prefix + "concurrent/shared.json"
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				own := fmt.Sprintf("%sconcurrent/own-%02d.json", prefix, i)
				body := strings.Repeat(fmt.Sprintf("%02d", i), 5000)
				for j := 0; j < 5; j++ {
					if err := s.Put(ctx, own, strings.NewReader(body), int64(len(body)), ""); err != nil {
						errs <- err
						return
					}
					if err := s.Put(ctx, shared, strings.NewReader(body), int64(len(body)), ""); err != nil {
						errs <- err
						return
					}
					r, err := s.Get(ctx, shared)
					if err != nil {
						errs <- err
						return
					}
					b, err := io.ReadAll(r)
					r.Close()
					if err != nil {
						errs <- err
						return
					}
					// Puts are atomic: a reader sees one whole version.
					if len(b) != 10000 || strings.Count(string(b), string(b[:2])) != 5000 {
						errs <- fmt.Errorf("torn read of %s: %d bytes", shared, len(b))
						return
					}
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := keys(t, prefix+"concurrent/own-"); len(got) != 16 {
			t.Fatalf("%d objects after concurrent puts, want 16", len(got))
		}
	})
}

// Package storage holds chartscan's object stores: a folder on disk (FS)
// and any S3-compatible service (S3). Both keep the same keys and pass the
// same conformance suite (package storagetest). Only this package imports
// minio-go.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"chartscan"
	"chartscan/internal/safefile"
)

// FS is an object store in a folder: each object is a file at its key.
// Puts are atomic (a temporary file, synced, then renamed over the target,
// and the folder synced), so a crash leaves either the old object or the
// new one. It is safe for concurrent use.
type FS struct {
	root string
}

var _ chartscan.ObjectStore = (*FS)(nil)

// tmpPrefix marks files being written; List skips them.
const tmpPrefix = safefile.TempPrefix

// NewFS opens (creating if needed) the store rooted at dir.
func NewFS(dir string) (*FS, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &FS{root: abs}, nil
}

func (s *FS) path(key string) (string, error) {
	if err := chartscan.CheckKey(key); err != nil {
		return "", err
	}
	for _, el := range strings.Split(key, "/") {
		if strings.HasPrefix(el, tmpPrefix) {
			return "", chartscan.Errorf(chartscan.EINVALID, "object key element may not start with %q", tmpPrefix)
		}
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// Put stores r at key atomically and durably.
func (s *FS) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	_, err = safefile.Write(p, &sizedReader{r: ctxReader{ctx, r}, want: size, key: key}, 0o640)
	var ce *chartscan.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce), ctx.Err() != nil:
		return err
	}
	return s.err(err)
}

// sizedReader fails at the end of r when r did not hold want bytes (-1:
// any number), so that a short or long body is never stored.
type sizedReader struct {
	r    io.Reader
	want int64
	n    int64
	key  string
}

func (s *sizedReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err == io.EOF && s.want >= 0 && s.n != s.want {
		return n, chartscan.Errorf(chartscan.EINVALID, "object %s: got %d bytes, want %d", chartscan.ShownKey(s.key), s.n, s.want)
	}
	return n, err
}

// err maps OS errors to chartscan errors. The paths of OS errors are left
// out: under sources/ they end in the name a file was received under.
func (s *FS) err(err error) error {
	err = chartscan.WithoutPaths(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return chartscan.WrapError(chartscan.ENOTFOUND, err, "object not found")
	case errors.Is(err, fs.ErrPermission):
		return chartscan.WrapError(chartscan.EUNAVAILABLE, err, "object store not writable")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "name too long") {
		return chartscan.WrapError(chartscan.EINVALID, err, "object key too long")
	}
	return err
}

// Get opens the object at key; the caller must close it.
func (s *FS) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, s.err(err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "object not found")
	}
	return f, nil
}

// Stat returns the object's size, type and time.
func (s *FS) Stat(ctx context.Context, key string) (chartscan.ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return chartscan.ObjectInfo{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return chartscan.ObjectInfo{}, s.err(err)
	}
	if st.IsDir() {
		return chartscan.ObjectInfo{}, chartscan.Errorf(chartscan.ENOTFOUND, "object not found")
	}
	return info(key, st), nil
}

func info(key string, st fs.FileInfo) chartscan.ObjectInfo {
	return chartscan.ObjectInfo{
		Key:         key,
		Size:        st.Size(),
		ContentType: chartscan.ContentType(key),
		Modified:    st.ModTime(),
	}
}

// List calls fn for each object under prefix in key order.
func (s *FS) List(ctx context.Context, prefix string, fn func(chartscan.ObjectInfo) error) error {
	return s.ListAfter(ctx, prefix, "", fn)
}

// ListAfter lists the keys under prefix that sort after after, in order.
func (s *FS) ListAfter(ctx context.Context, prefix, after string, fn func(chartscan.ObjectInfo) error) error {
	// Walk the deepest folder the prefix names, then filter and sort.
	dir := s.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		if err := chartscan.CheckKey(prefix[:i]); err != nil {
			return err
		}
		dir = filepath.Join(s.root, filepath.FromSlash(prefix[:i]))
	}
	var objs []chartscan.ObjectInfo
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return s.err(err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) || key <= after {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while listing
			}
			return s.err(err)
		}
		objs = append(objs, info(key, st))
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Key < objs[j].Key })
	for _, o := range objs {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the object at key; a missing object is not an error.
func (s *FS) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.err(err)
	}
	return nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

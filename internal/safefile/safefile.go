// Package safefile writes and moves local files so that a crash at any
// moment leaves either the old file or the whole new one: written to a
// temporary file in the same folder, synced, renamed over the target, and
// the folder synced so that the rename itself survives a power cut. The
// work-folder journal, the fs object store and the token and user files
// all write through it.
package safefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the name of every temporary file this package makes;
// folder listings skip such names.
const TempPrefix = ".tmp-"

// Write stores the bytes of r at path atomically with mode perm, creating
// the folder when missing. It returns the number of bytes written. On any
// error the target is unchanged and no temporary file is left.
func Write(path string, r io.Reader, perm os.FileMode) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(dir, TempPrefix+"*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, r)
	if err != nil {
		return n, err
	}
	if err := f.Chmod(perm); err != nil {
		return n, err
	}
	if err := f.Sync(); err != nil {
		return n, err
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return n, err
	}
	ok = true
	return n, SyncDir(dir)
}

// WriteFile stores b at path atomically with mode perm.
func WriteFile(path string, b []byte, perm os.FileMode) error {
	_, err := Write(path, bytes.NewReader(b), perm)
	return err
}

// WriteJSON stores v as indented JSON at path atomically with mode perm.
func WriteJSON(path string, v any, perm os.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, b, perm)
}

// ReadJSON decodes the JSON file at path into v.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// SyncDir flushes a folder's entries (a rename or a new file in it) to
// disk. File systems that cannot sync a folder are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Move renames src to dst and syncs dst's folder; when they are on
// different file systems (an inbox on a network share) it copies src to
// dst atomically and then removes src. dst must not exist.
func Move(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil {
		return SyncDir(filepath.Dir(dst))
	}
	var le *os.LinkError
	if !errors.As(err, &le) || !strings.Contains(le.Err.Error(), "cross-device") {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := Write(dst, in, 0o640); err != nil {
		return err
	}
	return os.Remove(src)
}

package chartscan

import (
	"context"
	"io"
	"mime"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// ObjectStore is the system of record: every source file, page image, page
// record, document manifest and batch record lives in it under the keys
// below, and everything else (the search index) can be rebuilt from it.
//
// Keys are slash-separated, relative, without "." or ".." elements; a store
// rejects any other key with EINVALID. Implementations are safe for
// concurrent use. A Put is atomic: readers see either the old object or the
// whole new one, never a part.
type ObjectStore interface {
	// Put stores the bytes of r under key, replacing any object there.
	// size is the length of r, or -1 when unknown. contentType may be "".
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error

	// Get opens the object at key. The caller must close the reader.
	// A missing object is an ENOTFOUND error.
	Get(ctx context.Context, key string) (io.ReadCloser, error)

	// Stat returns the object's metadata. A missing object is ENOTFOUND.
	Stat(ctx context.Context, key string) (ObjectInfo, error)

	// List calls fn for every object whose key starts with prefix, in
	// lexical key order. It stops at and returns fn's first error.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error

	// ListAfter is List of the keys that sort after after (S3's
	// StartAfter): how a follower of the change log reads only what is new.
	ListAfter(ctx context.Context, prefix, after string, fn func(ObjectInfo) error) error

	// Delete removes the object at key. Deleting a missing object is not
	// an error.
	Delete(ctx context.Context, key string) error
}

// LegalHolder is an ObjectStore that can put objects under a legal hold:
// while it is on, the object cannot be deleted by anyone, not even with
// the store's own credentials (S3 object lock). SetLegalHold returns
// EUNSUPPORTED when the store has no such lock, ENOTFOUND for a missing
// object. Delete of an object under a hold is EREFUSED.
type LegalHolder interface {
	SetLegalHold(ctx context.Context, key string, on bool) error
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	ContentType string
	Modified    time.Time
}

// CheckKey returns an EINVALID error unless key is a clean relative object
// key: non-empty, at most 1024 bytes, valid UTF-8 without control
// characters, no leading slash, no empty, "." or ".." elements.
func CheckKey(key string) error {
	if key == "" || len(key) > 1024 {
		return Errorf(EINVALID, "object key has bad length")
	}
	if !utf8.ValidString(key) {
		return Errorf(EINVALID, "object key is not UTF-8")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || r == '\\' || r == '\uFFFD' {
			return Errorf(EINVALID, "object key has a forbidden character")
		}
	}
	for _, el := range strings.Split(key, "/") {
		if el == "" || el == "." || el == ".." {
			return Errorf(EINVALID, "object key %q is not clean", key)
		}
	}
	return nil
}

// SafeName turns a file name received from outside into one that is safe
// as the last element of an object key and of a local path: the base name
// only, control characters and slashes removed, at most 200 bytes. It never
// returns "", "." or "..".
func SafeName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "_") {
		switch {
		case r < 0x20 || r == 0x7f || r == '/' || r == '\uFFFD':
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimSpace(b.String())
	for len(name) > 200 {
		r := []rune(name)
		name = string(r[:len(r)-1])
	}
	if name == "" || name == "." || name == ".." || strings.Trim(name, ".") == "" {
		return "scan"
	}
	return name
}

// ContentType returns the MIME type of an object from its key's extension.
func ContentType(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".json":
		return "application/json"
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".tif", ".tiff":
		return "image/tiff"
	case ".pdf":
		return "application/pdf"
	case ".jsonl":
		return "application/jsonl"
	}
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

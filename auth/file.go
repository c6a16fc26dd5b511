package auth

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"chartscan"
	"chartscan/internal/safefile"
)

// listFile is a JSON list of records in one file, shared by processes:
// the commands (`chartscan token create`, `chartscan user create`) change
// it while serve reads it. Changes are made under an exclusive lock that
// other processes respect and written atomically with owner-only
// permissions; reads see the file again whenever it changed, so a change
// takes effect at the next request. It is safe for concurrent use.
type listFile[T any] struct {
	path string

	mu    sync.Mutex
	items []T
	stamp time.Time // modification time of the file when read
	size  int64
	read  bool
}

// load returns the records, rereading the file when it changed. The
// caller must not change the slice.
func (f *listFile[T]) load() ([]T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reload()
}

// reload rereads the file when it changed. f.mu is held.
func (f *listFile[T]) reload() ([]T, error) {
	st, err := os.Stat(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		f.items, f.stamp, f.size, f.read = nil, time.Time{}, 0, true
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if f.read && st.ModTime().Equal(f.stamp) && st.Size() == f.size {
		return f.items, nil
	}
	items, err := readList[T](f.path)
	if err != nil {
		return nil, err
	}
	f.items, f.stamp, f.size, f.read = items, st.ModTime(), st.Size(), true
	return items, nil
}

// update changes the records under the file lock and writes them back.
// change gets a copy it may modify; its error leaves the file as it was.
func (f *listFile[T]) update(change func([]T) ([]T, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.path), 0o750); err != nil {
		return err
	}
	lock, err := os.OpenFile(f.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	items, err := readList[T](f.path)
	if err != nil {
		return err
	}
	items, err = change(items)
	if err != nil {
		return err
	}
	if items == nil {
		items = []T{}
	}
	if err := safefile.WriteJSON(f.path, items, 0o600); err != nil {
		return err
	}
	f.read = false // read it back at the next load
	return nil
}

func readList[T any](path string) ([]T, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return []T{}, nil
	}
	if err != nil {
		return nil, err
	}
	var items []T
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, chartscan.WrapError(chartscan.EINTERNAL, err, "%s is damaged", filepath.Base(path))
	}
	if items == nil {
		items = []T{}
	}
	return items, nil
}

package auth

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chartscan"
)

func TestUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	s := NewUsers(path)
	if err := s.Create("jdoe", chartscan.RoleTechnician, "short"); chartscan.ErrorCode(err) != chartscan.EINVALID {
		t.Fatalf("short password: %v", err)
	}
	const pw = "correct horse battery"
	if err := s.Create("jdoe", chartscan.RoleTechnician, pw); err != nil {
		t.Fatal(err)
	}
	if err := s.Create("JDoe", chartscan.RoleAdmin, pw); chartscan.ErrorCode(err) != chartscan.ECONFLICT {
		t.Fatalf("second jdoe: %v", err)
	}
	// Only a salted hash is kept, readable by the owner only.
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), pw) || !strings.Contains(string(b), "$argon2id$") {
		t.Fatalf("user file: %s", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("user file mode %o", st.Mode().Perm())
	}
	u, err := s.SignIn("jdoe", pw)
	if err != nil || u.Role != chartscan.RoleTechnician || u.Hash != "" {
		t.Fatalf("SignIn = %+v, %v", u, err)
	}
	if _, err := s.SignIn("jdoe", pw+"x"); chartscan.ErrorCode(err) != chartscan.EUNAUTHORIZED {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := s.SignIn("nobody", pw); chartscan.ErrorMessage(err) != "wrong name or password" {
		t.Fatalf("unknown name: %v", err)
	}
	// Another process (the user command) disables the user: serve's
	// store sees it at once.
	if err := NewUsers(path).Disable("jdoe"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignIn("jdoe", pw); chartscan.ErrorCode(err) != chartscan.EUNAUTHORIZED {
		t.Fatalf("disabled user signed in: %v", err)
	}
	if _, err := s.Active("jdoe"); err == nil {
		t.Fatal("a disabled user is active")
	}
	list, _ := s.List()
	if len(list) != 1 || !list[0].Disabled || list[0].Hash != "" {
		t.Fatalf("List = %+v", list)
	}
}

// Five failures in a row lock a name for 15 minutes, even for the right
// password, and names that are no user lock the same way.
func TestLockout(t *testing.T) {
	s := NewUsers(filepath.Join(t.TempDir(), "users.json"))
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	const pw = "correct horse battery"
	if err := s.Create("jdoe", chartscan.RoleAdmin, pw); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"jdoe", "mallory"} {
		for i := 0; i < MaxFailures; i++ {
			if _, err := s.SignIn(name, "guess number "+string(rune('a'+i))); chartscan.ErrorCode(err) != chartscan.EUNAUTHORIZED {
				t.Fatalf("%s failure %d: %v", name, i+1, err)
			}
		}
		if _, err := s.SignIn(name, pw); chartscan.ErrorCode(err) != chartscan.EFORBIDDEN || chartscan.ErrorMessage(err) != ErrLocked {
			t.Fatalf("%s after %d failures: %v, want locked", name, MaxFailures, err)
		}
	}
	now = now.Add(LockFor + time.Second)
	if _, err := s.SignIn("jdoe", pw); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// A success clears the count: four more failures do not lock.
	for i := 0; i < MaxFailures-1; i++ {
		s.SignIn("jdoe", "nope nope nope")
	}
	if _, err := s.SignIn("jdoe", pw); err != nil {
		t.Fatalf("locked after a success and %d failures: %v", MaxFailures-1, err)
	}
}

// Guesses sent at once get no more passwords checked than guesses sent
// one after another.
func TestLockoutOfGuessesAtOnce(t *testing.T) {
	s := NewUsers(filepath.Join(t.TempDir(), "users.json"))
	const pw = "correct horse battery"
	if err := s.Create("jdoe", chartscan.RoleAdmin, pw); err != nil {
		t.Fatal(err)
	}
	const guesses = 4 * MaxFailures
	codes := make(chan string, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.SignIn("jdoe", fmt.Sprintf("guess %d", i))
			codes <- chartscan.ErrorCode(err)
		}()
	}
	wg.Wait()
	close(codes)
	checked := 0
	for c := range codes {
		switch c {
		case chartscan.EUNAUTHORIZED:
			checked++
		case chartscan.EFORBIDDEN:
		default:
			t.Errorf("guess answered %q", c)
		}
	}
	if checked > MaxFailures {
		t.Errorf("%d of %d guesses sent at once were checked, want at most %d", checked, guesses, MaxFailures)
	}
	if _, err := s.SignIn("jdoe", pw); chartscan.ErrorCode(err) != chartscan.EFORBIDDEN {
		t.Errorf("right password after the guesses: %v, want locked", err)
	}
}

func TestSessions(t *testing.T) {
	s := NewSessions(15*time.Minute, 12*time.Hour)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	id, sess := s.Start(&User{Name: "jdoe", Role: chartscan.RoleTechnician})
	if len(id) < 40 || len(sess.CSRF) < 40 || id == sess.CSRF {
		t.Fatalf("id %q csrf %q", id, sess.CSRF)
	}
	for i := 0; i < 60; i++ { // used every 14 minutes: alive for 12 hours only
		now = now.Add(14 * time.Minute)
		if _, ok := s.Get(id); !ok {
			if i < 51 {
				t.Fatalf("session ended after %d uses", i)
			}
			break
		}
		if i == 59 {
			t.Fatal("session outlived the absolute timeout")
		}
	}
	id, _ = s.Start(&User{Name: "jdoe", Role: chartscan.RoleTechnician})
	now = now.Add(16 * time.Minute)
	if _, ok := s.Get(id); ok {
		t.Fatal("session outlived the idle timeout")
	}
	id, _ = s.Start(&User{Name: "jdoe", Role: chartscan.RoleTechnician})
	// What the browser asks by itself does not keep a session alive.
	id2, _ := s.Start(&User{Name: "jdoe", Role: chartscan.RoleTechnician})
	for i := 0; i < 4; i++ {
		now = now.Add(5 * time.Minute)
		if _, ok := s.Peek(id2); ok != (i < 3) {
			t.Fatalf("peeked at %d minutes: live %v", 5*(i+1), ok)
		}
	}
	s.End(id)
	if _, ok := s.Get(id); ok {
		t.Fatal("ended session still there")
	}
	if _, ok := s.Get("forged"); ok {
		t.Fatal("a forged cookie is a session")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, _ := s.Start(&User{Name: "x"})
			s.Get(id)
			s.End(id)
		}()
	}
	wg.Wait()
}

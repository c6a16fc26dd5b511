package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"chartscan"
)

// User is a person who signs in to the web UI. Only a slow, salted hash
// of the password is kept (argon2id).
type User struct {
	Name     string         `json:"name"`
	Role     chartscan.Role `json:"role"`
	Hash     string         `json:"hash"` // $argon2id$v=19$m=...,t=...,p=...$salt$key
	Disabled bool           `json:"disabled,omitempty"`
	Created  time.Time      `json:"created"`
	// Failures counts the failed sign-ins in a row; LockedUntil is set
	// when they reached MaxFailures.
	Failures    int        `json:"failures,omitempty"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

// Sign-in rules.
const (
	// MaxFailures failed sign-ins in a row lock a name for LockFor.
	MaxFailures = 5
	LockFor     = 15 * time.Minute
	// MinPasswordLen is the shortest password accepted, in characters.
	MinPasswordLen = 12
)

// argon2id parameters: OWASP's recommendation for argon2id (19 MiB, two
// passes, one lane), about 25 ms a sign-in on the machines chartscan runs on.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Users is the user file, <data_dir>/users.json. It is safe for
// concurrent use, and for use by several processes: `chartscan user
// create` may run while serve does, which sees new and disabled users at
// their next request.
type Users struct {
	file listFile[User]
	now  func() time.Time

	mu        sync.Mutex
	strangers map[string]*stranger // failed sign-ins of names that are no user
}

// stranger counts failed sign-ins of a name that is no user, so that such
// a name locks like a real one and the answers tell nothing apart.
type stranger struct {
	failures    int
	lockedUntil time.Time
}

// NewUsers returns the user store kept in the file at path.
func NewUsers(path string) *Users {
	return &Users{file: listFile[User]{path: path}, now: time.Now, strangers: map[string]*stranger{}}
}

// Create adds a user with a password. A name in use is ECONFLICT; a bad
// name, role or too short a password is EINVALID.
func (s *Users) Create(name string, role chartscan.Role, password string) error {
	if !nameRE.MatchString(name) {
		return chartscan.Errorf(chartscan.EINVALID, "user name %q: use letters, digits, '.', '_', '@' or '-' (at most 64)", name)
	}
	if !role.Valid() {
		return chartscan.Errorf(chartscan.EINVALID, "unknown role %q (want scanner, technician or admin)", role)
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.file.update(func(us []User) ([]User, error) {
		for _, u := range us {
			if strings.EqualFold(u.Name, name) {
				return nil, chartscan.Errorf(chartscan.ECONFLICT, "a user named %q exists", u.Name)
			}
		}
		return append(us, User{Name: name, Role: role, Hash: h, Created: s.now().UTC()}), nil
	})
}

// CheckPassword returns an EINVALID error for a password too short or
// not UTF-8.
func CheckPassword(p string) error {
	if !utf8.ValidString(p) || utf8.RuneCountInString(p) < MinPasswordLen {
		return chartscan.Errorf(chartscan.EINVALID, "the password must be at least %d characters", MinPasswordLen)
	}
	if len(p) > 1024 {
		return chartscan.Errorf(chartscan.EINVALID, "the password is longer than 1024 bytes")
	}
	return nil
}

// Disable stops a user from signing in; sessions of the user end at their
// next request. An unknown name is ENOTFOUND.
func (s *Users) Disable(name string) error {
	return s.file.update(func(us []User) ([]User, error) {
		for i := range us {
			if us[i].Name == name {
				us[i].Disabled = true
				return us, nil
			}
		}
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no user named %q", name)
	})
}

// List returns the users, without their hashes.
func (s *Users) List() ([]User, error) {
	us, err := s.file.load()
	out := make([]User, len(us))
	for i, u := range us {
		u.Hash = ""
		out[i] = u
	}
	return out, err
}

// Count returns how many users there are, disabled ones included.
func (s *Users) Count() (int, error) {
	us, err := s.file.load()
	return len(us), err
}

// Active returns the user of that name if it may still use the UI: it
// exists and is not disabled. Any other answer is EUNAUTHORIZED.
func (s *Users) Active(name string) (*User, error) {
	us, err := s.file.load()
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		if u.Name == name && !u.Disabled {
			u.Hash = ""
			return &u, nil
		}
	}
	return nil, chartscan.Errorf(chartscan.EUNAUTHORIZED, "no such user")
}

// ErrLocked is the message of a sign-in refused because the name is locked.
const ErrLocked = "too many failed sign-ins: this name is locked for 15 minutes"

// SignIn checks a name and password. A wrong password, an unknown or a
// disabled name are the same EUNAUTHORIZED error; a name locked after
// MaxFailures failures in a row is EFORBIDDEN with ErrLocked, whatever the
// password. A success clears the failures.
func (s *Users) SignIn(name, password string) (*User, error) {
	bad := chartscan.Errorf(chartscan.EUNAUTHORIZED, "wrong name or password")
	us, err := s.file.load()
	if err != nil {
		return nil, err
	}
	var u *User
	for i := range us {
		if us[i].Name == name {
			c := us[i]
			u = &c
		}
	}
	now := s.now()
	if u == nil {
		// The same work and the same answers as for a user.
		_ = verifyPassword(dummyHash, password)
		s.mu.Lock()
		defer s.mu.Unlock()
		st := s.strangers[name]
		if st == nil {
			if len(s.strangers) > 10000 {
				s.strangers = map[string]*stranger{}
			}
			st = &stranger{}
			s.strangers[name] = st
		}
		if now.Before(st.lockedUntil) {
			return nil, chartscan.Errorf(chartscan.EFORBIDDEN, ErrLocked)
		}
		st.failures++
		if st.failures >= MaxFailures {
			st.failures, st.lockedUntil = 0, now.Add(LockFor)
		}
		return nil, bad
	}
	// The attempt is counted before the password is checked, under the
	// file's lock, and the count read again there: tries sent at once
	// cannot get more than MaxFailures passwords checked between locks.
	err = s.file.update(func(us []User) ([]User, error) {
		for i := range us {
			if us[i].Name != name {
				continue
			}
			if (us[i].LockedUntil != nil && now.Before(*us[i].LockedUntil)) || us[i].Failures >= MaxFailures {
				return nil, errLockedNow
			}
			us[i].Failures++
		}
		return us, nil
	})
	if errors.Is(err, errLockedNow) {
		return nil, chartscan.Errorf(chartscan.EFORBIDDEN, ErrLocked)
	}
	if err != nil {
		return nil, err
	}
	ok := verifyPassword(u.Hash, password) && !u.Disabled
	err = s.file.update(func(us []User) ([]User, error) {
		for i := range us {
			if us[i].Name != name {
				continue
			}
			switch {
			case ok:
				us[i].Failures, us[i].LockedUntil = 0, nil
			case us[i].Failures >= MaxFailures:
				until := now.Add(LockFor).UTC()
				us[i].Failures, us[i].LockedUntil = 0, &until
			}
		}
		return us, nil
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, bad
	}
	u.Hash = ""
	return u, nil
}

// errLockedNow stops the count of an attempt on a locked account.
var errLockedNow = errors.New("locked")

// dummyHash is verified against for unknown names, so that they take as
// long to refuse as a wrong password.
var dummyHash, _ = hashPassword("chartscan-no-such-user")

func hashPassword(p string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(p), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword checks p against an encoded argon2id hash, with the
// parameters the hash was made with.
func verifyPassword(encoded, p string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v, m, t int
	var threads int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &threads); err != nil || m < 1 || m > 1<<21 || t < 1 || t > 16 || threads < 1 || threads > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(p), salt, uint32(t), uint32(m), uint8(threads), uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

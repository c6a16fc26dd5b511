// Package auth keeps the API tokens: each has a name (who holds it, as the
// audit log shows it) and a role. Only a SHA-256 hash of a token is stored;
// the token itself is shown once, when it is created.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"time"

	"chartscan"
)

// Token is a stored token: never the secret itself.
type Token struct {
	Name    string         `json:"name"`
	Role    chartscan.Role `json:"role"`
	Hash    string         `json:"sha256"` // hex SHA-256 of the secret
	Created time.Time      `json:"created"`
}

// Store is the token file. It is safe for concurrent use, and for use by
// several processes: `chartscan token create` may run while serve does,
// which sees new and revoked tokens on its next request.
type Store struct {
	file listFile[Token]
}

// NewStore returns the store kept in the file at path.
func NewStore(path string) *Store { return &Store{file: listFile[Token]{path: path}} }

// secretPrefix marks chartscan tokens, so a leaked one is recognisable.
const secretPrefix = "cs_"

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// Create makes a token with a new random secret and returns the secret.
// Names are unique: an existing name is an ECONFLICT error.
func (s *Store) Create(name string, role chartscan.Role) (string, error) {
	if !nameRE.MatchString(name) {
		return "", chartscan.Errorf(chartscan.EINVALID, "token name %q: use letters, digits, '.', '_', '@' or '-' (at most 64)", name)
	}
	if !role.Valid() {
		return "", chartscan.Errorf(chartscan.EINVALID, "unknown role %q (want scanner, technician or admin)", role)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	secret := secretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	err := s.file.update(func(ts []Token) ([]Token, error) {
		for _, t := range ts {
			if t.Name == name {
				return nil, chartscan.Errorf(chartscan.ECONFLICT, "a token named %q exists; revoke it first", name)
			}
		}
		return append(ts, Token{Name: name, Role: role, Hash: hash(secret), Created: time.Now().UTC()}), nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Revoke deletes the token with the given name; ENOTFOUND if none.
func (s *Store) Revoke(name string) error {
	return s.file.update(func(ts []Token) ([]Token, error) {
		for i, t := range ts {
			if t.Name == name {
				return append(ts[:i], ts[i+1:]...), nil
			}
		}
		return nil, chartscan.Errorf(chartscan.ENOTFOUND, "no token named %q", name)
	})
}

// List returns the stored tokens.
func (s *Store) List() ([]Token, error) {
	ts, err := s.file.load()
	return append([]Token(nil), ts...), err
}

// Authenticate returns the token whose secret is given, or an
// EUNAUTHORIZED error. Every stored hash is compared, in constant time, so
// the answer takes as long for a near miss as for a stranger.
func (s *Store) Authenticate(secret string) (*Token, error) {
	ts, err := s.file.load()
	if err != nil {
		return nil, err
	}
	h := []byte(hash(secret))
	var found *Token
	for i := range ts {
		if subtle.ConstantTimeCompare(h, []byte(ts[i].Hash)) == 1 {
			t := ts[i]
			found = &t
		}
	}
	if found == nil || secret == "" {
		return nil, chartscan.Errorf(chartscan.EUNAUTHORIZED, "invalid token")
	}
	return found, nil
}

func hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

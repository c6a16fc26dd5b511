package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"chartscan"
)

// Session is a person's signed-in session of the web UI, kept on the
// server; the browser holds only its random id in a cookie.
type Session struct {
	User    string
	Role    chartscan.Role
	CSRF    string // the token every state-changing form must carry
	Created time.Time
	Seen    time.Time // the last request
}

// Sessions keeps the live sessions in memory: a restart signs everyone
// out. It is safe for concurrent use.
type Sessions struct {
	// Idle ends a session not used for that long; Absolute ends any
	// session that old.
	Idle, Absolute time.Duration
	now            func() time.Time

	mu sync.Mutex
	m  map[string]*Session // by the SHA-256 of the cookie value
}

// NewSessions returns an empty session store with the given timeouts.
func NewSessions(idle, absolute time.Duration) *Sessions {
	return &Sessions{Idle: idle, Absolute: absolute, now: time.Now, m: map[string]*Session{}}
}

// Start begins a session for u and returns the cookie value that names
// it, to be sent once to the browser.
func (s *Sessions) Start(u *User) (string, *Session) {
	id := RandomToken()
	now := s.now()
	sess := &Session{User: u.Name, Role: u.Role, CSRF: RandomToken(), Created: now, Seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	s.m[sessionKey(id)] = sess
	c := *sess
	return id, &c
}

// Get returns the live session the cookie value names and marks it used;
// false for none, or for one past its idle or absolute timeout (which is
// ended).
func (s *Sessions) Get(cookie string) (*Session, bool) { return s.get(cookie, true) }

// Peek is Get for what the browser asks by itself (a page refreshing its
// live part): it does not mark the session used, so that a page left open
// still reaches the idle timeout.
func (s *Sessions) Peek(cookie string) (*Session, bool) { return s.get(cookie, false) }

func (s *Sessions) get(cookie string, use bool) (*Session, bool) {
	if cookie == "" {
		return nil, false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := sessionKey(cookie)
	sess := s.m[k]
	if sess == nil {
		return nil, false
	}
	if s.expired(sess, now) {
		delete(s.m, k)
		return nil, false
	}
	if use {
		sess.Seen = now
	}
	c := *sess
	return &c, true
}

// End ends the session the cookie value names, if any.
func (s *Sessions) End(cookie string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sessionKey(cookie))
}

func (s *Sessions) expired(sess *Session, now time.Time) bool {
	return now.Sub(sess.Seen) > s.Idle || now.Sub(sess.Created) > s.Absolute
}

// sweep drops expired sessions. s.mu is held.
func (s *Sessions) sweep(now time.Time) {
	for k, sess := range s.m {
		if s.expired(sess, now) {
			delete(s.m, k)
		}
	}
}

// sessionKey is what the store keeps of a cookie value: its hash, so that
// the memory of the service holds no usable cookie.
func sessionKey(cookie string) string {
	sum := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(sum[:])
}

// RandomToken returns 32 random bytes, URL-safe base64: session ids, CSRF
// tokens, one-time links.
func RandomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// SameToken compares two tokens in constant time; empty ones never match.
func SameToken(a, b string) bool {
	return a != "" && len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

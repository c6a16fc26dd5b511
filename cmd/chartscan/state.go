package main

import (
	"errors"
	"fmt"
	"sync"

	"chartscan"
)

// serviceState is where the service is in its life, for /readyz and
// /healthz: starting, ready (taking work), draining (stopping), and the
// failure of a part, if one failed. It is safe for concurrent use.
type serviceState struct {
	mu     sync.Mutex
	phase  string
	failed error
	part   string // the name of the part that failed
}

const (
	stateStarting = "" // the zero value
	stateReady    = "ready"
	stateDraining = "draining"
)

func (s *serviceState) set(phase string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase != stateDraining { // draining is for good
		s.phase = phase
	}
}

// fail records the first part that failed, by its name and its error.
func (s *serviceState) fail(part string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed, s.part = fmt.Errorf("%s: %w", part, err), part
	}
}

// failure returns the failure of a part, nil while none failed.
func (s *serviceState) failure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// ready returns nil while the service takes work, else why it does not.
func (s *serviceState) ready() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.failed != nil:
		// The message only: /readyz answers anyone who asks, and the
		// cause (paths, addresses) is in the log.
		return errors.New("a part of the service failed: " + s.part + ": " + chartscan.ErrorMessage(s.failed))
	case s.phase == stateStarting:
		return errors.New("starting")
	case s.phase == stateDraining:
		return errors.New("draining: finishing the files in progress before stopping")
	}
	return nil
}

package chartscan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Error codes. They are part of the API: HTTP error bodies carry them, and
// package api maps each to one status code.
const (
	EINVALID      = "invalid"      // the caller sent something malformed
	ENOTFOUND     = "not_found"    // no such batch, page, document or object
	ECONFLICT     = "conflict"     // the request clashes with current state (a stale version)
	EREFUSED      = "refused"      // well-formed, but a rule forbids it (the reason says which)
	EUNAUTHORIZED = "unauthorized" // no or unknown credentials
	EFORBIDDEN    = "forbidden"    // credentials too weak for the action
	ETOOLARGE     = "too_large"    // a size limit was exceeded
	EUNSUPPORTED  = "unsupported"  // input in a format chartscan cannot read
	EUNAVAILABLE  = "unavailable"  // a dependency (object store, index) is down
	EINTERNAL     = "internal"     // a bug or an unexpected failure
)

// Error is an error with a code meant for users: Message is safe to show to
// a caller (no PHI, no internal paths).
type Error struct {
	Code    string
	Message string
	Err     error // the underlying cause, for logs; may be nil
}

// Error returns the message followed by the cause, if any.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// WrapError returns an *Error with the given code and message wrapping err.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of its
// *Error, or a generic text for internal errors.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err is an ENOTFOUND error.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// WithoutPaths returns an *fs.PathError or *os.LinkError without its file
// paths, keeping the operation and the cause, and any other error as it
// is; it is for the error an os call returned, before anything wraps it.
// Logs and messages need it: a path in an inbox, the work folder or the
// object store ends in the name a file was received under, which can name
// the patient.
func WithoutPaths(err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		return &fs.PathError{Op: e.Op, Path: "(file)", Err: e.Err}
	case *os.LinkError:
		return &os.LinkError{Op: e.Op, Old: "(file)", New: "(file)", Err: e.Err}
	}
	return err
}

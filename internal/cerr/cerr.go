// Package cerr is copydesk's one error model.
//
// Every failure a client can cause is an *Error with a stable Code, which the
// GraphQL layer turns into extensions.code. Anything that is not an *Error is
// internal: it is logged with full detail and reaches the client only as
// "Internal error.", so no SQL or stack trace can leak.
package cerr

import (
	"errors"
	"fmt"
	"strings"
)

// Stable error codes. They are part of the public API: clients switch on them.
const (
	Invalid         = "BAD_USER_INPUT"  // the input is wrong; Field names which part
	NotFound        = "NOT_FOUND"       // the object does not exist (or is not visible to the caller)
	Conflict        = "CONFLICT"        // the request clashes with the current state (stale version, taken slug)
	Forbidden       = "FORBIDDEN"       // authenticated, but not allowed
	Unauthenticated = "UNAUTHENTICATED" // no credentials, or bad ones
	RateLimited     = "RATE_LIMITED"    // too many requests; retry later
	Unavailable     = "UNAVAILABLE"     // the database cannot be reached or is busy; retry after a pause (HTTP 503, Retry-After)
	Timeout         = "TIMEOUT"         // the request ran past its deadline and was stopped; ask for less, or retry
	Canceled        = "CANCELLED"       // the client went away or cancelled the operation (logged, rarely seen)
	Internal        = "INTERNAL"        // a bug; details are only in the server log
)

// Error is a failure with a code a client can act on.
type Error struct {
	Code    string
	Message string
	// Field is the input path the error is about, e.g. "input.title" or
	// "input.attendees.3.person". Empty when the error is not about one field.
	Field string
	// Details carries structured data for the client (for CONFLICT: the current
	// version and what changed). It must be JSON-serialisable.
	Details map[string]any
	// Err is an optional underlying cause, kept for logs, never shown to clients.
	Err error
	// Constraint names the database constraint a storage error violated.
	// Services map it to a field and a message (ByConstraint); it goes to
	// the log, never into a message.
	Constraint string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error about one input field.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithDetail returns e with one more detail set. It modifies e.
func (e *Error) WithDetail(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// Code returns the code of err, or Internal when err is not (and does not wrap) an *Error.
// Code(nil) is "".
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Message returns the client-safe message of err: the message of an *Error,
// or "Internal error." for anything else.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e.Message
	}
	return "Internal error."
}

// As returns the *Error inside err, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Is reports whether err carries the given code.
func Is(err error, code string) bool { return Code(err) == code }

// OnField is DefaultField for BAD_USER_INPUT only: it puts a rule's
// refusal (which names no input) on the input it concerns, and leaves other
// codes (FORBIDDEN, CONFLICT …) as they are.
func OnField(err error, field string) error {
	if Code(err) != Invalid {
		return err
	}
	return DefaultField(err, field)
}

// Clip shortens s to at most max bytes (cut at a character boundary, with
// "…" added) for quoting client input in an error message.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

// DefaultField returns err about field when it names no field yet: a copy
// of the coded error inside err with Field set. An error that names a field,
// or has no code (internal), passes through.
func DefaultField(err error, field string) error {
	e := As(err)
	if e == nil || e.Field != "" {
		return err
	}
	c := *e
	c.Field = field
	return &c
}

// Rule is how a service words a violated database constraint: the input
// field it is about and the message a person can act on.
type Rule struct {
	Field, Message string
}

// ByConstraint returns err in the service's words when it is a coded
// storage error whose Constraint has a rule: the rule's field and message,
// the code, constraint and cause kept. Any other error passes through.
func ByConstraint(err error, rules map[string]Rule) error {
	e := As(err)
	if e == nil || e.Constraint == "" {
		return err
	}
	r, ok := rules[e.Constraint]
	if !ok {
		return err
	}
	c := *e
	c.Field, c.Message = r.Field, r.Message
	return &c
}

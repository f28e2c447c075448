package model

import (
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/copydesk/copydesk/internal/cerr"
)

// MarshalDateTime writes a DateTime as RFC 3339 with nanoseconds, as
// gqlgen's Time does.
func MarshalDateTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalDateTime reads a DateTime: an RFC 3339 string with a time zone.
// Anything else (a word, a date without a time, a month 13) is
// BAD_USER_INPUT saying what to write; the presenter adds the argument's
// path as extensions.field.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, cerr.Errorf(cerr.Invalid, "A DateTime must be a string in RFC 3339 format, e.g. \"2026-12-02T15:04:05Z\"; got %s.", describe(v))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, cerr.Errorf(cerr.Invalid, "%q is not a DateTime: write a date, a time and a time zone in RFC 3339 format, e.g. \"2026-12-02T15:04:05Z\" or \"2026-12-02T23:04:05+08:00\".", clip(s))
	}
	return t, nil
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("the number %v", v)
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

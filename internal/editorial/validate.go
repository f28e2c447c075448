package editorial

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/richtext"
)

// The validation vocabulary every service uses: one way to check a text
// against its limit, one locale canonicaliser, one field path. Messages are
// sentences an editor can act on; field names the input path the error is
// about (e.g. "input.attendees.3.role").

// RequiredText trims s and checks it is non-empty, valid UTF-8 and at most
// max characters. It returns BAD_USER_INPUT on field otherwise.
func RequiredText(field, what, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "The %s must not be empty.", what)
	}
	return s, CheckText(field, what, s, max)
}

// OptionalText trims s; an empty result becomes nil. A non-empty result must
// pass CheckText.
func OptionalText(field, what string, s *string, max int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil, nil
	}
	return &t, CheckText(field, what, t, max)
}

// CheckText checks that s is valid UTF-8 of at most max characters; it
// returns BAD_USER_INPUT on field otherwise.
func CheckText(field, what, s string, max int) error {
	if !utf8.ValidString(s) {
		return cerr.FieldErrorf(cerr.Invalid, field, "The %s is not valid UTF-8 text.", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return cerr.FieldErrorf(cerr.Invalid, field, "The %s is %d characters long; the limit is %d.", what, n, max)
	}
	return nil
}

// CanonicalLocale validates a BCP 47 tag and returns its canonical form
// (locale.Canonical), or BAD_USER_INPUT on field.
func CanonicalLocale(field, tag string) (string, error) {
	c, err := locale.Canonical(strings.TrimSpace(tag))
	if err != nil {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s", Sentence(err.Error()))
	}
	return c, nil
}

// Sentence capitalizes s and ends it with a full stop, for wrapping a
// lower-case library error in a client message.
func Sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = strings.ToUpper(string(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// Path is the input path of item i of list base, with optional field
// names below it: Path("input.attendees", 3, "role") is
// "input.attendees.3.role".
func Path(base string, i int, rest ...string) string {
	p := fmt.Sprintf("%s.%d", base, i)
	for _, r := range rest {
		p += "." + r
	}
	return p
}

// Same reports whether two optional values are equal: both absent, or both
// present and equal.
func Same[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// ApplyTexts validates and sets the optional texts of r (a nil argument
// clears section, subtitle and summary; a nil body leaves it alone), and
// recounts its words. Errors are BAD_USER_INPUT on input.<field>.
func (r *Report) ApplyTexts(section, subtitle, summary, body *string) error {
	var err error
	if r.Section, err = OptionalText("input.section", "section", section, MaxSection); err != nil {
		return err
	}
	if r.Subtitle, err = OptionalText("input.subtitle", "subtitle", subtitle, MaxSubtitle); err != nil {
		return err
	}
	if r.Summary, err = OptionalText("input.summary", "summary", summary, MaxSummary); err != nil {
		return err
	}
	if body != nil {
		b := *body
		if !utf8.ValidString(b) {
			return cerr.FieldErrorf(cerr.Invalid, "input.body", "The body is not valid UTF-8 text.")
		}
		if len(b) > MaxBodyBytes {
			return cerr.FieldErrorf(cerr.Invalid, "input.body", "The body is %d bytes; the limit is %d bytes (1 MiB).", len(b), MaxBodyBytes)
		}
		r.Body = b
	}
	r.WordCount = richtext.WordCount(r.Body)
	return nil
}

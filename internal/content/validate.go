package content

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/locale"
)

// requiredText trims s and checks it is non-empty, valid UTF-8 and at most
// max characters. field is the input path for the error.
func requiredText(field, what, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "The %s must not be empty.", what)
	}
	return s, checkText(field, what, s, max)
}

// optionalText trims s; an empty result becomes nil.
func optionalText(field, what string, s *string, max int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil, nil
	}
	return &t, checkText(field, what, t, max)
}

func checkText(field, what, s string, max int) error {
	if !utf8.ValidString(s) {
		return cerr.FieldErrorf(cerr.Invalid, field, "The %s is not valid UTF-8 text.", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return cerr.FieldErrorf(cerr.Invalid, field, "The %s is %d characters long; the limit is %d.", what, n, max)
	}
	return nil
}

// canonicalLocale validates a BCP 47 tag and returns its canonical form.
func canonicalLocale(field, tag string) (string, error) {
	c, err := locale.Canonical(strings.TrimSpace(tag))
	if err != nil {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s", capitalize(err.Error()))
	}
	return c, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:] + map[bool]string{true: "", false: "."}[strings.HasSuffix(s, ".")]
}

func path(base string, i int, rest ...string) string {
	p := fmt.Sprintf("%s.%d", base, i)
	for _, r := range rest {
		p += "." + r
	}
	return p
}

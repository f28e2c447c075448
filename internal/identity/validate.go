package identity

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// --- validation ---

// check returns nil when the context's viewer may perform a on r, and
// auth.Check's error otherwise.
func check(ctx context.Context, a auth.Action, r auth.Resource) error {
	return auth.Check(auth.ViewerFrom(ctx), a, r)
}

// checkNewUser validates in and returns the user to store: email and name
// trimmed, locale canonical (DefaultLocale when empty), grants and
// translator locales as checkGrants returns them.
func checkNewUser(in NewUser) (*auth.User, error) {
	email, err := checkEmail(in.Email)
	if err != nil {
		return nil, err
	}
	name, err := checkLine("input.name", "The name", in.Name, editorial.MaxUserName)
	if err != nil {
		return nil, err
	}
	loc := DefaultLocale
	if strings.TrimSpace(in.Locale) != "" {
		if loc, err = editorial.CanonicalLocale("input.locale", in.Locale); err != nil {
			return nil, err
		}
	}
	grants, locales, err := checkGrants(in.Grants, in.Locales)
	if err != nil {
		return nil, err
	}
	return &auth.User{Email: email, Name: name, Locale: loc, Grants: grants, Locales: locales}, nil
}

// checkEmail returns email trimmed if it is a plain address: one "@", a
// local part of 1 to 64 printable ASCII characters that a bare address may
// hold, and a domain of dot-separated labels of letters, digits and hyphens
// ("localhost" is fine).
func checkEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	bad := func() (string, error) {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.email", "%q is not an email address, e.g. name@example.org.", clip(email))
	}
	if email == "" {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.email", "The email is required.")
	}
	if len(email) > editorial.MaxEmail {
		return "", cerr.FieldErrorf(cerr.Invalid, "input.email", "The email is %d characters long; the limit is %d.", len(email), editorial.MaxEmail)
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || domain == "" || len(domain) > 253 {
		return bad()
	}
	for _, c := range []byte(local) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),:;<>@[\]`, c) >= 0 {
			return bad()
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad()
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad()
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return bad()
			}
		}
	}
	// Belt and braces: the standard parser must read it as this bare address.
	if a, err := mail.ParseAddress(email); err != nil || a.Name != "" || a.Address != email {
		return bad()
	}
	return email, nil
}

// checkLine trims s and checks it is present, at most max characters, valid
// UTF-8 and on one line.
func checkLine(field, what, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is required.", what)
	case !utf8.ValidString(s):
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is not valid UTF-8 text.", what)
	case utf8.RuneCountInString(s) > max:
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is %d characters long; the limit is %d.", what, utf8.RuneCountInString(s), max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s must be on one line, without control characters.", what)
	}
	return s, nil
}

// checkGrants validates grants and translator locales and returns them
// normalised: grants sorted without duplicates, locales canonical, sorted
// and without duplicates.
func checkGrants(grants []auth.Grant, locales []string) ([]auth.Grant, []string, error) {
	if len(grants) > editorial.MaxGrants {
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.grants", "A user may have at most %d grants (%d given).", editorial.MaxGrants, len(grants))
	}
	if len(locales) > editorial.MaxLocales {
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.locales", "A translator may have at most %d locales (%d given).", editorial.MaxLocales, len(locales))
	}
	out := make([]auth.Grant, 0, len(grants))
	translator := false
	for i, g := range grants {
		if !g.Role.Valid() {
			return nil, nil, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("input.grants.%d.role", i), "%q is not a role: use %s.", g.Role, roleList())
		}
		if g.Role == auth.Admin && g.DeskID != nil {
			return nil, nil, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("input.grants.%d.deskId", i), "The ADMIN role applies to every desk; leave the desk out.")
		}
		if g.DeskID != nil && *g.DeskID <= 0 {
			return nil, nil, cerr.FieldErrorf(cerr.NotFound, fmt.Sprintf("input.grants.%d.deskId", i), "Desk %d not found.", *g.DeskID)
		}
		if g.DeskID != nil {
			id := *g.DeskID // never share the caller's pointer
			g.DeskID = &id
		}
		translator = translator || g.Role == auth.Translator
		out = append(out, g)
	}
	locs := make([]string, 0, len(locales))
	for i, l := range locales {
		c, err := editorial.CanonicalLocale(fmt.Sprintf("input.locales.%d", i), l)
		if err != nil {
			return nil, nil, err
		}
		locs = append(locs, c)
	}
	slices.Sort(locs)
	locs = slices.Compact(locs)
	switch {
	case len(locs) > 0 && !translator:
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.locales", "Locales say what a translator works in; add the TRANSLATOR role or leave the locales out.")
	case translator && len(locs) == 0:
		return nil, nil, cerr.FieldErrorf(cerr.Invalid, "input.locales", "A translator needs at least one locale to work in, e.g. zh-Hans.")
	}
	return auth.SortGrants(out), locs, nil
}

// checkDesks returns NOT_FOUND on input.grants.N.deskId for the first grant
// whose desk does not exist. grants are the caller's, in input order, after
// checkGrants accepted them.
func checkDesks(ctx context.Context, tx *postgres.Tx, grants []auth.Grant) error {
	var ids []int64
	for _, g := range grants {
		if g.DeskID != nil {
			ids = append(ids, *g.DeskID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := postgres.DesksByIDs(ctx, tx, ids)
	if err != nil {
		return err
	}
	for i, g := range grants {
		if g.DeskID != nil && found[*g.DeskID] == nil {
			return cerr.FieldErrorf(cerr.NotFound, fmt.Sprintf("input.grants.%d.deskId", i), "Desk %d not found.", *g.DeskID)
		}
	}
	return nil
}

func roleList() string {
	names := make([]string, len(auth.Roles))
	for i, r := range auth.Roles {
		names[i] = string(r)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func isAdmin(grants []auth.Grant) bool {
	return slices.ContainsFunc(grants, func(g auth.Grant) bool { return g.Role == auth.Admin })
}

// grantKeys returns grants as comparable strings, in order.
func grantKeys(grants []auth.Grant) []string {
	out := make([]string, len(grants))
	for i, g := range grants {
		out[i] = string(g.Role)
		if g.DeskID != nil {
			out[i] += fmt.Sprintf("@%d", *g.DeskID)
		}
	}
	return out
}

// clip shortens s for quoting in a message.
func clip(s string) string { return cerr.Clip(s, 80) }

// write runs fn in one transaction and records, in that transaction, the
// audit entry entry returns (nil: nothing changed).
func (s *Service) write(ctx context.Context, fn func(tx *postgres.Tx) error, entry func() *audit.Entry) error {
	return audit.Write(ctx, s.DB, fn, entry)
}

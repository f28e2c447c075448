package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Validators shared by the directory (tags, people, organizations) and
// events. Each returns the normalised value, or a BAD_USER_INPUT *cerr.Error
// naming the input field.

// checkName returns name without surrounding white space, or BAD_USER_INPUT on
// field when it is empty, longer than maxLen characters, not UTF-8 or holds
// control characters. Otherwise the text is kept byte for byte (no Unicode
// normalisation). what starts the message: "The tag name".
func checkName(field, what, name string, maxLen int) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s is required.", what)
	}
	if err := checkText(field, what, name, maxLen); err != nil {
		return "", err
	}
	if strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", cerr.FieldErrorf(cerr.Invalid, field, "%s must be on one line, without control characters.", what)
	}
	return name, nil
}

// optionalText returns s trimmed, nil when s is nil or blank, or
// BAD_USER_INPUT when it is too long or not storable text.
func optionalText(field, what string, s *string, maxLen int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	v := strings.TrimSpace(*s)
	if v == "" {
		return nil, nil
	}
	if err := checkText(field, what, v, maxLen); err != nil {
		return nil, err
	}
	return &v, nil
}

// optionalLine is optionalText for single-line values (acronyms, places).
func optionalLine(field, what string, s *string, maxLen int) (*string, error) {
	v, err := optionalText(field, what, s, maxLen)
	if err == nil && v != nil && strings.IndexFunc(*v, unicode.IsControl) >= 0 {
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "%s must be on one line, without control characters.", what)
	}
	return v, err
}

// checkText checks that s is UTF-8 that PostgreSQL can store, within maxLen
// characters (code points, as char_length counts them).
func checkText(field, what, s string, maxLen int) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return cerr.FieldErrorf(cerr.Invalid, field, "%s is not valid UTF-8 text.", what)
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return cerr.FieldErrorf(cerr.Invalid, field, "%s must be at most %d characters long (it has %d).", what, maxLen, n)
	}
	return nil
}

// localizedNames checks localized names and returns them keyed by canonical locale
// ("zh-hans" → "zh-Hans") with trimmed values. Entries are checked in the
// order of their sorted keys, and errors name an entry by that index:
// field.N.locale or field.N.name. Two keys with one canonical form are
// BAD_USER_INPUT. A nil or empty map gives an empty map.
func localizedNames(field string, names editorial.LocalizedNames, maxLen int) (editorial.LocalizedNames, error) {
	out := make(editorial.LocalizedNames, len(names))
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	seen := make(map[string]string, len(names))
	for i, key := range keys {
		tag, err := editorial.CanonicalLocale(editorial.Path(field, i, "locale"), key)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[tag]; dup {
			return nil, cerr.FieldErrorf(cerr.Invalid, editorial.Path(field, i, "locale"), "%q and %q are the same locale (%s); give one name per locale.", prev, key, tag)
		}
		seen[tag] = key
		name, err := checkName(editorial.Path(field, i, "name"), "The "+tag+" name", names[key], maxLen)
		if err != nil {
			return nil, err
		}
		out[tag] = name
	}
	return out, nil
}

// checkCountry returns the canonical ISO 3166-1 alpha-2 code for code, nil for
// nil or blank, or BAD_USER_INPUT on input.country.
func checkCountry(code *string) (*string, error) {
	if code == nil || strings.TrimSpace(*code) == "" {
		return nil, nil
	}
	c, err := locale.Country(strings.TrimSpace(*code))
	if err != nil {
		return nil, cerr.FieldErrorf(cerr.Invalid, "input.country", "%s", editorial.Sentence(err.Error()))
	}
	return &c, nil
}

// noun is how messages name an entry of a directory kind.
func noun(kind string) string {
	switch kind {
	case postgres.KindPerson:
		return "person"
	case postgres.KindOrganization:
		return "organization"
	case postgres.KindTag:
		return "tag"
	}
	return "event"
}

// namesByID returns the names of the entries of kind with the given IDs
// that exist, in one query.
func namesByID(ctx context.Context, q sqlx.QueryerContext, kind string, ids []int64) (map[int64]string, error) {
	switch kind {
	case postgres.KindTag:
		return namesOf(ctx, q, postgres.TagsByIDs, ids, func(t *editorial.Tag) string { return t.Name })
	case postgres.KindPerson:
		return namesOf(ctx, q, postgres.PeopleByIDs, ids, func(p *editorial.Person) string { return p.Name })
	case postgres.KindOrganization:
		return namesOf(ctx, q, postgres.OrganizationsByIDs, ids, func(o *editorial.Organization) string { return o.Name })
	case postgres.KindEvent:
		return namesOf(ctx, q, postgres.EventsByIDs, ids, func(e *editorial.Event) string { return e.Name })
	}
	return nil, fmt.Errorf("namesByID: unknown kind %q", kind)
}

// namesOf returns the names (name) of the entries byIDs finds.
func namesOf[T any](ctx context.Context, q sqlx.QueryerContext, byIDs func(context.Context, sqlx.QueryerContext, []int64) (map[int64]*T, error),
	ids []int64, name func(*T) string,
) (map[int64]string, error) {
	m, err := byIDs(ctx, q, ids)
	out := make(map[int64]string, len(ids))
	for id, t := range m {
		out[id] = name(t)
	}
	return out, err
}

// resolveRefs resolves references to entries of kind: IDs of merged entries
// become their survivors' (events are never merged), and an ID that matches
// nothing is NOT_FOUND on field.N (or on field itself when single is set).
// Resolved duplicates are dropped, keeping the first.
func resolveRefs(ctx context.Context, q sqlx.QueryerContext, kind, field string, ids []int64, single bool) ([]int64, error) {
	if len(ids) == 0 {
		return []int64{}, nil
	}
	resolved := slices.Clone(ids)
	if kind != postgres.KindEvent {
		m, err := postgres.ResolveMergedIDs(ctx, q, kind, ids)
		if err != nil {
			return nil, err
		}
		for i, id := range ids {
			resolved[i] = m[id]
		}
	}
	found, err := namesByID(ctx, q, kind, resolved)
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(ids))
	for i, id := range resolved {
		if _, ok := found[id]; !ok {
			at := field
			if !single {
				at = editorial.Path(field, i)
			}
			return nil, cerr.FieldErrorf(cerr.NotFound, at, "No %s has this ID.", noun(kind))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// resolveParent resolves and checks the new parent of entry id (0 for a new
// entry) named name: NOT_FOUND on field if it does not exist, BAD_USER_INPUT
// if it would put the entry below itself. nil stays nil.
func resolveParent(ctx context.Context, q sqlx.QueryerContext, kind, field string, id int64, name string, parentID *int64) (*int64, error) {
	if parentID == nil {
		return nil, nil
	}
	ids, err := resolveRefs(ctx, q, kind, field, []int64{*parentID}, true)
	if err != nil {
		return nil, err
	}
	parent := ids[0]
	if id == 0 {
		return &parent, nil
	}
	cycle := parent == id
	if !cycle {
		up, err := postgres.AncestorIDs(ctx, q, kind, parent)
		if err != nil {
			return nil, err
		}
		cycle = slices.Contains(up, id)
	}
	if cycle {
		names, err := namesByID(ctx, q, kind, []int64{parent})
		if err != nil {
			return nil, err
		}
		return nil, cerr.FieldErrorf(cerr.Invalid, field, "Putting %q under %q would make %q its own ancestor.", name, names[parent], name)
	}
	return &parent, nil
}

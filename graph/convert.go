package graph

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/99designs/gqlgen/graphql"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/reports"
)

// This file turns GraphQL input into the content service's input and the
// service's results into GraphQL output. It holds no rules: validation is
// the service's job; here only IDs and cursors are decoded.

// Global ID types.
const (
	typeReport       = "Report"
	typeRevision     = "Revision"
	typeAttendee     = "Attendee"
	typeTranslation  = "ReportTranslation"
	typePerson       = "Person"
	typeOrganization = "Organization"
	typeTag          = "Tag"
	typeEvent        = "Event"
)

// opt returns the value of an optional input field, nil when it was left
// out or sent as null.
func opt[T any](o graphql.Omittable[*T]) *T { return o.Value() }

// value returns an optional input field's value, the zero value when it was
// left out or null.
func value[T any](o graphql.Omittable[*T]) T {
	if v := o.Value(); v != nil {
		return *v
	}
	var zero T
	return zero
}

// partial turns an optional input field into a partial-update field: unset
// when left out, set (possibly to nil, "clear it") when sent.
func partial[T any](o graphql.Omittable[*T]) editorial.Field[*T] {
	v, ok := o.ValueOK()
	return editorial.Field[*T]{Set: ok, Value: v}
}

// partialValue is partial for fields that cannot be cleared: null is sent
// on as the zero value, which the service rejects with a clear message
// (for example "The title must not be empty.").
func partialValue[T any](o graphql.Omittable[*T]) editorial.Field[T] {
	v, ok := o.ValueOK()
	f := editorial.Field[T]{Set: ok}
	if v != nil {
		f.Value = *v
	}
	return f
}

// partialList is partial for list fields; null replaces the list with an empty one.
func partialList[T any](o graphql.Omittable[[]T]) (list []T, set bool) {
	list, set = o.ValueOK()
	if set && list == nil {
		list = []T{}
	}
	return list, set
}

// optID decodes an optional ID of type typ.
func optID(field, typ string, o graphql.Omittable[*string]) (*int64, error) {
	gid := o.Value()
	if gid == nil {
		return nil, nil
	}
	id, err := decodeID(field, typ, *gid)
	return &id, err
}

// partialID decodes an optional ID for a partial update.
func partialID(field, typ string, o graphql.Omittable[*string]) (editorial.Field[*int64], error) {
	id, err := optID(field, typ, o)
	return editorial.Field[*int64]{Set: o.IsSet(), Value: id}, err
}

// decodeIDs decodes a list of IDs of type typ; field is the list's path.
func decodeIDs(field, typ string, gids []string) ([]int64, error) {
	out := make([]int64, len(gids))
	for i, gid := range gids {
		id, err := decodeID(fmt.Sprintf("%s.%d", field, i), typ, gid)
		if err != nil {
			return nil, err
		}
		out[i] = id
	}
	return out, nil
}

// localizedNames turns a list of names into the domain's map; a locale
// given twice is an error (the service canonicalizes the keys).
func localizedNames(field string, list []*model.LocalizedNameInput) (editorial.LocalizedNames, error) {
	out := make(editorial.LocalizedNames, len(list))
	for i, n := range list {
		if _, dup := out[n.Locale]; dup {
			return nil, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("%s.%d.locale", field, i), "The locale %q is listed twice.", n.Locale)
		}
		out[n.Locale] = n.Value
	}
	return out, nil
}

// partialNames is localizedNames for a partial update.
func partialNames(field string, o graphql.Omittable[[]*model.LocalizedNameInput]) (editorial.Field[editorial.LocalizedNames], error) {
	list, set := partialList(o)
	if !set {
		return editorial.Field[editorial.LocalizedNames]{}, nil
	}
	names, err := localizedNames(field, list)
	return editorial.SetTo(names), err
}

// nameList presents localized names sorted by locale.
func nameList(names editorial.LocalizedNames) []*model.LocalizedName {
	out := make([]*model.LocalizedName, 0, len(names))
	for loc, v := range names {
		out = append(out, &model.LocalizedName{Locale: loc, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Locale < out[j].Locale })
	return out
}

// nameIn returns the name in locale, else in the nearest broader locale
// (zh-Hans-CN, then zh-Hans, then zh), else fallback: localizedName asks
// for one locale, so the deployment's chains (which Person.name and the
// like follow under a localized report) do not apply.
func nameIn(names editorial.LocalizedNames, tag, fallback string) string {
	// With no configured chains, a locale falls back to its broader forms.
	return names.In(locale.Fallbacks(nil).Chain(canonicalOr(tag)), fallback)
}

func tagRefs(field string, list []*model.TagRefInput) ([]reports.TagRef, error) {
	out := make([]reports.TagRef, len(list))
	for i, t := range list {
		ref := reports.TagRef{Slug: value(t.Slug), Name: value(t.Name)}
		if id, err := optID(fmt.Sprintf("%s.%d.id", field, i), typeTag, t.ID); err != nil {
			return nil, err
		} else if id != nil {
			ref.ID = *id
		}
		out[i] = ref
	}
	return out, nil
}

func attendeeInputs(field string, list []*model.AttendeeInput) ([]reports.AttendeeInput, error) {
	out := make([]reports.AttendeeInput, len(list))
	for i, a := range list {
		f := fmt.Sprintf("%s.%d", field, i)
		in := reports.AttendeeInput{
			Delegation:     opt(a.Delegation),
			Role:           opt(a.Role),
			Participations: a.Participations,
			Note:           opt(a.Note),
		}
		var err error
		if id, err := optID(f+".id", typeAttendee, a.ID); err != nil {
			return nil, err
		} else if id != nil {
			in.ID = *id
		}
		if in.PersonID, err = optID(f+".personId", typePerson, a.PersonID); err != nil {
			return nil, err
		}
		if in.OrganizationID, err = optID(f+".organizationId", typeOrganization, a.OrganizationID); err != nil {
			return nil, err
		}
		out[i] = in
	}
	return out, nil
}

func figures(list []*model.EventFigureInput) []editorial.Figure {
	out := make([]editorial.Figure, len(list))
	for i, f := range list {
		out[i] = editorial.Figure{
			Metric: f.Metric, Value: int64(f.Value), Approximation: value(f.Approximation), Label: f.Label,
			Channels: f.Channels.Value(), Countries: f.Countries.Value(),
		}
		if out[i].Approximation == "" {
			out[i].Approximation = "EXACT"
		}
	}
	return out
}

// --- cursors and pages ---

// encodeCursor makes a storage cursor opaque.
func encodeCursor(c editorial.Cursor) string {
	b, _ := json.Marshal([]any{c.Key, c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads an `after` argument.
func decodeCursor(after *string) (*editorial.Cursor, error) { return decodeCursorOn("after", after) }

// decodeCursorOn reads a cursor argument (after, before) named field.
func decodeCursorOn(field string, after *string) (*editorial.Cursor, error) {
	if after == nil || *after == "" {
		return nil, nil
	}
	bad := cerr.FieldErrorf(cerr.Invalid, field, "The cursor is not valid: pass a cursor (`pageInfo.endCursor`, `startCursor` or an edge's) from the same list.")
	raw, err := base64.RawURLEncoding.DecodeString(*after)
	if err != nil {
		return nil, bad
	}
	var parts []any
	if json.Unmarshal(raw, &parts) != nil || len(parts) != 2 {
		return nil, bad
	}
	key, ok1 := parts[0].(string)
	id, ok2 := parts[1].(float64)
	if !ok1 || !ok2 || id < 0 {
		return nil, bad
	}
	return &editorial.Cursor{Key: key, ID: int64(id)}, nil
}

// pageSize validates `first`: 1 to 100.
func pageSize(first *int, def int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > 100 {
		return 0, cerr.FieldErrorf(cerr.Invalid, "first", "Ask for 1 to 100 items per page (got %d).", *first)
	}
	return *first, nil
}

// idPage reads the `first` and `after` of a list ordered by id alone (users,
// the audit log, persisted operations): the page size and the id the page
// starts after (0: the start).
func idPage(first *int, after *string, def int) (n int, afterID int64, cur *editorial.Cursor, err error) {
	if n, err = pageSize(first, def); err != nil {
		return 0, 0, nil, err
	}
	if cur, err = decodeCursor(after); err != nil {
		return 0, 0, nil, err
	}
	if cur != nil {
		afterID = cur.ID
	}
	return n, afterID, cur, nil
}

// page cuts a list fetched with one row more than asked for down to first
// items and says whether more follow; cursor gives each item's cursor.
func page[T any](list []*T, first int, after *editorial.Cursor, cursor func(*T) editorial.Cursor) ([]*T, []string, *model.PageInfo) {
	more := len(list) > first
	if more {
		list = list[:first]
	}
	cursors := make([]string, len(list))
	for i, item := range list {
		cursors[i] = encodeCursor(cursor(item))
	}
	info := &model.PageInfo{HasNextPage: more, HasPreviousPage: after != nil}
	if len(cursors) > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[len(cursors)-1]
	}
	return list, cursors, info
}

// indexPath builds an input path such as input.attendees.2.personId.
func indexPath(base string, i int, rest ...string) string {
	p := fmt.Sprintf("%s.%d", base, i)
	for _, r := range rest {
		p += "." + r
	}
	return p
}

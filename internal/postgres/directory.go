package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Kinds of directory entries, as recorded in directory_merges. KindEvent is
// accepted only by AncestorIDs (events are never merged).
const (
	KindPerson       = "PERSON"
	KindOrganization = "ORGANIZATION"
	KindTag          = "TAG"
	KindEvent        = "EVENT"
)

// dirTable returns the table holding entries of kind.
func dirTable(kind string) (string, error) {
	switch kind {
	case KindPerson:
		return "people", nil
	case KindOrganization:
		return "organizations", nil
	case KindTag:
		return "tags", nil
	case KindEvent:
		return "events", nil
	}
	return "", fmt.Errorf("postgres: unknown directory kind %q", kind)
}

// --- localized names, search and cursors, shared by every directory entity ---

// dirDecodeNames turns a localized_names jsonb value into a map that is never nil.
func dirDecodeNames(raw []byte) (editorial.LocalizedNames, error) {
	names := editorial.LocalizedNames{}
	if len(raw) == 0 {
		return names, nil
	}
	if err := json.Unmarshal(raw, &names); err != nil {
		return nil, fmt.Errorf("localized_names: %w", err)
	}
	return names, nil
}

// dirEncodeNames returns names as JSON text for a jsonb parameter ("{}" for
// nil). It is text, not []byte: lib/pq would send []byte as bytea.
func dirEncodeNames(names editorial.LocalizedNames) string {
	if len(names) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(names) // a map[string]string always marshals
	return string(b)
}

// dirPattern returns an ILIKE pattern matching search anywhere, with the
// pattern characters in search escaped, or "" for a blank search.
func dirPattern(search string) string {
	search = strings.TrimSpace(search)
	if search == "" {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(search) + "%"
}

// NameCursor returns the position of an entry in a list ordered by name
// (tags, people, organizations): the key is the entry's name, which the query
// lower-cases itself, so Go and PostgreSQL never disagree on case folding.
func NameCursor(name string, id int64) Cursor { return Cursor{Key: name, ID: id} }

// dirCursorArgs returns the cursor as query arguments: a NULL key when there
// is no cursor.
func dirCursorArgs(after *Cursor) (*string, int64) {
	if after == nil {
		return nil, 0
	}
	key := after.Key
	return &key, after.ID
}

// dirScan runs a query whose rows scan into R and converts each with conv.
func dirScan[R any, T any](ctx context.Context, q sqlx.QueryerContext, conv func(*R) (*T, error), query string, args ...any) ([]*T, error) {
	var rows []R
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(rows))
	for i := range rows {
		t, err := conv(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// dirGet runs a query for one row (sql.ErrNoRows when there is none).
func dirGet[R any, T any](ctx context.Context, q sqlx.QueryerContext, conv func(*R) (*T, error), query string, args ...any) (*T, error) {
	var row R
	if err := sqlx.GetContext(ctx, q, &row, query, args...); err != nil {
		return nil, err
	}
	return conv(&row)
}

// dirTotal returns the number of rows matching a list's search. It skips the
// query when the first page already holds every match.
func dirTotal(ctx context.Context, q sqlx.QueryerContext, pageLen, first int, after *Cursor, query string, args ...any) (int, error) {
	if after == nil && pageLen < first {
		return pageLen, nil
	}
	var n int
	err := sqlx.GetContext(ctx, q, &n, query, args...)
	return n, err
}

// AncestorIDs returns the IDs of the parent chain of entry id of kind
// (KindTag, KindOrganization, KindEvent), nearest first, not including id.
// It stops after 100 levels, as the forbid_parent_cycle trigger does.
func AncestorIDs(ctx context.Context, q sqlx.QueryerContext, kind string, id int64) ([]int64, error) {
	table, err := dirTable(kind)
	if err != nil || kind == KindPerson {
		return nil, fmt.Errorf("AncestorIDs: %q entries have no parent", kind)
	}
	var ids []int64
	err = sqlx.SelectContext(ctx, q, &ids, `
		WITH RECURSIVE up (id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM `+table+` WHERE id = $1
			UNION ALL
			SELECT t.id, t.parent_id, up.depth + 1 FROM `+table+` t JOIN up ON t.id = up.parent_id WHERE up.depth < 100
		)
		SELECT id FROM up WHERE depth > 0 ORDER BY depth`, id)
	return ids, FormatError(err, "AncestorIDs", kind)
}

// dirMap indexes list by key.
func dirMap[T any](list []*T, key func(*T) int64) map[int64]*T {
	out := make(map[int64]*T, len(list))
	for _, t := range list {
		out[key(t)] = t
	}
	return out
}

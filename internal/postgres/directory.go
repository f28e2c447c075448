package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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

// NameSearch is a search of a directory list as you type. Prefix is a
// to_tsquery input under copydesk_simple (search.Query.Prefix): every
// term must start a word of the entry's name, acronym or localized names
// (the generated search column and its GIN index, migration 00011), CJK
// bigrams and single characters included. Text is the search as typed:
// of 3 characters or more, it also matches anywhere inside the entry's
// name ("lpha" finds "Alpha"), through the trigram index on lower(name).
// The zero NameSearch matches every entry.
type NameSearch struct {
	Prefix, Text string
}

// args returns the search as the query arguments of dirSearch.
func (s NameSearch) args() (prefix, contains string) {
	text := strings.TrimSpace(s.Text)
	if s.Prefix == "" || utf8.RuneCountInString(text) < 3 {
		return s.Prefix, ""
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return s.Prefix, "%" + r.Replace(strings.ToLower(text)) + "%"
}

// dirSearch is the condition of a NameSearch on the entries of alias: $1
// and $n are its args (” when unused). With them bound, the planner folds
// the unused tests away and scans the two indexes (a BitmapOr).
func dirSearch(alias string, n int) string {
	return fmt.Sprintf(`($1::text = '' OR %[1]ssearch @@ to_tsquery('copydesk_simple', $1) OR ($%[2]d::text <> '' AND lower(%[1]sname) LIKE $%[2]d))`, alias, n)
}

// NameCursor returns the position of an entry in a list ordered by name
// (tags, people, organizations): the key is the entry's name, which the query
// lower-cases itself, so Go and PostgreSQL never disagree on case folding.
func NameCursor(name string, id int64) editorial.Cursor { return editorial.Cursor{Key: name, ID: id} }

// dirCursorArgs returns the cursor as query arguments: a NULL key when there
// is no cursor.
func dirCursorArgs(after *editorial.Cursor) (*string, int64) {
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

// dirSpec is what the queries every directory table shares (tags, people,
// organizations) need to know of one: where its entries live, how a row
// becomes an entry, where an entry keeps what the database sets, and what
// FormatError calls it.
type dirSpec[R any, T any] struct {
	table, columns string
	kind           string                // KindTag, KindPerson or KindOrganization
	what           string                // the noun of its errors: "Tag"
	split          func(*R) (*T, []byte) // a row's entry and its localized_names
	stamp          func(*T) dirStamp
}

// selectFrom is the start of a query for whole entries.
func (s dirSpec[R, T]) selectFrom() string { return `SELECT ` + s.columns + ` FROM ` + s.table }

// columnsOf is the list of columns of whole entries of the table aliased
// alias, for a query that joins it.
func (s dirSpec[R, T]) columnsOf(alias string) string {
	cols := strings.Split(s.columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// conv turns a scanned row into an entry (see dirScan).
func (s dirSpec[R, T]) conv(r *R) (*T, error) {
	t, raw := s.split(r)
	var err error
	*s.stamp(t).names, err = dirDecodeNames(raw)
	return t, err
}

// id is the ID of entry t.
func (s dirSpec[R, T]) id(t *T) int64 { return *s.stamp(t).id }

// lock reads entry id and locks its row until tx ends. NOT_FOUND if there is
// no such entry.
func (s dirSpec[R, T]) lock(ctx context.Context, tx *Tx, op string, id int64) (*T, error) {
	t, err := dirGet(ctx, tx, s.conv, s.selectFrom()+` WHERE id = $1 FOR UPDATE`, id)
	return t, FormatError(err, op, s.what)
}

// byIDs returns the entries with the given IDs, in one query, with rest
// (an ORDER BY, a locking clause) appended. IDs with no row are missing from
// the map.
func (s dirSpec[R, T]) byIDs(ctx context.Context, q sqlx.QueryerContext, op string, ids []int64, rest string) (map[int64]*T, error) {
	list, err := dirScan(ctx, q, s.conv, s.selectFrom()+` WHERE id = ANY($1)`+rest, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, op, s.what)
	}
	return dirMap(list, s.id), nil
}

// ancestorsOf is the recursive query of the IDs in $1 and of all their
// ancestors (by parent_id) in table; UNION stops at a cycle.
func ancestorsOf(table string) string {
	return `WITH RECURSIVE up(id) AS (SELECT unnest($1::bigint[]) UNION SELECT t.parent_id FROM ` + table +
		` t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL)`
}

// withAncestors returns the entries with the given IDs and all their
// ancestors, in one query.
func (s dirSpec[R, T]) withAncestors(ctx context.Context, q sqlx.QueryerContext, op string, ids []int64) (map[int64]*T, error) {
	list, err := dirScan(ctx, q, s.conv, ancestorsOf(s.table)+` `+s.selectFrom()+` WHERE id IN (SELECT id FROM up)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, op, s.what)
	}
	return dirMap(list, s.id), nil
}

// page returns up to first entries after the cursor (see NameCursor),
// ordered by name case-insensitively and then ID, and the Total of those
// matching search.
func (s dirSpec[R, T]) page(ctx context.Context, q sqlx.QueryerContext, op string, search NameSearch, first int, after *editorial.Cursor) ([]*T, Total, error) {
	return s.pageWhere(ctx, q, op, "", search, first, after)
}

// pageWhere is page of the entries that also meet only, a condition on the
// table's columns ("": every entry).
func (s dirSpec[R, T]) pageWhere(ctx context.Context, q sqlx.QueryerContext, op, only string, search NameSearch, first int, after *editorial.Cursor) ([]*T, Total, error) {
	query, args := s.pageQueryWhere(only, search, first, after)
	list, err := dirScan(ctx, q, s.conv, query, args...)
	if err != nil {
		return nil, nil, FormatError(err, op, s.what)
	}
	count, args := dirCountWhere(s.table, "", only, search)
	return list, pageTotal(q, len(list), first, after, op, s.what, count, args...), nil
}

// dirCount is the statement that counts the entries of table (as alias)
// search matches, and its arguments.
func dirCount(table, alias string, search NameSearch) (string, []any) {
	return dirCountWhere(table, alias, "", search)
}

// dirCountWhere is dirCount of the entries that also meet only ("": every
// entry).
func dirCountWhere(table, alias, only string, search NameSearch) (string, []any) {
	prefix, contains := search.args()
	return `SELECT count(*) FROM ` + table + ` ` + strings.TrimSuffix(alias, ".") + ` WHERE ` + dirSearch(alias, 2) + andOnly(only), []any{prefix, contains}
}

// andOnly is the extra condition only as the end of a WHERE clause.
func andOnly(only string) string {
	if only == "" {
		return ""
	}
	return ` AND ` + only
}

// pageQuery is the statement page sends, and its arguments.
func (s dirSpec[R, T]) pageQuery(search NameSearch, first int, after *editorial.Cursor) (string, []any) {
	return s.pageQueryWhere("", search, first, after)
}

// pageQueryWhere is the statement pageWhere sends, and its arguments.
func (s dirSpec[R, T]) pageQueryWhere(only string, search NameSearch, first int, after *editorial.Cursor) (string, []any) {
	key, id := dirCursorArgs(after)
	prefix, contains := search.args()
	return s.selectFrom() + `
		WHERE ` + dirSearch("", 5) + andOnly(only) + `
		AND ($2::text IS NULL OR (lower(name), id) > (lower($2), $3))
		ORDER BY lower(name), id LIMIT $4`, []any{prefix, key, id, max(first, 0), contains}
}

// dirStamp points at the fields of a directory entry (events too) that the
// database sets rather than the caller.
type dirStamp struct {
	id                   *int64
	version              *int
	createdAt, updatedAt *time.Time
	names                *editorial.LocalizedNames
}

// dirInsert runs query, an INSERT … RETURNING id of a new entry, and sets
// what the database gave it: its ID, version 1, both timestamps tx.Now and
// localized names that are never nil. Errors are FormatError's for op and
// what.
func dirInsert(ctx context.Context, tx *Tx, e dirStamp, op, what, query string, args ...any) error {
	if err := tx.GetContext(ctx, e.id, query, args...); err != nil {
		return FormatError(err, op, what)
	}
	*e.version, *e.createdAt, *e.updatedAt = 1, tx.Now, tx.Now
	if *e.names == nil {
		*e.names = editorial.LocalizedNames{}
	}
	return nil
}

// dirUpdate runs query, an UPDATE … RETURNING version of an entry that bumps
// its version, and sets its new version and update time.
func dirUpdate(ctx context.Context, tx *Tx, e dirStamp, op, what, query string, args ...any) error {
	if err := tx.GetContext(ctx, e.version, query, args...); err != nil {
		return FormatError(err, op, what)
	}
	*e.updatedAt = tx.Now
	return nil
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

// dirGroup groups list by key, keeping the order of list in each group.
func dirGroup[T any](list []*T, key func(*T) int64) map[int64][]*T {
	out := map[int64][]*T{}
	for _, t := range list {
		out[key(t)] = append(out[key(t)], t)
	}
	return out
}

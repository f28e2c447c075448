package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
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

// dirTotal returns the number of rows matching a list's search. It skips the
// query when the first page already holds every match.
func dirTotal(ctx context.Context, q sqlx.QueryerContext, pageLen, first int, after *editorial.Cursor, query string, args ...any) (int, error) {
	if after == nil && pageLen < first {
		return pageLen, nil
	}
	var n int
	err := sqlx.GetContext(ctx, q, &n, query, args...)
	return n, err
}

// ResolveMerged returns the ID that id of the given kind (KindPerson,
// KindOrganization, KindTag) now stands for: the survivor of the merge that
// removed it, following chains of merges, or id itself when it was never
// merged. It does not check that the result exists.
func ResolveMerged(ctx context.Context, q sqlx.QueryerContext, kind string, id int64) (int64, error) {
	m, err := ResolveMergedIDs(ctx, q, kind, []int64{id})
	if err != nil {
		return 0, err
	}
	return m[id], nil
}

// ResolveMergedIDs is ResolveMerged for many IDs in one query: the map has
// an entry for every ID in ids.
func ResolveMergedIDs(ctx context.Context, q sqlx.QueryerContext, kind string, ids []int64) (map[int64]int64, error) {
	if _, err := dirTable(kind); err != nil || kind == KindEvent {
		return nil, fmt.Errorf("ResolveMergedIDs: kind %q is never merged", kind)
	}
	rows, err := q.QueryxContext(ctx, `
		WITH RECURSIVE chain (start, id, depth) AS (
			SELECT s, s, 0 FROM unnest($2::bigint[]) AS s
			UNION ALL
			SELECT c.start, m.new_id, c.depth + 1
			FROM chain c JOIN directory_merges m ON m.kind = $1 AND m.old_id = c.id
			WHERE c.depth < 100
		)
		SELECT DISTINCT ON (start) start, id FROM chain ORDER BY start, depth DESC`, kind, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "ResolveMergedIDs", "Merge")
	}
	defer rows.Close()
	out := make(map[int64]int64, len(ids))
	for rows.Next() {
		var from, to int64
		if err := rows.Scan(&from, &to); err != nil {
			return nil, FormatError(err, "ResolveMergedIDs", "Merge")
		}
		out[from] = to
	}
	return out, FormatError(rows.Err(), "ResolveMergedIDs", "Merge")
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

// --- organizations ---

const orgColumns = `id, name, acronym, country, parent_id, localized_names, version, created_at, updated_at`

type orgRow struct {
	editorial.Organization
	Names []byte `db:"localized_names"`
}

func (r *orgRow) org() (*editorial.Organization, error) {
	o := r.Organization
	var err error
	o.LocalizedNames, err = dirDecodeNames(r.Names)
	return &o, err
}

// InsertOrganization inserts o and sets its ID, Version and timestamps.
func InsertOrganization(ctx context.Context, tx *Tx, o *editorial.Organization) error {
	err := tx.GetContext(ctx, &o.ID, `
		INSERT INTO organizations (name, acronym, country, parent_id, localized_names, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		o.Name, o.Acronym, o.Country, o.ParentID, dirEncodeNames(o.LocalizedNames), tx.Now)
	if err != nil {
		return FormatError(err, "InsertOrganization", "Organization")
	}
	o.Version, o.CreatedAt, o.UpdatedAt = 1, tx.Now, tx.Now
	if o.LocalizedNames == nil {
		o.LocalizedNames = editorial.LocalizedNames{}
	}
	return nil
}

// LockOrganization reads organization id and locks its row until tx ends.
// NOT_FOUND if there is no such organization.
func LockOrganization(ctx context.Context, tx *Tx, id int64) (*editorial.Organization, error) {
	o, err := dirGet(ctx, tx, (*orgRow).org, `SELECT `+orgColumns+` FROM organizations WHERE id = $1 FOR UPDATE`, id)
	return o, FormatError(err, "LockOrganization", "Organization")
}

// LockOrganizations reads and locks the organizations with the given IDs, in
// ID order (so concurrent callers cannot deadlock). IDs with no row are
// missing from the map.
func LockOrganizations(ctx context.Context, tx *Tx, ids []int64) (map[int64]*editorial.Organization, error) {
	list, err := dirScan(ctx, tx, (*orgRow).org, `SELECT `+orgColumns+` FROM organizations WHERE id = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "LockOrganizations", "Organization")
	}
	return dirMap(list, func(o *editorial.Organization) int64 { return o.ID }), nil
}

// UpdateOrganization writes every column of o, bumps its version and sets
// its update time (o is updated in place).
func UpdateOrganization(ctx context.Context, tx *Tx, o *editorial.Organization) error {
	err := tx.GetContext(ctx, &o.Version, `
		UPDATE organizations SET name = $2, acronym = $3, country = $4, parent_id = $5, localized_names = $6,
			version = version + 1, updated_at = $7
		WHERE id = $1 RETURNING version`,
		o.ID, o.Name, o.Acronym, o.Country, o.ParentID, dirEncodeNames(o.LocalizedNames), tx.Now)
	if err != nil {
		return FormatError(err, "UpdateOrganization", "Organization")
	}
	o.UpdatedAt = tx.Now
	return nil
}

// OrganizationsByIDs returns the organizations with the given IDs, in one
// query (the dataloader batch function). Unknown IDs are missing from the map.
func OrganizationsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Organization, error) {
	list, err := dirScan(ctx, q, (*orgRow).org, `SELECT `+orgColumns+` FROM organizations WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "OrganizationsByIDs", "Organization")
	}
	return dirMap(list, func(o *editorial.Organization) int64 { return o.ID }), nil
}

// ListOrganizations returns up to first organizations after the cursor (see
// NameCursor), ordered by name case-insensitively and then ID, and how many
// match in all. A non-blank search keeps those whose name, acronym or any
// localized name contains it, case-insensitively.
func ListOrganizations(ctx context.Context, q sqlx.QueryerContext, search string, first int, after *editorial.Cursor) ([]*editorial.Organization, int, error) {
	pattern := dirPattern(search)
	key, id := dirCursorArgs(after)
	list, err := dirScan(ctx, q, (*orgRow).org, `
		SELECT `+orgColumns+` FROM organizations
		WHERE ($1 = '' OR name ILIKE $1 OR acronym ILIKE $1
			OR EXISTS (SELECT 1 FROM jsonb_each_text(localized_names) l WHERE l.value ILIKE $1))
		AND ($2::text IS NULL OR (lower(name), id) > (lower($2), $3))
		ORDER BY lower(name), id LIMIT $4`, pattern, key, id, max(first, 0))
	if err != nil {
		return nil, 0, FormatError(err, "ListOrganizations", "Organization")
	}
	total, err := dirTotal(ctx, q, len(list), first, after, `
		SELECT count(*) FROM organizations
		WHERE ($1 = '' OR name ILIKE $1 OR acronym ILIKE $1
			OR EXISTS (SELECT 1 FROM jsonb_each_text(localized_names) l WHERE l.value ILIKE $1))`, pattern)
	return list, total, FormatError(err, "ListOrganizations", "Organization")
}

// --- people ---

const personColumns = `id, name, affiliation_id, localized_names, version, created_at, updated_at`

type personRow struct {
	editorial.Person
	Names []byte `db:"localized_names"`
}

func (r *personRow) person() (*editorial.Person, error) {
	p := r.Person
	var err error
	p.LocalizedNames, err = dirDecodeNames(r.Names)
	return &p, err
}

// InsertPerson inserts p and sets its ID, Version and timestamps.
func InsertPerson(ctx context.Context, tx *Tx, p *editorial.Person) error {
	err := tx.GetContext(ctx, &p.ID, `
		INSERT INTO people (name, affiliation_id, localized_names, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		p.Name, p.AffiliationID, dirEncodeNames(p.LocalizedNames), tx.Now)
	if err != nil {
		return FormatError(err, "InsertPerson", "Person")
	}
	p.Version, p.CreatedAt, p.UpdatedAt = 1, tx.Now, tx.Now
	if p.LocalizedNames == nil {
		p.LocalizedNames = editorial.LocalizedNames{}
	}
	return nil
}

// LockPerson reads person id and locks the row until tx ends. NOT_FOUND if
// there is no such person.
func LockPerson(ctx context.Context, tx *Tx, id int64) (*editorial.Person, error) {
	p, err := dirGet(ctx, tx, (*personRow).person, `SELECT `+personColumns+` FROM people WHERE id = $1 FOR UPDATE`, id)
	return p, FormatError(err, "LockPerson", "Person")
}

// LockPeople reads and locks the people with the given IDs, in ID order. IDs
// with no row are missing from the map.
func LockPeople(ctx context.Context, tx *Tx, ids []int64) (map[int64]*editorial.Person, error) {
	list, err := dirScan(ctx, tx, (*personRow).person, `SELECT `+personColumns+` FROM people WHERE id = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "LockPeople", "Person")
	}
	return dirMap(list, func(p *editorial.Person) int64 { return p.ID }), nil
}

// UpdatePerson writes every column of p, bumps its version and sets its
// update time (p is updated in place).
func UpdatePerson(ctx context.Context, tx *Tx, p *editorial.Person) error {
	err := tx.GetContext(ctx, &p.Version, `
		UPDATE people SET name = $2, affiliation_id = $3, localized_names = $4, version = version + 1, updated_at = $5
		WHERE id = $1 RETURNING version`,
		p.ID, p.Name, p.AffiliationID, dirEncodeNames(p.LocalizedNames), tx.Now)
	if err != nil {
		return FormatError(err, "UpdatePerson", "Person")
	}
	p.UpdatedAt = tx.Now
	return nil
}

// PeopleByIDs returns the people with the given IDs, in one query (the
// dataloader batch function). Unknown IDs are missing from the map.
func PeopleByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Person, error) {
	list, err := dirScan(ctx, q, (*personRow).person, `SELECT `+personColumns+` FROM people WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "PeopleByIDs", "Person")
	}
	return dirMap(list, func(p *editorial.Person) int64 { return p.ID }), nil
}

// ListPeople returns up to first people after the cursor (see NameCursor),
// ordered by name case-insensitively and then ID, and how many match in all.
// A non-blank search keeps those whose name or any localized name contains it.
func ListPeople(ctx context.Context, q sqlx.QueryerContext, search string, first int, after *editorial.Cursor) ([]*editorial.Person, int, error) {
	pattern := dirPattern(search)
	key, id := dirCursorArgs(after)
	list, err := dirScan(ctx, q, (*personRow).person, `
		SELECT `+personColumns+` FROM people
		WHERE ($1 = '' OR name ILIKE $1 OR EXISTS (SELECT 1 FROM jsonb_each_text(localized_names) l WHERE l.value ILIKE $1))
		AND ($2::text IS NULL OR (lower(name), id) > (lower($2), $3))
		ORDER BY lower(name), id LIMIT $4`, pattern, key, id, max(first, 0))
	if err != nil {
		return nil, 0, FormatError(err, "ListPeople", "Person")
	}
	total, err := dirTotal(ctx, q, len(list), first, after, `
		SELECT count(*) FROM people
		WHERE ($1 = '' OR name ILIKE $1 OR EXISTS (SELECT 1 FROM jsonb_each_text(localized_names) l WHERE l.value ILIKE $1))`, pattern)
	return list, total, FormatError(err, "ListPeople", "Person")
}

// --- tags ---

const tagColumns = `id, slug, name, description, parent_id, localized_names, version, created_at, updated_at`

type tagRow struct {
	editorial.Tag
	Names []byte `db:"localized_names"`
}

func (r *tagRow) tag() (*editorial.Tag, error) {
	t := r.Tag
	var err error
	t.LocalizedNames, err = dirDecodeNames(r.Names)
	return &t, err
}

// InsertTag inserts t and sets its ID, Version and timestamps. CONFLICT if
// its slug or (case-insensitively) its name is taken.
func InsertTag(ctx context.Context, tx *Tx, t *editorial.Tag) error {
	err := tx.GetContext(ctx, &t.ID, `
		INSERT INTO tags (slug, name, description, parent_id, localized_names, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		t.Slug, t.Name, t.Description, t.ParentID, dirEncodeNames(t.LocalizedNames), tx.Now)
	if err != nil {
		return FormatError(err, "InsertTag", "Tag")
	}
	t.Version, t.CreatedAt, t.UpdatedAt = 1, tx.Now, tx.Now
	if t.LocalizedNames == nil {
		t.LocalizedNames = editorial.LocalizedNames{}
	}
	return nil
}

// LockTag reads tag id and locks its row until tx ends. NOT_FOUND if there
// is no such tag.
func LockTag(ctx context.Context, tx *Tx, id int64) (*editorial.Tag, error) {
	t, err := dirGet(ctx, tx, (*tagRow).tag, `SELECT `+tagColumns+` FROM tags WHERE id = $1 FOR UPDATE`, id)
	return t, FormatError(err, "LockTag", "Tag")
}

// LockTags reads and locks the tags with the given IDs, in ID order. IDs with
// no row are missing from the map.
func LockTags(ctx context.Context, tx *Tx, ids []int64) (map[int64]*editorial.Tag, error) {
	list, err := dirScan(ctx, tx, (*tagRow).tag, `SELECT `+tagColumns+` FROM tags WHERE id = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "LockTags", "Tag")
	}
	return dirMap(list, func(t *editorial.Tag) int64 { return t.ID }), nil
}

// LockTagVocabulary serialises changes to tag names and slugs until tx ends,
// so that checking a name or slug is free and then using it cannot race with
// another transaction doing the same.
func LockTagVocabulary(ctx context.Context, tx *Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('copydesk.tag-vocabulary'))`)
	return FormatError(err, "LockTagVocabulary", "Tag")
}

// UpdateTag writes every column of t, bumps its version and sets its update
// time (t is updated in place). CONFLICT if the slug or name is taken.
func UpdateTag(ctx context.Context, tx *Tx, t *editorial.Tag) error {
	err := tx.GetContext(ctx, &t.Version, `
		UPDATE tags SET slug = $2, name = $3, description = $4, parent_id = $5, localized_names = $6,
			version = version + 1, updated_at = $7
		WHERE id = $1 RETURNING version`,
		t.ID, t.Slug, t.Name, t.Description, t.ParentID, dirEncodeNames(t.LocalizedNames), tx.Now)
	if err != nil {
		return FormatError(err, "UpdateTag", "Tag")
	}
	t.UpdatedAt = tx.Now
	return nil
}

// TagsByIDs returns the tags with the given IDs, in one query (the
// dataloader batch function). Unknown IDs are missing from the map.
func TagsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Tag, error) {
	list, err := dirScan(ctx, q, (*tagRow).tag, `SELECT `+tagColumns+` FROM tags WHERE id = ANY($1)`, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "TagsByIDs", "Tag")
	}
	return dirMap(list, func(t *editorial.Tag) int64 { return t.ID }), nil
}

// ListTags returns up to first tags after the cursor (see NameCursor),
// ordered by name case-insensitively and then ID, and how many match in all.
// A non-blank search keeps those whose name or any localized name contains it.
func ListTags(ctx context.Context, q sqlx.QueryerContext, search string, first int, after *editorial.Cursor) ([]*editorial.Tag, int, error) {
	pattern := dirPattern(search)
	key, id := dirCursorArgs(after)
	list, err := dirScan(ctx, q, (*tagRow).tag, `
		SELECT `+tagColumns+` FROM tags
		WHERE ($1 = '' OR name ILIKE $1 OR EXISTS (SELECT 1 FROM jsonb_each_text(localized_names) l WHERE l.value ILIKE $1))
		AND ($2::text IS NULL OR (lower(name), id) > (lower($2), $3))
		ORDER BY lower(name), id LIMIT $4`, pattern, key, id, max(first, 0))
	if err != nil {
		return nil, 0, FormatError(err, "ListTags", "Tag")
	}
	total, err := dirTotal(ctx, q, len(list), first, after, `
		SELECT count(*) FROM tags
		WHERE ($1 = '' OR name ILIKE $1 OR EXISTS (SELECT 1 FROM jsonb_each_text(localized_names) l WHERE l.value ILIKE $1))`, pattern)
	return list, total, FormatError(err, "ListTags", "Tag")
}

// TagBySlug returns the tag whose slug is slug or, failing that, the tag an
// old slug redirects to (compare the result's Slug with slug to tell which).
// NOT_FOUND if neither exists.
func TagBySlug(ctx context.Context, q sqlx.QueryerContext, slug string) (*editorial.Tag, error) {
	t, err := dirGet(ctx, q, (*tagRow).tag, `
		SELECT `+tagColumns+` FROM tags
		WHERE id = COALESCE((SELECT id FROM tags WHERE slug = $1), (SELECT tag_id FROM tag_slug_redirects WHERE slug = $1))`, slug)
	return t, FormatError(err, "TagBySlug", "Tag")
}

// TagByNameCI returns the tag named name, compared case-insensitively (as the
// tags_name_key index does). NOT_FOUND if there is none.
func TagByNameCI(ctx context.Context, q sqlx.QueryerContext, name string) (*editorial.Tag, error) {
	t, err := dirGet(ctx, q, (*tagRow).tag, `SELECT `+tagColumns+` FROM tags WHERE lower(name) = lower($1)`, name)
	return t, FormatError(err, "TagByNameCI", "Tag")
}

// TagChildren returns, per parent ID, the parent's child tags ordered by
// name, in one query. Parents without children are missing from the map.
func TagChildren(ctx context.Context, q sqlx.QueryerContext, parentIDs []int64) (map[int64][]*editorial.Tag, error) {
	list, err := dirScan(ctx, q, (*tagRow).tag, `SELECT `+tagColumns+` FROM tags WHERE parent_id = ANY($1) ORDER BY lower(name), id`, pq.Array(parentIDs))
	if err != nil {
		return nil, FormatError(err, "TagChildren", "Tag")
	}
	out := map[int64][]*editorial.Tag{}
	for _, t := range list {
		out[*t.ParentID] = append(out[*t.ParentID], t)
	}
	return out, nil
}

// ReportCountsByTagIDs returns, per tag ID, how many reports the audience
// can see carry the tag (archived ones never count), in one query. Every ID in ids has an entry.
func ReportCountsByTagIDs(ctx context.Context, q sqlx.QueryerContext, aud Audience, ids []int64) (map[int64]int, error) {
	query := `SELECT rt.tag_id, count(*) FROM report_tags rt JOIN reports r ON r.id = rt.report_id
		WHERE rt.tag_id = ANY($1) AND r.status <> 'ARCHIVED' GROUP BY rt.tag_id`
	if aud == Public {
		// Count what the public sees: the tags of published snapshots.
		query = `SELECT (t->>'id')::bigint, count(*) FROM ` + publishedFrom + `,
			jsonb_array_elements(jsonb_path_query_array(v.snapshot, '$.tags[*]')) t
			WHERE ` + publishedWhere + ` AND (t->>'id')::bigint = ANY($1) GROUP BY 1`
	}
	rows, err := q.QueryxContext(ctx, query, pq.Array(ids))
	if err != nil {
		return nil, FormatError(err, "ReportCountsByTagIDs", "Tag")
	}
	defer rows.Close()
	out := make(map[int64]int, len(ids))
	for _, id := range ids {
		out[id] = 0
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, FormatError(err, "ReportCountsByTagIDs", "Tag")
		}
		out[id] = n
	}
	return out, FormatError(rows.Err(), "ReportCountsByTagIDs", "Tag")
}

// AddTagSlugRedirect makes the old slug resolve to tag tagID (TagBySlug).
// If slug already redirects elsewhere, it now redirects to tagID.
func AddTagSlugRedirect(ctx context.Context, tx *Tx, slug string, tagID int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO tag_slug_redirects (slug, tag_id) VALUES ($1, $2)
		ON CONFLICT (slug) DO UPDATE SET tag_id = EXCLUDED.tag_id`, slug, tagID)
	return FormatError(err, "AddTagSlugRedirect", "Tag slug")
}

// DeleteTagSlugRedirect removes the redirect of slug, if any (used when a tag
// takes back one of its old slugs).
func DeleteTagSlugRedirect(ctx context.Context, tx *Tx, slug string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM tag_slug_redirects WHERE slug = $1`, slug)
	return FormatError(err, "DeleteTagSlugRedirect", "Tag slug")
}

// --- merges ---

// MergeTags merges the source tags into the target tag in tx: reports tagged
// with a source are tagged with the target instead (a report that had
// several of them keeps one entry, at the earliest position); the sources'
// child tags move under the target; the sources' slugs and old slugs
// redirect to the target; localized names the target lacks are copied from
// the sources (the target wins a clash, then the earlier source); old IDs
// resolve to the target (ResolveMerged); and the sources are deleted.
//
// If the target sits below a source, the target takes that source's place in
// the tree (see dirReparent), so no cycle can arise. Every involved row is
// locked first, in ID order. NOT_FOUND if a tag does not exist;
// BAD_USER_INPUT if sourceIDs is empty, repeats an ID or holds the target.
func MergeTags(ctx context.Context, tx *Tx, sourceIDs []int64, targetID int64) error {
	locked, err := LockTags(ctx, tx, append([]int64{targetID}, sourceIDs...))
	if err != nil {
		return err
	}
	target, err := dirInvolved(locked, sourceIDs, targetID, "Tag")
	if err != nil {
		return err
	}
	const op = "MergeTags"
	if err := dirMoveLinks(ctx, tx, dirLinkReportTags, sourceIDs, targetID); err != nil {
		return FormatError(err, op, "Tag")
	}
	if err := dirReparent(ctx, tx, "tags", sourceIDs, targetID); err != nil {
		return FormatError(err, op, "Tag")
	}
	_, err = tx.ExecContext(ctx, `UPDATE tag_slug_redirects SET tag_id = $2 WHERE tag_id = ANY($1)`, pq.Array(sourceIDs), targetID)
	if err != nil {
		return FormatError(err, op, "Tag")
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO tag_slug_redirects (slug, tag_id) SELECT slug, $2 FROM tags WHERE id = ANY($1)
		ON CONFLICT (slug) DO UPDATE SET tag_id = EXCLUDED.tag_id`, pq.Array(sourceIDs), targetID)
	if err != nil {
		return FormatError(err, op, "Tag")
	}
	// A redirect equal to the target's own slug would be dead weight.
	if err := DeleteTagSlugRedirect(ctx, tx, target.Slug); err != nil {
		return err
	}
	if err := dirMergeNames(ctx, tx, "tags", locked, sourceIDs, targetID, func(t *editorial.Tag) editorial.LocalizedNames { return t.LocalizedNames }); err != nil {
		return FormatError(err, op, "Tag")
	}
	return dirFinishMerge(ctx, tx, KindTag, sourceIDs, targetID)
}

// MergePeople merges the source people into the target person in tx: their
// attendances and bylines move to the target (where a report already lists
// the target, the source's entry is dropped and the target's kept; where it
// lists several sources but not the target, the earliest is kept), localized
// names the target lacks are copied from the sources, old IDs resolve to the
// target, and the sources are deleted. Rows are locked first, in ID order.
// NOT_FOUND if a person does not exist.
func MergePeople(ctx context.Context, tx *Tx, sourceIDs []int64, targetID int64) error {
	locked, err := LockPeople(ctx, tx, append([]int64{targetID}, sourceIDs...))
	if err != nil {
		return err
	}
	if _, err := dirInvolved(locked, sourceIDs, targetID, "Person"); err != nil {
		return err
	}
	const op = "MergePeople"
	// Attendances: keep the target's own row, else the earliest.
	reports, err := dirDeleteDuplicateAttendees(ctx, tx, `
		SELECT id, row_number() OVER (PARTITION BY report_id ORDER BY person_id = $2 DESC, position, id) AS n
		FROM report_attendees WHERE person_id = ANY($1) OR person_id = $2`, sourceIDs, targetID)
	if err != nil {
		return FormatError(err, op, "Person")
	}
	_, err = tx.ExecContext(ctx, `UPDATE report_attendees SET person_id = $2 WHERE person_id = ANY($1)`, pq.Array(sourceIDs), targetID)
	if err != nil {
		return FormatError(err, op, "Person")
	}
	if err := dirRenumberAttendees(ctx, tx, reports); err != nil {
		return FormatError(err, op, "Person")
	}
	if err := dirMoveLinks(ctx, tx, dirLinkReportAuthors, sourceIDs, targetID); err != nil {
		return FormatError(err, op, "Person")
	}
	if err := dirMergeNames(ctx, tx, "people", locked, sourceIDs, targetID, func(p *editorial.Person) editorial.LocalizedNames { return p.LocalizedNames }); err != nil {
		return FormatError(err, op, "Person")
	}
	return dirFinishMerge(ctx, tx, KindPerson, sourceIDs, targetID)
}

// MergeOrganizations merges the source organizations into the target in tx:
// people affiliated with a source are affiliated with the target, the
// sources' child organizations move under it (the target takes a source's
// place if it sat below one), events they organised list the target once,
// attendee entries naming a source name the target (where that makes two
// entries without a person for the same organization and delegation on one
// report, the target's is kept, else the earliest), localized names the
// target lacks are copied, old IDs resolve to the target, and the sources
// are deleted. Rows are locked first, in ID order. NOT_FOUND if an
// organization does not exist.
func MergeOrganizations(ctx context.Context, tx *Tx, sourceIDs []int64, targetID int64) error {
	locked, err := LockOrganizations(ctx, tx, append([]int64{targetID}, sourceIDs...))
	if err != nil {
		return err
	}
	if _, err := dirInvolved(locked, sourceIDs, targetID, "Organization"); err != nil {
		return err
	}
	const op = "MergeOrganizations"
	_, err = tx.ExecContext(ctx, `
		UPDATE people SET affiliation_id = $2, version = version + 1, updated_at = $3
		WHERE affiliation_id = ANY($1)`, pq.Array(sourceIDs), targetID, tx.Now)
	if err != nil {
		return FormatError(err, op, "Organization")
	}
	if err := dirReparent(ctx, tx, "organizations", sourceIDs, targetID); err != nil {
		return FormatError(err, op, "Organization")
	}
	if err := dirMoveLinks(ctx, tx, dirLinkEventOrganizers, sourceIDs, targetID); err != nil {
		return FormatError(err, op, "Organization")
	}
	// Group entries (no person) are unique per report, organization and
	// delegation (report_attendees_group_key).
	reports, err := dirDeleteDuplicateAttendees(ctx, tx, `
		SELECT id, row_number() OVER (PARTITION BY report_id, COALESCE(delegation, '')
			ORDER BY organization_id = $2 DESC, position, id) AS n
		FROM report_attendees WHERE person_id IS NULL AND (organization_id = ANY($1) OR organization_id = $2)`, sourceIDs, targetID)
	if err != nil {
		return FormatError(err, op, "Organization")
	}
	_, err = tx.ExecContext(ctx, `UPDATE report_attendees SET organization_id = $2 WHERE organization_id = ANY($1)`, pq.Array(sourceIDs), targetID)
	if err != nil {
		return FormatError(err, op, "Organization")
	}
	if err := dirRenumberAttendees(ctx, tx, reports); err != nil {
		return FormatError(err, op, "Organization")
	}
	if err := dirMergeNames(ctx, tx, "organizations", locked, sourceIDs, targetID, func(o *editorial.Organization) editorial.LocalizedNames { return o.LocalizedNames }); err != nil {
		return FormatError(err, op, "Organization")
	}
	return dirFinishMerge(ctx, tx, KindOrganization, sourceIDs, targetID)
}

// dirInvolved checks that a merge names distinct entries, none of them the
// target, that every one was found, and returns the target.
func dirInvolved[T any](locked map[int64]*T, sourceIDs []int64, targetID int64, what string) (*T, error) {
	seen := map[int64]bool{targetID: true}
	for _, id := range sourceIDs {
		if seen[id] {
			return nil, cerr.Errorf(cerr.Invalid, "%s %d is listed twice in the merge.", what, id)
		}
		seen[id] = true
	}
	if len(sourceIDs) == 0 {
		return nil, cerr.Errorf(cerr.Invalid, "Nothing to merge.")
	}
	for _, id := range append([]int64{targetID}, sourceIDs...) {
		if locked[id] == nil {
			return nil, cerr.Errorf(cerr.NotFound, "%s %d not found.", what, id)
		}
	}
	return locked[targetID], nil
}

// dirMergeNames gives the target the localized names it lacks from the
// sources (earlier sources first), bumping its version.
func dirMergeNames[T any](ctx context.Context, tx *Tx, table string, locked map[int64]*T, sourceIDs []int64, targetID int64, names func(*T) editorial.LocalizedNames) error {
	merged := editorial.LocalizedNames{}
	for locale, name := range names(locked[targetID]) {
		merged[locale] = name
	}
	for _, id := range sourceIDs {
		for locale, name := range names(locked[id]) {
			if _, ok := merged[locale]; !ok {
				merged[locale] = name
			}
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET localized_names = $2, version = version + 1, updated_at = $3 WHERE id = $1`,
		targetID, dirEncodeNames(merged), tx.Now)
	return err
}

// dirFinishMerge records that the sources now resolve to the target (and so
// do entries merged into a source earlier), then deletes the sources.
func dirFinishMerge(ctx context.Context, tx *Tx, kind string, sourceIDs []int64, targetID int64) error {
	table, err := dirTable(kind)
	if err != nil {
		return err
	}
	const op = "dirFinishMerge"
	_, err = tx.ExecContext(ctx, `UPDATE directory_merges SET new_id = $3 WHERE kind = $1 AND new_id = ANY($2)`, kind, pq.Array(sourceIDs), targetID)
	if err != nil {
		return FormatError(err, op, kind)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO directory_merges (kind, old_id, new_id, merged_at) SELECT $1, s, $3, $4 FROM unnest($2::bigint[]) AS s
		ON CONFLICT (kind, old_id) DO UPDATE SET new_id = EXCLUDED.new_id, merged_at = EXCLUDED.merged_at`,
		kind, pq.Array(sourceIDs), targetID, tx.Now)
	if err != nil {
		return FormatError(err, op, kind)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = ANY($1)`, pq.Array(sourceIDs))
	return FormatError(err, op, kind)
}

// dirLink describes an ordered link table whose primary key is (owner, ref)
// and which has a position column: report_tags, report_authors,
// event_organizers.
type dirLink struct{ table, owner, ref string }

var (
	dirLinkReportTags      = dirLink{"report_tags", "report_id", "tag_id"}
	dirLinkReportAuthors   = dirLink{"report_authors", "report_id", "person_id"}
	dirLinkEventOrganizers = dirLink{"event_organizers", "event_id", "organization_id"}
)

// dirMoveLinks points the link rows of the sources at the target. An owner
// that links to several of sources and target keeps one row, at the earliest
// position (the target's row on a tie); the owner's positions are then
// renumbered 0, 1, 2… in their previous order.
func dirMoveLinks(ctx context.Context, tx *Tx, l dirLink, sourceIDs []int64, targetID int64) error {
	var owners []int64
	err := tx.SelectContext(ctx, &owners, fmt.Sprintf(`
		DELETE FROM %[1]s l USING (
			SELECT %[2]s AS owner, %[3]s AS ref,
				row_number() OVER (PARTITION BY %[2]s ORDER BY position, %[3]s = $2 DESC, %[3]s) AS n
			FROM %[1]s WHERE %[3]s = ANY($1) OR %[3]s = $2
		) d
		WHERE l.%[2]s = d.owner AND l.%[3]s = d.ref AND d.n > 1
		RETURNING l.%[2]s`, l.table, l.owner, l.ref), pq.Array(sourceIDs), targetID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $2 WHERE %[2]s = ANY($1)`, l.table, l.ref), pq.Array(sourceIDs), targetID)
	if err != nil || len(owners) == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, fmt.Sprintf(`
		UPDATE %[1]s l SET position = r.pos FROM (
			SELECT %[2]s AS owner, %[3]s AS ref, row_number() OVER (PARTITION BY %[2]s ORDER BY position, %[3]s) - 1 AS pos
			FROM %[1]s WHERE %[2]s = ANY($1)
		) r
		WHERE l.%[2]s = r.owner AND l.%[3]s = r.ref AND l.position <> r.pos`, l.table, l.owner, l.ref), pq.Array(owners))
	return err
}

// dirDeleteDuplicateAttendees deletes the attendee rows that rank (column n)
// after the first in query, which selects (id, n) from report_attendees with
// $1 the sources and $2 the target, and returns the reports they were on.
func dirDeleteDuplicateAttendees(ctx context.Context, tx *Tx, query string, sourceIDs []int64, targetID int64) ([]int64, error) {
	var reports []int64
	err := tx.SelectContext(ctx, &reports, `
		DELETE FROM report_attendees a USING (`+query+`) d
		WHERE a.id = d.id AND d.n > 1
		RETURNING a.report_id`, pq.Array(sourceIDs), targetID)
	return reports, err
}

// dirRenumberAttendees renumbers the attendee positions of the given reports
// 0, 1, 2… in their previous order, closing gaps left by deleted entries.
func dirRenumberAttendees(ctx context.Context, tx *Tx, reportIDs []int64) error {
	if len(reportIDs) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		UPDATE report_attendees a SET position = r.pos FROM (
			SELECT id, row_number() OVER (PARTITION BY report_id ORDER BY position, id) - 1 AS pos
			FROM report_attendees WHERE report_id = ANY($1)
		) r
		WHERE a.id = r.id AND a.position <> r.pos`, pq.Array(reportIDs))
	return err
}

// dirReparent moves the children of the sources under the target, in table
// tags or organizations, bumping the version of every entry it moves.
//
// Sources are about to disappear from the tree, so each is bypassed: when
// the target or one of its ancestors has a source as parent, it gets the
// nearest ancestor that is not a source instead (for a target directly below
// a source, that is the source's parent). Every other child of a source
// moves under the target. Nothing moved under the target is an ancestor of
// it, so no cycle can arise (and the forbid_parent_cycle trigger would
// refuse one).
func dirReparent(ctx context.Context, tx *Tx, table string, sourceIDs []int64, targetID int64) error {
	kind := KindTag
	if table == "organizations" {
		kind = KindOrganization
	}
	chain, err := AncestorIDs(ctx, tx, kind, targetID)
	if err != nil {
		return err
	}
	isSource := make(map[int64]bool, len(sourceIDs))
	for _, id := range sourceIDs {
		isSource[id] = true
	}
	// nearest returns the first ancestor from chain[i] on that is not a source.
	nearest := func(i int) *int64 {
		for ; i < len(chain); i++ {
			if !isSource[chain[i]] {
				return &chain[i]
			}
		}
		return nil
	}
	// The target is chain's "index -1": its parent is chain[0].
	for i := -1; i+1 < len(chain); i++ {
		child := targetID
		if i >= 0 {
			child = chain[i]
		}
		if isSource[child] || !isSource[chain[i+1]] {
			continue
		}
		// The target's version is bumped once, with its merged names.
		_, err := tx.ExecContext(ctx, `
			UPDATE `+table+` SET parent_id = $2, version = version + CASE WHEN id = $4 THEN 0 ELSE 1 END, updated_at = $3
			WHERE id = $1`, child, nearest(i+1), tx.Now, targetID)
		if err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE `+table+` SET parent_id = $2, version = version + 1, updated_at = $3
		WHERE parent_id = ANY($1) AND NOT (id = ANY($1)) AND id <> $2`, pq.Array(sourceIDs), targetID, tx.Now)
	return err
}

// dirMap indexes list by key.
func dirMap[T any](list []*T, key func(*T) int64) map[int64]*T {
	out := make(map[int64]*T, len(list))
	for _, t := range list {
		out[key(t)] = t
	}
	return out
}

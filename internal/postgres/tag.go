package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

type tagRow struct {
	editorial.Tag
	Names []byte `db:"localized_names"`
}

var tagTable = dirSpec[tagRow, editorial.Tag]{
	table: "tags", kind: KindTag, what: "Tag",
	columns: `id, slug, name, description, parent_id, localized_names, version, created_at, updated_at`,
	split:   func(r *tagRow) (*editorial.Tag, []byte) { t := r.Tag; return &t, r.Names },
	stamp: func(t *editorial.Tag) dirStamp {
		return dirStamp{&t.ID, &t.Version, &t.CreatedAt, &t.UpdatedAt, &t.LocalizedNames}
	},
}

// InsertTag inserts t and sets its ID, Version and timestamps. CONFLICT if
// its slug or (case-insensitively) its name is taken.
func InsertTag(ctx context.Context, tx *Tx, t *editorial.Tag) error {
	return dirInsert(ctx, tx, tagTable.stamp(t), "InsertTag", "Tag", `
		INSERT INTO tags (slug, name, description, parent_id, localized_names, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		t.Slug, t.Name, t.Description, t.ParentID, dirEncodeNames(t.LocalizedNames), tx.Now)
}

// LockTag reads tag id and locks its row until tx ends. NOT_FOUND if there
// is no such tag.
func LockTag(ctx context.Context, tx *Tx, id int64) (*editorial.Tag, error) {
	return tagTable.lock(ctx, tx, "LockTag", id)
}

// LockTags reads and locks the tags with the given IDs, in ID order. IDs with
// no row are missing from the map.
func LockTags(ctx context.Context, tx *Tx, ids []int64) (map[int64]*editorial.Tag, error) {
	return tagTable.byIDs(ctx, tx, "LockTags", ids, ` ORDER BY id FOR UPDATE`)
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
	return dirUpdate(ctx, tx, tagTable.stamp(t), "UpdateTag", "Tag", `
		UPDATE tags SET slug = $2, name = $3, description = $4, parent_id = $5, localized_names = $6,
			version = version + 1, updated_at = $7
		WHERE id = $1 RETURNING version`,
		t.ID, t.Slug, t.Name, t.Description, t.ParentID, dirEncodeNames(t.LocalizedNames), tx.Now)
}

// TagsByIDs returns the tags with the given IDs, in one query (the
// dataloader batch function). Unknown IDs are missing from the map.
func TagsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Tag, error) {
	return tagTable.byIDs(ctx, q, "TagsByIDs", ids, "")
}

// publicTag is the condition on a row of tags that the public may see it:
// a public document shows it (public_reports.refs), as the tag of a
// published report as published, or as the broader tag of one. A tag only
// drafts use, or only unpublished changes of a published report add, is
// in no document; nor are the tags of reports taken down or unpublished,
// whose documents are gone.
const publicTag = `EXISTS (SELECT 1 FROM public_reports p WHERE p.refs @> ARRAY['tag:' || tags.id])`

// publicTagsByIDs is TagsByIDs for the public: the tags it may see.
func publicTagsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Tag, error) {
	return tagTable.byIDs(ctx, q, "TagsByIDs", ids, " AND "+publicTag)
}

// publicTagChildren is TagChildren for the public: the narrower tags it
// may see.
func publicTagChildren(ctx context.Context, q sqlx.QueryerContext, parentIDs []int64) (map[int64][]*editorial.Tag, error) {
	return tagChildren(ctx, q, parentIDs, " AND "+publicTag)
}

// PublicTagPage is TagPage for the public: the tags it may see (publicTag).
func PublicTagPage(ctx context.Context, q sqlx.QueryerContext, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Tag, Total, error) {
	return tagTable.pageWhere(ctx, q, "ListTags", publicTag, search, first, after)
}

// TagsWithAncestors returns the tags with the given IDs and all their
// broader tags, in one query.
func TagsWithAncestors(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Tag, error) {
	return tagTable.withAncestors(ctx, q, "TagsWithAncestors", ids)
}

// TagPage returns up to first tags after the cursor (see NameCursor),
// ordered by name case-insensitively and then ID, and the Total of those
// matching. search keeps those it matches (see NameSearch).
func TagPage(ctx context.Context, q sqlx.QueryerContext, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Tag, Total, error) {
	return tagTable.page(ctx, q, "ListTags", search, first, after)
}

// TagBySlug returns the tag whose slug is slug or, failing that, the tag an
// old slug redirects to (compare the result's Slug with slug to tell which).
// NOT_FOUND if neither exists.
func TagBySlug(ctx context.Context, q sqlx.QueryerContext, slug string) (*editorial.Tag, error) {
	t, err := dirGet(ctx, q, tagTable.conv, tagTable.selectFrom()+`
		WHERE id = COALESCE((SELECT id FROM tags WHERE slug = $1), (SELECT tag_id FROM tag_slug_redirects WHERE slug = $1))`, slug)
	return t, FormatError(err, "TagBySlug", "Tag")
}

// TagByNameCI returns the tag named name, compared case-insensitively (as the
// tags_name_key index does). NOT_FOUND if there is none.
func TagByNameCI(ctx context.Context, q sqlx.QueryerContext, name string) (*editorial.Tag, error) {
	t, err := dirGet(ctx, q, tagTable.conv, tagTable.selectFrom()+` WHERE lower(name) = lower($1)`, name)
	return t, FormatError(err, "TagByNameCI", "Tag")
}

// TagChildren returns, per parent ID, the parent's child tags ordered by
// name, in one query. Parents without children are missing from the map.
func TagChildren(ctx context.Context, q sqlx.QueryerContext, parentIDs []int64) (map[int64][]*editorial.Tag, error) {
	return tagChildren(ctx, q, parentIDs, "")
}

func tagChildren(ctx context.Context, q sqlx.QueryerContext, parentIDs []int64, only string) (map[int64][]*editorial.Tag, error) {
	list, err := dirScan(ctx, q, tagTable.conv, tagTable.selectFrom()+` WHERE parent_id = ANY($1)`+only+` ORDER BY lower(name), id`, pq.Array(parentIDs))
	if err != nil {
		return nil, FormatError(err, "TagChildren", "Tag")
	}
	return dirGroup(list, func(t *editorial.Tag) int64 { return *t.ParentID }), nil
}

// ReportCountsByTagIDs returns, per tag ID, how many reports the audience
// can see carry the tag (archived ones never count), in one query: for the
// public, the published reports whose published copy carries it (not a
// draft, not an unpublished change, not a report taken down). Every ID in ids has an entry.
func ReportCountsByTagIDs(ctx context.Context, q sqlx.QueryerContext, aud Audience, ids []int64) (map[int64]int, error) {
	return reportCountsByTagIDs(ctx, q, aud, ids, nil)
}

// reportCountsByTagIDs is ReportCountsByTagIDs without the reports of the
// hidden desks (newsroom).
func reportCountsByTagIDs(ctx context.Context, q sqlx.QueryerContext, aud Audience, ids, hidden []int64) (map[int64]int, error) {
	var rows *sqlx.Rows
	var err error
	if aud == Public {
		rows, err = publishedTagCounts(ctx, q, ids) // what the public sees: the tags of published copies
	} else {
		h := hiddenArgs{hidden, 2}
		rows, err = q.QueryxContext(ctx, `SELECT rt.tag_id, count(*) FROM report_tags rt JOIN reports r ON r.id = rt.report_id
		WHERE rt.tag_id = ANY($1) AND r.status <> 'ARCHIVED' AND `+h.reportVisible("r.desk_id")+` GROUP BY rt.tag_id`, h.args(pq.Array(ids))...)
	}
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

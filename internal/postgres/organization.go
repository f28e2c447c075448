package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

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
func ListOrganizations(ctx context.Context, q sqlx.QueryerContext, search string, first int, after *Cursor) ([]*editorial.Organization, int, error) {
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

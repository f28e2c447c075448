package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
)

type orgRow struct {
	editorial.Organization
	Names []byte `db:"localized_names"`
}

var orgTable = dirSpec[orgRow, editorial.Organization]{
	table: "organizations", kind: KindOrganization, what: "Organization",
	columns: `id, name, acronym, country, parent_id, localized_names, version, created_at, updated_at`,
	split:   func(r *orgRow) (*editorial.Organization, []byte) { o := r.Organization; return &o, r.Names },
	stamp: func(o *editorial.Organization) dirStamp {
		return dirStamp{&o.ID, &o.Version, &o.CreatedAt, &o.UpdatedAt, &o.LocalizedNames}
	},
}

// InsertOrganization inserts o and sets its ID, Version and timestamps.
func InsertOrganization(ctx context.Context, tx *Tx, o *editorial.Organization) error {
	return dirInsert(ctx, tx, orgTable.stamp(o), "InsertOrganization", "Organization", `
		INSERT INTO organizations (name, acronym, country, parent_id, localized_names, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		o.Name, o.Acronym, o.Country, o.ParentID, dirEncodeNames(o.LocalizedNames), tx.Now)
}

// LockOrganization reads organization id and locks its row until tx ends.
// NOT_FOUND if there is no such organization.
func LockOrganization(ctx context.Context, tx *Tx, id int64) (*editorial.Organization, error) {
	return orgTable.lock(ctx, tx, "LockOrganization", id)
}

// LockOrganizations reads and locks the organizations with the given IDs, in
// ID order (so concurrent callers cannot deadlock). IDs with no row are
// missing from the map.
func LockOrganizations(ctx context.Context, tx *Tx, ids []int64) (map[int64]*editorial.Organization, error) {
	return orgTable.byIDs(ctx, tx, "LockOrganizations", ids, ` ORDER BY id FOR UPDATE`)
}

// UpdateOrganization writes every column of o, bumps its version and sets
// its update time (o is updated in place).
func UpdateOrganization(ctx context.Context, tx *Tx, o *editorial.Organization) error {
	return dirUpdate(ctx, tx, orgTable.stamp(o), "UpdateOrganization", "Organization", `
		UPDATE organizations SET name = $2, acronym = $3, country = $4, parent_id = $5, localized_names = $6,
			version = version + 1, updated_at = $7
		WHERE id = $1 RETURNING version`,
		o.ID, o.Name, o.Acronym, o.Country, o.ParentID, dirEncodeNames(o.LocalizedNames), tx.Now)
}

// OrganizationsByIDs returns the organizations with the given IDs, in one
// query (the dataloader batch function). Unknown IDs are missing from the map.
func OrganizationsByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Organization, error) {
	return orgTable.byIDs(ctx, q, "OrganizationsByIDs", ids, "")
}

// OrganizationsWithAncestors returns the organizations with the given IDs
// and all their parents, in one query.
func OrganizationsWithAncestors(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Organization, error) {
	return orgTable.withAncestors(ctx, q, "OrganizationsWithAncestors", ids)
}

// OrganizationPage returns up to first organizations after the cursor (see
// NameCursor), ordered by name case-insensitively and then ID, and the Total
// of those matching. search keeps those it matches (see
// NameSearch).
func OrganizationPage(ctx context.Context, q sqlx.QueryerContext, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Organization, Total, error) {
	return orgTable.page(ctx, q, "ListOrganizations", search, first, after)
}

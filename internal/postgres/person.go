package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/editorial"
)

type personRow struct {
	editorial.Person
	Names []byte `db:"localized_names"`
}

var peopleTable = dirSpec[personRow, editorial.Person]{
	table: "people", kind: KindPerson, what: "Person",
	columns: `id, name, affiliation_id, localized_names, version, created_at, updated_at`,
	split:   func(r *personRow) (*editorial.Person, []byte) { p := r.Person; return &p, r.Names },
	stamp: func(p *editorial.Person) dirStamp {
		return dirStamp{&p.ID, &p.Version, &p.CreatedAt, &p.UpdatedAt, &p.LocalizedNames}
	},
}

// InsertPerson inserts p and sets its ID, Version and timestamps.
func InsertPerson(ctx context.Context, tx *Tx, p *editorial.Person) error {
	return dirInsert(ctx, tx, peopleTable.stamp(p), "InsertPerson", "Person", `
		INSERT INTO people (name, affiliation_id, localized_names, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) RETURNING id`,
		p.Name, p.AffiliationID, dirEncodeNames(p.LocalizedNames), tx.Now)
}

// LockPerson reads person id and locks the row until tx ends. NOT_FOUND if
// there is no such person.
func LockPerson(ctx context.Context, tx *Tx, id int64) (*editorial.Person, error) {
	return peopleTable.lock(ctx, tx, "LockPerson", id)
}

// LockPeople reads and locks the people with the given IDs, in ID order. IDs
// with no row are missing from the map.
func LockPeople(ctx context.Context, tx *Tx, ids []int64) (map[int64]*editorial.Person, error) {
	return peopleTable.byIDs(ctx, tx, "LockPeople", ids, ` ORDER BY id FOR UPDATE`)
}

// UpdatePerson writes every column of p, bumps its version and sets its
// update time (p is updated in place).
func UpdatePerson(ctx context.Context, tx *Tx, p *editorial.Person) error {
	return dirUpdate(ctx, tx, peopleTable.stamp(p), "UpdatePerson", "Person", `
		UPDATE people SET name = $2, affiliation_id = $3, localized_names = $4, version = version + 1, updated_at = $5
		WHERE id = $1 RETURNING version`,
		p.ID, p.Name, p.AffiliationID, dirEncodeNames(p.LocalizedNames), tx.Now)
}

// PeopleByIDs returns the people with the given IDs, in one query (the
// dataloader batch function). Unknown IDs are missing from the map.
func PeopleByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) (map[int64]*editorial.Person, error) {
	return peopleTable.byIDs(ctx, q, "PeopleByIDs", ids, "")
}

// PersonPage returns up to first people after the cursor (see NameCursor),
// ordered by name case-insensitively and then ID, and the Total of those
// matching. search keeps those it matches (see NameSearch).
func PersonPage(ctx context.Context, q sqlx.QueryerContext, search NameSearch, first int, after *editorial.Cursor) ([]*editorial.Person, Total, error) {
	return peopleTable.page(ctx, q, "ListPeople", search, first, after)
}

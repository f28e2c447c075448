package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

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
func ListPeople(ctx context.Context, q sqlx.QueryerContext, search string, first int, after *Cursor) ([]*editorial.Person, int, error) {
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

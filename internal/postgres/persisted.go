package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/editorial"
)

// Persisted operations: GraphQL documents stored by the SHA-256 of their
// text, so clients can send the hash instead (package internal/operations
// holds the rules, graph/persisted.go the protocol).

const persistedColumns = `id, hash, body, COALESCE(name, '') AS name, upper(source) AS source, registered_by, created_at, last_used_at`

// PersistedOperationByHash returns the operation with hash. NOT_FOUND if
// there is none.
func PersistedOperationByHash(ctx context.Context, q sqlx.QueryerContext, hash string) (*editorial.PersistedOperation, error) {
	var op editorial.PersistedOperation
	err := sqlx.GetContext(ctx, q, &op, `SELECT `+persistedColumns+` FROM persisted_operations WHERE hash = $1`, hash)
	if err != nil {
		return nil, FormatError(err, "PersistedOperationByHash", "Persisted operation")
	}
	return &op, nil
}

// InsertAutomaticOperation stores op as an APQ operation used now, unless
// its hash is stored already (then it changes nothing and reports false).
// When it inserts, it then deletes the APQ operations past the max most
// recently used (manifest operations are never evicted and not counted);
// max <= 0 keeps every one.
func InsertAutomaticOperation(ctx context.Context, db *DB, op *editorial.PersistedOperation, max int) (bool, error) {
	now := db.Now().UTC().Truncate(time.Microsecond)
	res, err := db.ExecContext(ctx, `
		INSERT INTO persisted_operations (hash, body, name, source, created_at, last_used_at)
		VALUES ($1, $2, NULLIF($3, ''), 'apq', $4, $4) ON CONFLICT (hash) DO NOTHING`, op.Hash, op.Body, op.Name, now)
	if err != nil {
		return false, FormatError(err, "InsertAutomaticOperation", "Persisted operation")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if max > 0 {
		_, err = db.ExecContext(ctx, `
			DELETE FROM persisted_operations WHERE source = 'apq' AND hash IN (
				SELECT hash FROM persisted_operations WHERE source = 'apq'
				ORDER BY last_used_at DESC, id DESC OFFSET $1)`, max)
		if err != nil {
			return true, FormatError(err, "InsertAutomaticOperation (evict)", "Persisted operation")
		}
	}
	return true, nil
}

// TouchPersistedOperation records that hash was used at at, unless its
// last_used_at is already that late. It is called coarsely, not per request.
func TouchPersistedOperation(ctx context.Context, q sqlx.ExecerContext, hash string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE persisted_operations SET last_used_at = $2 WHERE hash = $1 AND last_used_at < $2`, hash, at)
	return FormatError(err, "TouchPersistedOperation", "Persisted operation")
}

// UpsertManifestOperations stores ops as manifest operations registered by
// by, at tx.Now. An operation stored already as APQ becomes a manifest
// one (taking the manifest's name); one already in a manifest is left as it
// is. It returns the hashes it added or promoted.
func UpsertManifestOperations(ctx context.Context, tx *Tx, ops []*editorial.PersistedOperation, by *int64) ([]string, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	hashes, bodies, names := make([]string, len(ops)), make([]string, len(ops)), make([]string, len(ops))
	for i, op := range ops {
		hashes[i], bodies[i], names[i] = op.Hash, op.Body, op.Name
	}
	var added []string
	err := tx.SelectContext(ctx, &added, `
		INSERT INTO persisted_operations AS p (hash, body, name, source, registered_by, created_at, last_used_at)
		SELECT h, b, NULLIF(n, ''), 'manifest', $4, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(h, b, n)
		ON CONFLICT (hash) DO UPDATE SET source = 'manifest', name = COALESCE(EXCLUDED.name, p.name), registered_by = EXCLUDED.registered_by
			WHERE p.source = 'apq'
		RETURNING hash`, pq.Array(hashes), pq.Array(bodies), pq.Array(names), by, tx.Now)
	return added, FormatError(err, "UpsertManifestOperations", "Persisted operation")
}

// DeletePersistedOperations deletes the operations with the given hashes
// and returns the hashes it deleted.
func DeletePersistedOperations(ctx context.Context, tx *Tx, hashes []string) ([]string, error) {
	var deleted []string
	err := tx.SelectContext(ctx, &deleted, `DELETE FROM persisted_operations WHERE hash = ANY($1) RETURNING hash`, pq.Array(hashes))
	return deleted, FormatError(err, "DeletePersistedOperations", "Persisted operation")
}

// ListPersistedOperations returns operations newest first, before the one
// with ID beforeID (0: from the newest), at most first; source "" lists
// both sources.
func ListPersistedOperations(ctx context.Context, q sqlx.QueryerContext, source editorial.PersistedSource, first int, beforeID int64) ([]*editorial.PersistedOperation, error) {
	if beforeID == 0 {
		beforeID = 1<<63 - 1
	}
	var rows []*editorial.PersistedOperation
	err := sqlx.SelectContext(ctx, q, &rows, fmt.Sprintf(`SELECT %s FROM persisted_operations
		WHERE ($1 = '' OR source = $1) AND id < $2 ORDER BY id DESC LIMIT $3`, persistedColumns),
		strings.ToLower(string(source)), beforeID, first)
	return rows, FormatError(err, "ListPersistedOperations", "Persisted operation")
}

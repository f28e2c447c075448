package postgres

import "context"

// SchemaVersion returns the newest applied migration version (0 if none).
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.GetContext(ctx, &v, `SELECT COALESCE(max(version_id), 0) FROM goose_db_version WHERE is_applied`)
	return v, FormatError(err, "SchemaVersion", "schema version")
}

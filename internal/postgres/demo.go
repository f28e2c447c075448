package postgres

import (
	"context"
)

// ClaimDemoLoad records that the demo data set name is being loaded in tx
// and reports whether this transaction is the first to do so. A concurrent
// loader blocks on the row until tx ends, then sees it taken, so a data set is
// loaded exactly once even when two instances start together.
func ClaimDemoLoad(ctx context.Context, tx *Tx, name string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO demo_loads (name, loaded_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, tx.Now)
	if err != nil {
		return false, FormatError(err, "ClaimDemoLoad", "demo data set")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

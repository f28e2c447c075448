package main

import (
	"context"

	"github.com/copydesk/copydesk/internal/postgres"
)

// The peer's indexes: what a site gives a headless CMS's contains filter,
// pg_trgm GIN indexes on the fields searched. Built for the run, dropped
// after it, so that the kept dataset stays bench/read's.
const peerIndexSQL = `CREATE INDEX IF NOT EXISTS bench_search_title_trgm ON reports USING gin (title gin_trgm_ops);
	CREATE INDEX IF NOT EXISTS bench_search_body_trgm ON reports USING gin (body gin_trgm_ops)`

func peerIndexes(ctx context.Context, db *postgres.DB) error {
	_, err := db.ExecContext(ctx, `SET maintenance_work_mem = '1GB'; `+peerIndexSQL)
	return err
}

func dropPeerIndexes(ctx context.Context, db *postgres.DB) error {
	_, err := db.ExecContext(ctx, `DROP INDEX IF EXISTS bench_search_title_trgm; DROP INDEX IF EXISTS bench_search_body_trgm`)
	return err
}

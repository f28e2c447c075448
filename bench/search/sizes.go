package main

import (
	"context"

	"github.com/copydesk/copydesk/internal/postgres"
)

// sizeRow is one relation's size on disk.
type sizeRow struct {
	Name  string `db:"name"`
	Kind  string `db:"kind"`
	Rel   int64  `db:"rel"`   // pg_relation_size: the main fork
	Total int64  `db:"total"` // pg_total_relation_size: with TOAST and indexes (tables)
}

// indexSizes are the sizes of the search tables and their indexes, the
// directory's search indexes, and the reports table for scale.
func indexSizes(ctx context.Context, db *postgres.DB) ([]sizeRow, error) {
	var rows []sizeRow
	err := db.SelectContext(ctx, &rows, `SELECT c.relname AS name, CASE c.relkind WHEN 'r' THEN 'table' ELSE 'index' END AS kind,
			pg_relation_size(c.oid) AS rel, pg_total_relation_size(c.oid) AS total
		FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND (
			c.relname IN ('search_reports', 'search_report_locales', 'reports', 'report_translations')
			OR (c.relkind = 'i' AND (c.relname LIKE '%search%' OR c.relname LIKE 'search_report%')))
		ORDER BY c.relkind DESC, c.relname`)
	return rows, err
}

// Package migrations holds copydesk's schema migrations, embedded in the binary,
// and applies them with goose (github.com/pressly/goose/v3).
//
// Migrations run under a PostgreSQL session-level advisory lock, so several
// copydesk instances starting at once against one database apply each
// migration exactly once: the first takes the lock and migrates, the others
// wait, then find nothing pending.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sql/*.sql
var embedded embed.FS

// lockID is the advisory lock key every copydesk instance uses for migrations
// ("copydesk" in ASCII, so it is recognisable in pg_locks).
const lockID int64 = 0x636f70796465736b

// Status describes one migration and whether it is applied.
type Status struct {
	Version int64
	Name    string
	Applied bool
}

func provider(db *sql.DB, log *slog.Logger) (*goose.Provider, error) {
	sub, err := fs.Sub(embedded, "sql")
	if err != nil {
		return nil, err
	}
	// Wait up to 5 minutes (300 tries, 1 s apart) for another instance's migration.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	return goose.NewProvider(goose.DialectPostgres, db, sub, opts...)
}

// Up applies every pending migration and returns how many it applied.
func Up(ctx context.Context, db *sql.DB, log *slog.Logger) (int, error) {
	p, err := provider(db, log)
	if err != nil {
		return 0, err
	}
	if err := requireExtensions(ctx, db); err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// extensions are the PostgreSQL extensions the migrations create, and the
// Debian package of each.
var extensions = []struct{ name, pkg string }{
	{"pg_trgm", "postgresql-contrib"},
	{"unaccent", "postgresql-contrib"},
}

// requireExtensions says which extensions the server lacks, and how to
// install them, before a migration fails on one halfway.
func requireExtensions(ctx context.Context, db *sql.DB) error {
	names := make([]string, len(extensions))
	for i, e := range extensions {
		names[i] = e.name
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM pg_available_extensions WHERE name = ANY($1)`, pq.Array(names))
	if err != nil {
		return fmt.Errorf("migrate up: list the server's extensions: %w", err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return fmt.Errorf("migrate up: list the server's extensions: %w", err)
		}
		have[n] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate up: list the server's extensions: %w", err)
	}
	var missing []string
	for _, e := range extensions {
		if !have[e.name] {
			missing = append(missing, fmt.Sprintf("%s (Debian/Ubuntu package %s)", e.name, e.pkg))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("migrate up: the PostgreSQL server lacks the extensions %s: install them on the database server (scripts/deps.sh does on this machine) and start again", strings.Join(missing, ", "))
	}
	return nil
}

// Down rolls back the most recent migration, or, with all, every migration.
func Down(ctx context.Context, db *sql.DB, all bool, log *slog.Logger) (int, error) {
	p, err := provider(db, log)
	if err != nil {
		return 0, err
	}
	if all {
		res, err := p.DownTo(ctx, 0)
		if err != nil {
			return len(res), fmt.Errorf("migrate down: %w", err)
		}
		return len(res), nil
	}
	if _, err := p.Down(ctx); err != nil {
		return 0, fmt.Errorf("migrate down: %w", err)
	}
	return 1, nil
}

// List reports every known migration and whether it is applied.
func List(ctx context.Context, db *sql.DB) ([]Status, error) {
	p, err := provider(db, nil)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	out := make([]Status, 0, len(st))
	for _, s := range st {
		out = append(out, Status{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Current reports whether every embedded migration is applied to db. It is
// what /readyz checks.
func Current(ctx context.Context, db *sql.DB) (bool, error) {
	p, err := provider(db, nil)
	if err != nil {
		return false, err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return false, err
	}
	return current >= target, nil
}

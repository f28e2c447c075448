package app

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Migrate runs `copydesk migrate ACTION` (up, down or status) against the
// configured database, writing a human-readable result to out.
func Migrate(ctx context.Context, cfg Config, action string, all bool, out io.Writer, log *slog.Logger) error {
	database, err := openCommandDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	return database.explain(migrate(ctx, database.DB.DB.DB, action, all, out, log))
}

func migrate(ctx context.Context, sqldb *sql.DB, action string, all bool, out io.Writer, log *slog.Logger) error {
	switch action {
	case "up":
		n, err := migrations.Up(ctx, sqldb, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "applied %d migration(s)\n", n)
	case "down":
		n, err := migrations.Down(ctx, sqldb, all, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rolled back %d migration(s)\n", n)
	case "status":
		list, err := migrations.List(ctx, sqldb)
		if err != nil {
			return err
		}
		for _, m := range list {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(out, "%05d  %-8s  %s\n", m.Version, state, m.Name)
		}
	default:
		return fmt.Errorf("unknown migrate action %q: say up, down or status", action)
	}
	return nil
}

// LoadDemo runs `copydesk demo load`: it migrates the database and loads the
// demo data set unless it is already there.
func LoadDemo(ctx context.Context, cfg Config, log *slog.Logger) (loaded bool, err error) {
	err = withMigrated(ctx, cfg, log, func(db *postgres.DB) error {
		loaded, err = demo.Load(ctx, db, log)
		return err
	})
	return loaded, err
}

// withMigrated opens the database, applies migrations and calls fn: how
// every operator command but migrate starts. Like migrate, it works beside
// a server running on the embedded database (openCommandDatabase).
func withMigrated(ctx context.Context, cfg Config, log *slog.Logger, fn func(*postgres.DB) error) error {
	database, err := openCommandDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close()
	if _, err := migrations.Up(ctx, database.DB.DB.DB, log); err != nil {
		return database.explain(err)
	}
	return database.explain(fn(database.DB))
}

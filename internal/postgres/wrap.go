package postgres

import (
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"
)

// Wrap returns a DB over an open sqlx handle (tests use it with pgtest.NewDB).
func Wrap(db *sqlx.DB) *DB {
	return &DB{DB: db, Now: time.Now, log: slog.New(slog.DiscardHandler)}
}

// Package benchdb gives a benchmark its database: a private PostgreSQL
// cluster in a temporary directory (or an existing database), migrated.
package benchdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Env is a benchmark's migrated database.
type Env struct {
	// Work is a temporary directory removed by Close; the private
	// cluster's data directory is Work/data.
	Work    string
	Cluster *pgembed.Cluster // nil with an existing database
	DSN     string
	DB      *postgres.DB
	keep    bool // Work is Options.Keep: Close leaves it
}

// Open starts a private cluster (fsync off when fast) unless dsn names an
// existing database, migrates it and opens it. name prefixes the temporary
// directory and the log line ("bench/write").
func Open(ctx context.Context, name, dsn string, fast bool) (*Env, error) {
	return OpenWith(ctx, name, Options{DSN: dsn, Fast: fast})
}

// Options are OpenWith's.
type Options struct {
	// DSN names an existing database to use instead of a private cluster.
	DSN string
	// Fast turns fsync off (the private cluster only): for seeding.
	Fast bool
	// Keep, when set, is where the private cluster lives and stays after
	// Close, so that the next run with the same Keep reuses its data (Work
	// is then Keep, and Close leaves it).
	Keep string
	// Settings are server settings for the private cluster (ALTER SYSTEM,
	// e.g. shared_preload_libraries), applied with a restart when they
	// differ from the running ones. With DSN they are only checked.
	Settings map[string]string
}

// OpenWith is Open with more options.
func OpenWith(ctx context.Context, name string, o Options) (*Env, error) {
	work := o.Keep
	var err error
	if work == "" {
		work, err = os.MkdirTemp("", "copydesk-"+filepath.Base(name)+"-")
	} else {
		work, err = filepath.Abs(work)
		if err == nil {
			err = os.MkdirAll(work, 0o755)
		}
	}
	if err != nil {
		return nil, err
	}
	e := &Env{Work: work, DSN: o.DSN, keep: o.Keep != ""}
	if err := e.open(ctx, name, o); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Env) open(ctx context.Context, name string, o Options) error {
	// The postgres user must reach the data directory when we run as root.
	if err := os.Chmod(e.Work, 0o755); err != nil {
		return err
	}
	if e.DSN == "" {
		t0 := time.Now()
		if err := e.startCluster(ctx, o); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: private PostgreSQL cluster up in %s\n", name, time.Since(t0).Round(time.Millisecond))
	}
	db, err := postgres.Open(ctx, e.DSN, nil)
	if err != nil {
		return err
	}
	e.DB = db
	if err := checkSettings(ctx, db, o.Settings); err != nil {
		return err
	}
	_, err = migrations.Up(ctx, db.DB.DB, nil)
	return err
}

// Close closes the database, stops the private cluster and removes Work
// (unless it is Options.Keep).
func (e *Env) Close() {
	if e.DB != nil {
		e.DB.Close()
	}
	if e.Cluster != nil {
		e.Cluster.Stop()
	}
	if !e.keep {
		os.RemoveAll(e.Work)
	}
}

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
}

// Open starts a private cluster (fsync off when fast) unless dsn names an
// existing database, migrates it and opens it. name prefixes the temporary
// directory and the log line ("bench/write").
func Open(ctx context.Context, name, dsn string, fast bool) (*Env, error) {
	work, err := os.MkdirTemp("", "copydesk-"+filepath.Base(name)+"-")
	if err != nil {
		return nil, err
	}
	e := &Env{Work: work, DSN: dsn}
	if err := e.open(ctx, name, fast); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func (e *Env) open(ctx context.Context, name string, fast bool) error {
	// The postgres user must reach the data directory when we run as root.
	if err := os.Chmod(e.Work, 0o755); err != nil {
		return err
	}
	if e.DSN == "" {
		t0 := time.Now()
		c, err := pgembed.Start(ctx, pgembed.Options{Dir: filepath.Join(e.Work, "data"), Fast: fast})
		if err != nil {
			return fmt.Errorf("start PostgreSQL: %w", err)
		}
		e.Cluster, e.DSN = c, c.DSN("copydesk")
		fmt.Fprintf(os.Stderr, "%s: private PostgreSQL cluster up in %s\n", name, time.Since(t0).Round(time.Millisecond))
	}
	db, err := postgres.Open(ctx, e.DSN, nil)
	if err != nil {
		return err
	}
	e.DB = db
	_, err = migrations.Up(ctx, db.DB.DB, nil)
	return err
}

// Close closes the database, stops the private cluster and removes Work.
func (e *Env) Close() {
	if e.DB != nil {
		e.DB.Close()
	}
	if e.Cluster != nil {
		e.Cluster.Stop()
	}
	os.RemoveAll(e.Work)
}

// Package pgtest gives tests throwaway PostgreSQL databases.
//
// Each test binary that uses it starts one private cluster (package pgembed,
// in a temporary directory, with fsync off) the first time a test asks for a
// database. Every database is cloned from a template that has all migrations
// applied, so NewDB costs one CREATE DATABASE, and is dropped when its test
// ends. A package that uses pgtest must have
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// so that the cluster is stopped and its directory removed at the end.
//
// When the PostgreSQL server binaries are missing, tests that need a
// database fail with pgembed's message saying what to install.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/migrations"
	"github.com/copydesk/copydesk/internal/pgembed"
)

// templateDB is the migrated database NewDB clones.
const templateDB = "copydesk_template"

var (
	mainCalled atomic.Bool

	mu       sync.Mutex // guards the cluster state below
	started  bool
	startErr error
	dir      string
	cluster  *pgembed.Cluster
	admin    *sql.DB // connected to the "postgres" database

	templateMu  sync.Mutex // held while the template is built and while cloning it
	templateOK  bool
	templateErr error

	seq atomic.Int64
)

// Main runs the tests, then stops the cluster (if one was started) and
// removes its directory. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if err := stopReplica(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if admin != nil {
		admin.Close()
	}
	if cluster != nil {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stopping PostgreSQL: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	if dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	return code
}

// Cluster returns the process-wide cluster, starting it if needed, for
// tests that must stop and start it. After stopping it, call Restart before
// any other test needs a database.
func Cluster(t testing.TB) *pgembed.Cluster {
	t.Helper()
	c, _, err := get()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Restart starts the process-wide cluster again on the same directory and
// port (stopping it first if it is still running) and returns the new
// handle. Databases created earlier keep working; their connections have to
// reconnect.
func Restart(t testing.TB) *pgembed.Cluster {
	t.Helper()
	if _, _, err := get(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	_ = cluster.Stop() // an error here means it was already down
	admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Port: cluster.Port(), Fast: true})
	if err != nil {
		t.Fatalf("pgtest: restart PostgreSQL: %v", err)
	}
	cluster = c
	admin, err = sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewDB returns a connection to a fresh database with every migration
// applied. The database is dropped when the test ends.
func NewDB(t testing.TB) *sqlx.DB {
	t.Helper()
	return connect(t, NewDSN(t))
}

// NewDSN is like NewDB but returns only the database's DSN, for tests that
// open their own connections or start servers. The database is dropped
// (WITH (FORCE), so lingering connections do not matter) when the test ends.
func NewDSN(t testing.TB) string {
	t.Helper()
	if err := ensureTemplate(); err != nil {
		t.Fatal(err)
	}
	return newDatabase(t, templateDB)
}

// NewEmptyDSN returns the DSN of a fresh database with no migrations
// applied, for migration tests. It is dropped when the test ends.
func NewEmptyDSN(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "template0")
}

func connect(t testing.TB, dsn string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Connect("postgres", dsn)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	// Registered after newDatabase's cleanup, so it runs first.
	t.Cleanup(func() { db.Close() })
	return db
}

// get starts the cluster on first use.
func get() (*pgembed.Cluster, *sql.DB, error) {
	mu.Lock()
	defer mu.Unlock()
	if !mainCalled.Load() {
		return nil, nil, fmt.Errorf("pgtest: add\n\tfunc TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }\nto this package's tests, so that the PostgreSQL started for them is stopped")
	}
	if !started {
		started = true
		startErr = startCluster()
	}
	if startErr != nil {
		return nil, nil, startErr
	}
	return cluster, admin, nil
}

func startCluster() error {
	d, err := os.MkdirTemp("", "copydesk-pgtest-*")
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	dir = d
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Fast: true})
	if err != nil {
		return fmt.Errorf("pgtest: start PostgreSQL: %w", err)
	}
	cluster = c
	admin, err = sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// ensureTemplate builds the migrated template database once per process.
func ensureTemplate() error {
	c, adm, err := get()
	if err != nil {
		return err
	}
	templateMu.Lock()
	defer templateMu.Unlock()
	if templateOK || templateErr != nil {
		return templateErr
	}
	templateErr = buildTemplate(c, adm)
	templateOK = templateErr == nil
	return templateErr
}

func buildTemplate(c *pgembed.Cluster, adm *sql.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := adm.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(templateDB)); err != nil {
		return fmt.Errorf("pgtest: create template database: %w", err)
	}
	db, err := sql.Open("postgres", c.DSN(templateDB))
	if err != nil {
		return err
	}
	_, err = migrations.Up(ctx, db, nil)
	db.Close()
	if err != nil {
		return fmt.Errorf("pgtest: migrate template database: %w", err)
	}
	// No connections to the template from now on: CREATE DATABASE ...
	// TEMPLATE fails while the template has any.
	if _, err := adm.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(templateDB)+" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// newDatabase creates a database from template and drops it when t ends.
func newDatabase(t testing.TB, template string) string {
	t.Helper()
	c, adm, err := get()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("t_%d_%s", seq.Add(1), unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_"))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	templateMu.Lock()
	_, err = adm.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)+" TEMPLATE "+pq.QuoteIdentifier(template))
	templateMu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		mu.Lock()
		adm := admin // Restart may have replaced it
		mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := adm.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)"); err != nil {
			// The cluster may have been stopped by the test; the database
			// goes away with the cluster's directory anyway.
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.DSN(name)
}

// ReachableTempDir is a temporary directory (named after prefix) that the
// unprivileged user PostgreSQL runs as can traverse, removed when t ends:
// t.TempDir's parent is private to the test's user, so an embedded
// cluster cannot live below it when the tests run as root.
func ReachableTempDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix+"-*")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

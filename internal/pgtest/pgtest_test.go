package pgtest

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/migrations"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestNewDBIsolated(t *testing.T) {
	t0 := time.Now()
	a := NewDB(t)
	t.Logf("first NewDB (cluster + template) took %s", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	b := NewDB(t)
	t.Logf("second NewDB took %s", time.Since(t0).Round(time.Millisecond))

	var nameA, nameB string
	if err := a.Get(&nameA, "SELECT current_database()"); err != nil {
		t.Fatal(err)
	}
	if err := b.Get(&nameB, "SELECT current_database()"); err != nil {
		t.Fatal(err)
	}
	if nameA == nameB {
		t.Fatalf("both connections use database %s", nameA)
	}
	for _, db := range []interface {
		Get(any, string, ...any) error
	}{a, b} {
		var n int
		if err := db.Get(&n, "SELECT count(*) FROM demo_loads"); err != nil {
			t.Fatalf("migrations not applied: %v", err)
		}
	}
	if _, err := a.Exec("INSERT INTO demo_loads (name) VALUES ('x')"); err != nil {
		t.Fatal(err)
	}
	var na, nb int
	if err := a.Get(&na, "SELECT count(*) FROM demo_loads"); err != nil {
		t.Fatal(err)
	}
	if err := b.Get(&nb, "SELECT count(*) FROM demo_loads"); err != nil {
		t.Fatal(err)
	}
	if na != 1 || nb != 0 {
		t.Fatalf("rows: a=%d b=%d, want 1 and 0", na, nb)
	}
}

func TestParallelNewDB(t *testing.T) {
	for i := range 4 {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			db := NewDB(t)
			if _, err := db.Exec("INSERT INTO demo_loads (name) VALUES ('x')"); err != nil {
				t.Fatal(i, err)
			}
		})
	}
}

func TestDatabaseDroppedAfterTest(t *testing.T) {
	var dsn string
	t.Run("inner", func(t *testing.T) {
		dsn = NewDSN(t)
		db, err := sql.Open("postgres", dsn)
		if err != nil {
			t.Fatal(err)
		}
		// A connection the test forgets to close must not block the drop.
		if err := db.Ping(); err != nil {
			t.Fatal(err)
		}
	})
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err == nil {
		t.Fatal("database still exists after its test ended")
	}
}

func TestNewEmptyDSN(t *testing.T) {
	db, err := sql.Open("postgres", NewEmptyDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ok, err := migrations.Current(ctx, db)
	if err == nil && ok {
		t.Fatal("empty database reports migrations as current")
	}
	n, err := migrations.Up(ctx, db, nil)
	if err != nil || n == 0 {
		t.Fatalf("Up on the empty database: %d, %v", n, err)
	}
}

func TestRestart(t *testing.T) {
	db := NewDB(t)
	if err := Cluster(t).Stop(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(); err == nil {
		t.Fatal("ping succeeded with the cluster stopped")
	}
	Restart(t)
	if _, err := db.Exec("INSERT INTO demo_loads (name) VALUES ('x')"); err != nil {
		// database/sql retries bad connections; one more try is allowed
		if _, err := db.Exec("INSERT INTO demo_loads (name) VALUES ('x')"); err != nil {
			t.Fatalf("after Restart: %v", err)
		}
	}
	_ = NewDB(t)
}

// A test database is readable on the replica, which shows what the primary
// committed once WaitForReplay returns, and nothing new while replay is
// paused.
func TestReplicaFollowsTheTestDatabase(t *testing.T) {
	dsn := NewDSN(t)
	primary := connect(t, dsn)
	replica := connect(t, ReplicaDSN(t, dsn))
	names := func() []string {
		t.Helper()
		var out []string
		if err := replica.Select(&out, "SELECT name FROM demo_loads ORDER BY name"); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if _, err := primary.Exec("INSERT INTO demo_loads (name) VALUES ('one')"); err != nil {
		t.Fatal(err)
	}
	WaitForReplay(t)
	if got := names(); len(got) != 1 || got[0] != "one" {
		t.Fatalf("after replay: %v, want [one]", got)
	}
	resume := PauseReplay(t)
	if _, err := primary.Exec("INSERT INTO demo_loads (name) VALUES ('two')"); err != nil {
		t.Fatal(err)
	}
	if got := names(); len(got) != 1 {
		t.Fatalf("with replay paused: %v, want [one]", got)
	}
	resume()
	WaitForReplay(t)
	if got := names(); len(got) != 2 {
		t.Fatalf("after resuming: %v, want [one two]", got)
	}
	if _, err := replica.Exec("INSERT INTO demo_loads (name) VALUES ('three')"); err == nil {
		t.Error("the replica accepted a write")
	}
}

// Through a cut proxy the server cannot be reached, by open connections or
// new ones; after Restore it can again.
func TestProxyCut(t *testing.T) {
	p := NewProxy(t, NewDSN(t))
	db := connect(t, p.DSN())
	db.SetMaxOpenConns(1)
	ping := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	if err := ping(); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	if err := ping(); err == nil {
		t.Fatal("reached the server through a cut proxy")
	}
	p.Restore()
	if err := ping(); err != nil {
		t.Fatalf("after Restore: %v", err)
	}
}

package operations_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"

	"github.com/copydesk/copydesk/internal/operations"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func newRegistry(t testing.TB, opts operations.Options) (*operations.Registry, *postgres.DB) {
	t.Helper()
	db := postgres.Wrap(pgtest.NewDB(t))
	return operations.New(db, opts), db
}

func TestLookupWritesLastUsedCoarsely(t *testing.T) {
	reg, db := newRegistry(t, operations.Options{TouchEvery: 10 * time.Minute})
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	ctx := context.Background()
	body := `{ serverInfo { version } }`
	h := operations.Hash(body)
	if _, err := reg.RegisterAutomatic(ctx, h, body, ""); err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		var at time.Time
		if err := db.GetContext(ctx, &at, `SELECT last_used_at FROM persisted_operations WHERE hash = $1`, h); err != nil {
			t.Fatal(err)
		}
		return at.UTC()
	}
	for _, step := range []struct {
		after time.Duration
		want  time.Time
	}{
		{time.Minute, now},                           // within TouchEvery: not written
		{9 * time.Minute, now.Add(10 * time.Minute)}, // 10 min since the write: written now
		{0, now.Add(10 * time.Minute)},               // the same instant again
		{9 * time.Minute, now.Add(10 * time.Minute)},
		{time.Minute, now.Add(20 * time.Minute)},
	} {
		now = now.Add(step.after)
		if _, _, ok, err := reg.Lookup(ctx, h); !ok || err != nil {
			t.Fatalf("lookup: %v %v", ok, err)
		}
		if got := lastUsed(); !got.Equal(step.want) {
			t.Errorf("at %v: last_used_at %v, want %v", now, got, step.want)
		}
	}
}

// BenchmarkRegisterAutomaticAtTheBound: storing a new APQ operation when
// the store is full (10,000), which evicts the least recently used one.
func BenchmarkRegisterAutomaticAtTheBound(b *testing.B) {
	reg, db := newRegistry(b, operations.Options{})
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO persisted_operations (hash, body, source, created_at, last_used_at)
		SELECT encode(sha256(('q' || i)::bytea), 'hex'), 'q' || i, 'apq', now(), now() - i * interval '1 second' FROM generate_series(1, $1) i`,
		operations.DefaultMaxAutomatic); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		body := fmt.Sprintf(`query Q%d { serverInfo { version } }`, i)
		if _, err := reg.RegisterAutomatic(ctx, operations.Hash(body), body, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var n int
	_ = db.GetContext(ctx, &n, `SELECT count(*) FROM persisted_operations`)
	if n != operations.DefaultMaxAutomatic {
		b.Fatalf("%d stored, want %d", n, operations.DefaultMaxAutomatic)
	}
}

// BenchmarkLookupCached: a request by a hash this instance has cached.
func BenchmarkLookupCached(b *testing.B) {
	reg, _ := newRegistry(b, operations.Options{})
	ctx := context.Background()
	body := `{ serverInfo { version } }`
	h := operations.Hash(body)
	if _, err := reg.RegisterAutomatic(ctx, h, body, ""); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, _, ok, _ := reg.Lookup(ctx, h); !ok {
			b.Fatal("not found")
		}
	}
}

package postgres_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// TestMain stops the PostgreSQL cluster pgtest starts for this package.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The tests below write to demo_loads (name text PRIMARY KEY), the simplest
// table the migrations create.

func claim(ctx context.Context, tx *postgres.Tx, name string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO demo_loads (name) VALUES ($1)`, name)
	return err
}

func names(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	var out []string
	if err := db.SelectContext(context.Background(), &out, `SELECT name FROM demo_loads ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantNames(t *testing.T, db *postgres.DB, want ...string) {
	t.Helper()
	if got := names(t, db); !slices.Equal(got, want) {
		t.Fatalf("demo_loads holds %q, want %q", got, want)
	}
}

func TestInTxJoinsTransactionInContext(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx := context.Background()
	errOuter := errors.New("outer fails")
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		inner := postgres.WithTx(ctx, tx)
		for _, name := range []string{"a", "b"} {
			err := db.InTx(inner, func(tx2 *postgres.Tx) error {
				if tx2 != tx {
					t.Errorf("joined InTx got another transaction")
				}
				if !tx2.Now.Equal(tx.Now) {
					t.Errorf("joined InTx has Now %v, want the outer %v", tx2.Now, tx.Now)
				}
				return claim(inner, tx2, name)
			})
			if err != nil {
				return err
			}
		}
		// Not committed by the joined calls: another connection sees nothing yet.
		if got := names(t, db); len(got) != 0 {
			t.Errorf("joined InTx committed on its own: %q visible outside", got)
		}
		return errOuter
	})
	if !errors.Is(err, errOuter) {
		t.Fatalf("InTx = %v, want %v", err, errOuter)
	}
	wantNames(t, db) // the outer rollback took the joined writes with it

	err = db.InTx(ctx, func(tx *postgres.Tx) error {
		return db.InTx(postgres.WithTx(ctx, tx), func(tx2 *postgres.Tx) error { return claim(ctx, tx2, "c") })
	})
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, db, "c")
}

func TestInTxJoinedFailureRollsBackToSavepoint(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx := context.Background()
	errInner := errors.New("inner fails")
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		inner := postgres.WithTx(ctx, tx)
		if err := claim(ctx, tx, "a"); err != nil {
			return err
		}
		// A joined call that wrote and then failed: its write goes, the
		// transaction goes on.
		err := db.InTx(inner, func(tx *postgres.Tx) error {
			if err := claim(ctx, tx, "b"); err != nil {
				return err
			}
			return errInner
		})
		if !errors.Is(err, errInner) {
			t.Errorf("joined InTx = %v, want %v", err, errInner)
		}
		// A joined call whose statement failed (duplicate key) would leave
		// the transaction aborted without the savepoint.
		err = db.InTx(inner, func(tx *postgres.Tx) error { return claim(ctx, tx, "a") })
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "23505" {
			t.Errorf("joined InTx = %v, want a unique violation", err)
		}
		// Joined calls nest.
		err = db.InTx(inner, func(tx *postgres.Tx) error {
			if err := claim(ctx, tx, "c"); err != nil {
				return err
			}
			if err := db.InTx(inner, func(tx *postgres.Tx) error {
				if err := claim(ctx, tx, "d"); err != nil {
					return err
				}
				return errInner
			}); !errors.Is(err, errInner) {
				t.Errorf("nested joined InTx = %v, want %v", err, errInner)
			}
			return claim(ctx, tx, "e")
		})
		if err != nil {
			return err
		}
		return claim(ctx, tx, "f")
	})
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, db, "a", "c", "e", "f")
}

func TestInTxJoinedIsNotRetriedOnItsOwn(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx := context.Background()
	outer, inner := 0, 0
	serialization := &pq.Error{Code: "40001", Message: "could not serialize access"}
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		outer++
		return db.InTx(postgres.WithTx(ctx, tx), func(tx *postgres.Tx) error {
			inner++
			if err := claim(ctx, tx, "a"); err != nil {
				return err
			}
			if outer < 3 {
				return serialization
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// The joined call fails twice; each time the outer InTx rolls back and
	// runs its whole function again.
	if outer != 3 || inner != 3 {
		t.Fatalf("outer ran %d times, joined %d times; want 3 and 3", outer, inner)
	}
	wantNames(t, db, "a")
}

func TestInTxJoinsOnlyItsOwnDB(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	ctx := context.Background()
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := open(), open()
	err := db1.InTx(ctx, func(tx *postgres.Tx) error {
		inner := postgres.WithTx(ctx, tx)
		// db2 has its own transaction, committed at once.
		if err := db2.InTx(inner, func(tx2 *postgres.Tx) error {
			if tx2 == tx {
				t.Errorf("another DB's InTx joined the transaction in ctx")
			}
			return claim(ctx, tx2, "other")
		}); err != nil {
			return err
		}
		wantNames(t, db2, "other")
		if err := claim(ctx, tx, "mine"); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	if err == nil {
		t.Fatal("InTx succeeded, want its error")
	}
	wantNames(t, db1, "other")
}

func TestInTxJoinedPanicRollsBackEverything(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx := context.Background()
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the panic", p)
			}
		}()
		_ = db.InTx(ctx, func(tx *postgres.Tx) error {
			if err := claim(ctx, tx, "a"); err != nil {
				return err
			}
			return db.InTx(postgres.WithTx(ctx, tx), func(tx *postgres.Tx) error {
				if err := claim(ctx, tx, "b"); err != nil {
					return err
				}
				panic("boom")
			})
		})
	}()
	wantNames(t, db)
}

func TestInTxStopsRetryingWhenContextIsCancelled(t *testing.T) {
	db := postgres.Wrap(pgtest.NewDB(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := 0
	serialization := &pq.Error{Code: "40001", Message: "could not serialize access"}
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		runs++
		if err := claim(ctx, tx, "a"); err != nil {
			return err
		}
		cancel() // the caller gives up while InTx is about to retry
		return serialization
	})
	if runs != 1 {
		t.Errorf("fn ran %d times after the context was cancelled, want 1", runs)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("InTx = %v, want context.Canceled", err)
	}
	// The wait was cut short, not the next BEGIN: the last attempt's error
	// comes with it.
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || pqErr.Code != "40001" {
		t.Errorf("InTx = %v, want it to wrap the serialization failure", err)
	}
	wantNames(t, db) // the failed attempt was rolled back
}

package postgres

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// openWithReplica opens a test database whose replica is reached through
// a proxy the test can cut.
func openWithReplica(t *testing.T, ro ReplicaOptions) (*DB, *pgtest.Proxy) {
	t.Helper()
	dsn := pgtest.NewDSN(t)
	proxy := pgtest.NewProxy(t, pgtest.ReplicaDSN(t, dsn))
	ro.URL = proxy.DSN()
	if ro.CheckInterval == 0 {
		ro.CheckInterval = 20 * time.Millisecond
	}
	db, err := OpenWith(context.Background(), dsn, slog.New(slog.DiscardHandler), Options{Replica: ro})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, proxy
}

// loads counts demo_loads rows as aud reads them.
func loads(t *testing.T, db *DB, aud Audience) int {
	t.Helper()
	var n int
	if err := db.readDB(aud).GetContext(context.Background(), &n, `SELECT count(*) FROM demo_loads`); err != nil {
		t.Fatalf("read for audience %v: %v", aud, err)
	}
	return n
}

// waitFor polls db's replica status until ok, or fails after a while.
func waitFor(t *testing.T, db *DB, what string, ok func(ReplicaStatus) bool) ReplicaStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, _ := db.ReplicaStatus()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("never %s: %+v", what, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Public reads go to the replica, the newsroom's to the primary. When the
// replica becomes unreachable, public reads go to the primary at once
// (the read that finds it gone included); when it is back, they return
// to it.
func TestPublicReadsFallBackToThePrimaryWhileTheReplicaIsUnreachable(t *testing.T) {
	db, proxy := openWithReplica(t, ReplicaOptions{})
	if st, ok := db.ReplicaStatus(); !ok || !st.Serving || !st.Up {
		t.Fatalf("after opening: %+v, %v", st, ok)
	}
	loads(t, db, Public) // a pooled connection to the replica, to be cut
	resume := pgtest.PauseReplay(t)
	if _, err := db.ExecContext(context.Background(), `INSERT INTO demo_loads (name) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	if pub, news := loads(t, db, Public), loads(t, db, Newsroom); pub != 0 || news != 1 {
		t.Fatalf("with replay paused: public sees %d rows, newsroom %d; want 0 and 1", pub, news)
	}

	proxy.Cut()
	if pub := loads(t, db, Public); pub != 1 {
		t.Errorf("with the replica unreachable: public sees %d rows, want 1 (the primary's)", pub)
	}
	st, _ := db.ReplicaStatus()
	if st.Serving || st.Reason != ReplicaUnreachable || st.Fallbacks[ReplicaUnreachable] != 1 {
		t.Errorf("status with the replica unreachable: %+v", st)
	}

	proxy.Restore()
	waitFor(t, db, "back on the replica", func(st ReplicaStatus) bool { return st.Serving })
	if pub := loads(t, db, Public); pub != 0 {
		t.Errorf("back on the (still paused) replica: public sees %d rows, want 0", pub)
	}
	resume()
	pgtest.WaitForReplay(t)
	if pub := loads(t, db, Public); pub != 1 {
		t.Errorf("after replay: public sees %d rows, want 1", pub)
	}
}

// A read whose connection to the replica is lost, and which finds the
// replica refusing new ones, is answered by the primary: no check of the
// monitor is needed for that.
func TestAReadThatLosesTheReplicaIsAnsweredByThePrimary(t *testing.T) {
	db, proxy := openWithReplica(t, ReplicaOptions{CheckInterval: time.Hour})
	if _, err := db.ExecContext(context.Background(), `INSERT INTO demo_loads (name) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitForReplay(t)
	ctx := context.Background()
	var conns []*sql.Conn
	for range 3 { // three idle connections to the replica in the pool, to be cut
		conn, err := db.readDB(Public).Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
	}
	for _, c := range conns {
		c.Close()
	}
	if idle := db.ReplicaPool().Stats().Idle; idle != 3 {
		t.Fatalf("%d idle connections, want 3", idle)
	}
	proxy.Cut()
	var n int
	if err := db.readDB(Public).GetContext(ctx, &n, `SELECT count(*) FROM demo_loads`); err != nil || n != 1 {
		t.Fatalf("public read with the replica gone: %d, %v", n, err)
	}
	if st, _ := db.ReplicaStatus(); st.Serving || st.Reason != ReplicaUnreachable || st.Fallbacks[ReplicaUnreachable] != 1 {
		t.Errorf("status: %+v", st)
	}
}

// A read that loses its connection to the replica while the replica runs
// it is run again, on the primary: a public read is a SELECT, safe to
// repeat.
func TestAReadCutOffWhileItRunsIsRunAgainOnThePrimary(t *testing.T) {
	db, proxy := openWithReplica(t, ReplicaOptions{CheckInterval: time.Hour})
	watch := sqlx.MustConnect("postgres", pgtest.ReplicaDSN(t, pgtest.NewDSN(t)))
	defer watch.Close()
	type result struct {
		on  bool
		err error
	}
	done := make(chan result, 1)
	go func() {
		var standby bool
		err := db.readDB(Public).GetContext(context.Background(), &standby, `SELECT pg_is_in_recovery() FROM pg_sleep(1) /* cut me */`)
		done <- result{standby, err}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for running := false; !running; time.Sleep(5 * time.Millisecond) {
		select {
		case res := <-done:
			t.Fatalf("the read ended before it could be cut off: ran on a standby %v, err %v", res.on, res.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the read never showed up on the replica")
		}
		if err := watch.Get(&running, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE '%/* cut me */' AND pid <> pg_backend_pid())`); err != nil {
			t.Fatal(err)
		}
	}
	proxy.Cut()
	res := <-done
	if res.err != nil || res.on {
		t.Errorf("the read cut off on the replica: err %v, ran on a standby: %v; want it run again on the primary", res.err, res.on)
	}
}

// A replica further behind than MaxLag is left for the primary until it
// has caught up.
func TestPublicReadsLeaveAReplicaThatLags(t *testing.T) {
	db, _ := openWithReplica(t, ReplicaOptions{MaxLag: 300 * time.Millisecond})
	resume := pgtest.PauseReplay(t)
	if _, err := db.ExecContext(context.Background(), `INSERT INTO demo_loads (name) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, db, "lagging", func(st ReplicaStatus) bool { return !st.Serving })
	if st.Reason != ReplicaLagging || st.Lag <= 300*time.Millisecond || st.LagBytes <= 0 || st.Fallbacks[ReplicaLagging] != 1 || !st.Up {
		t.Errorf("status of a lagging replica: %+v", st)
	}
	if pub := loads(t, db, Public); pub != 1 {
		t.Errorf("with the replica lagging: public sees %d rows, want 1 (the primary's)", pub)
	}
	resume()
	st = waitFor(t, db, "caught up", func(st ReplicaStatus) bool { return st.Serving })
	if st.Lag > 150*time.Millisecond {
		t.Errorf("back on the replica with lag %s, more than MaxLag/2", st.Lag)
	}
}

// The monitor's decisions, check by check.
func TestReplicaMonitor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	up := func(s float64, primary, replayed uint64) replicaObservation {
		return replicaObservation{at: at(s), primary: primary, primaryOK: true, standby: true, replayed: replayed}
	}
	type want struct {
		serving bool
		reason  string
		lag     time.Duration
	}
	for _, tc := range []struct {
		name   string
		maxLag time.Duration
		obs    []replicaObservation
		want   []want
	}{
		{"caught up", 10 * time.Second,
			[]replicaObservation{up(0, 100, 100), up(1, 200, 200)},
			[]want{{true, "", 0}, {true, "", 0}}},
		{"behind: as old as the latest primary position it has replayed", 10 * time.Second,
			[]replicaObservation{up(0, 100, 100), up(1, 200, 150), up(5, 300, 150), up(12, 300, 250), up(13, 400, 300)},
			[]want{{true, "", 0}, {true, "", time.Second}, {true, "", 5 * time.Second}, {false, ReplicaLagging, 11 * time.Second}, {true, "", time.Second}}},
		{"returns within half of MaxLag", 10 * time.Second,
			[]replicaObservation{up(0, 100, 100), up(11, 200, 100), up(17, 300, 200), up(18, 300, 300)},
			[]want{{true, "", 0}, {false, ReplicaLagging, 11 * time.Second}, {false, ReplicaLagging, 6 * time.Second}, {true, "", 0}}},
		{"the age of its last replayed transaction bounds the lag", 10 * time.Second,
			[]replicaObservation{up(0, 100, 100), {at: at(30), primary: 200, primaryOK: true, standby: true, replayed: 150, replayAge: 2 * time.Second, replayAgeOK: true}},
			[]want{{true, "", 0}, {true, "", 2 * time.Second}}},
		{"no MaxLag: lag is measured, never left for", 0,
			[]replicaObservation{up(0, 100, 100), up(100, 200, 100)},
			[]want{{true, "", 0}, {true, "", 100 * time.Second}}},
		{"unreachable, then back", 10 * time.Second,
			[]replicaObservation{{at: at(0), err: errors.New("connection refused")}, up(1, 100, 100)},
			[]want{{false, ReplicaUnreachable, 0}, {true, "", 0}}},
		{"not a standby", 10 * time.Second,
			[]replicaObservation{{at: at(0), primary: 100, primaryOK: true, standby: false}},
			[]want{{false, ReplicaNotStandby, 0}}},
		{"the primary cannot be asked: the lag stays as it was", 10 * time.Second,
			[]replicaObservation{up(0, 100, 100), up(1, 200, 100), {at: at(9), standby: true, replayed: 100}},
			[]want{{true, "", 0}, {true, "", time.Second}, {true, "", time.Second}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newReplicaMonitor(tc.maxLag)
			for i, ob := range tc.obs {
				m.observe(ob)
				st := m.snapshot()
				if got := (want{st.Serving, st.Reason, st.Lag}); got != tc.want[i] {
					t.Errorf("check %d: got %+v, want %+v", i, got, tc.want[i])
				}
			}
		})
	}
}

func TestParseLSN(t *testing.T) {
	for s, want := range map[string]uint64{"0/0": 0, "0/16B3748": 0x16B3748, "16/B374D848": 0x16_B374D848} {
		if got, ok := parseLSN(s); !ok || got != want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "0", "x/1", "1/x"} {
		if _, ok := parseLSN(s); ok {
			t.Errorf("parseLSN(%q) accepted", s)
		}
	}
}

package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/pgembed"
)

// The streaming replica of the shared cluster: started by the first test
// that asks for it (pg_basebackup of the cluster, then a hot standby on
// another port), stopped by Main with the cluster.
var (
	replicaMu      sync.Mutex // guards the replica state below
	replicaStarted bool
	replicaErr     error
	replicaDir     string
	replica        *pgembed.Cluster
	replicaAdmin   *sql.DB // the replica's "postgres" database

	// replay is held shared while a test waits for the replica to catch
	// up, and exclusively while a test has replay paused (PauseReplay):
	// replay is cluster-wide, so pausers take turns and waiters wait for
	// the pause to end instead of timing out.
	replay sync.RWMutex
)

// replayWait bounds WaitForReplay.
const replayWait = time.Minute

// ReplicaDSN returns the DSN of the database dsn names (a DSN from NewDSN)
// on a streaming replica of the shared cluster, once the replica has
// replayed its creation. The replica is read-only and follows every change
// made on the primary, shortly after it is committed (see WaitForReplay).
// It is started on first use, once per test binary, and stopped by Main.
func ReplicaDSN(t testing.TB, dsn string) string {
	t.Helper()
	r, _ := getReplica(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("pgtest: ReplicaDSN of a DSN that is not a URL: %v", err)
	}
	WaitForReplay(t)
	return r.DSN(strings.TrimPrefix(u.Path, "/"))
}

// WaitForReplay waits until the replica has replayed everything committed
// on the primary before the call, so that reads on it see every change
// committed so far. While another test has replay paused, it waits for
// that pause to end first.
//
// The cluster runs with synchronous_commit off, so a commit returns before
// its WAL is flushed, and the replica is sent flushed WAL only: neither
// pg_current_wal_lsn() (WAL written to the kernel) nor the insert position
// (which may end in records nothing flushes for seconds) is a target the
// replica is sure to reach soon. So WaitForReplay commits one transaction
// synchronously, which flushes all WAL before it, and waits for the flush
// position after it. The transaction writes a logical-decoding message:
// a commit that wrote no WAL of its own flushes nothing.
func WaitForReplay(t testing.TB) {
	t.Helper()
	_, radm := getReplica(t)
	replay.RLock()
	defer replay.RUnlock()
	_, adm, err := get()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), replayWait)
	defer cancel()
	if _, err := adm.ExecContext(ctx, `BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_logical_emit_message(true, $$pgtest$$, $$flush$$); COMMIT`); err != nil {
		t.Fatalf("pgtest: flush the primary's WAL: %v", err)
	}
	var target string
	if err := adm.QueryRowContext(ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&target); err != nil {
		t.Fatalf("pgtest: the primary's WAL position: %v", err)
	}
	for {
		var done bool
		err := radm.QueryRowContext(ctx, `SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)`, target).Scan(&done)
		if err == nil && done {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("pgtest: the replica did not replay up to %s within %s (last error: %v)", target, replayWait, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// PauseReplay stops the replica replaying the primary's changes, and
// returns once it has stopped: reads on the replica then see the data as it
// was, whatever the primary commits, until resume is called (or the test
// ends). Replay is paused for every database, so tests that pause it take
// turns, and WaitForReplay and ReplicaDSN wait while it is paused.
func PauseReplay(t testing.TB) (resume func()) {
	t.Helper()
	_, radm := getReplica(t)
	replay.Lock()
	var once sync.Once
	resume = func() {
		once.Do(func() {
			defer replay.Unlock()
			if _, err := radm.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
				t.Errorf("pgtest: resume replay: %v", err)
			}
		})
	}
	t.Cleanup(resume)
	ctx, cancel := context.WithTimeout(context.Background(), replayWait)
	defer cancel()
	if _, err := radm.ExecContext(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatalf("pgtest: pause replay: %v", err)
	}
	// Until the startup process confirms, it may replay a little more.
	for {
		var state string
		err := radm.QueryRowContext(ctx, `SELECT pg_get_wal_replay_pause_state()`).Scan(&state)
		if err == nil && state == "paused" {
			return resume
		}
		if ctx.Err() != nil {
			t.Fatalf("pgtest: replay did not pause within %s (state %q, %v)", replayWait, state, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// getReplica starts the replica on first use.
func getReplica(t testing.TB) (*pgembed.Cluster, *sql.DB) {
	t.Helper()
	c, _, err := get()
	if err != nil {
		t.Fatal(err)
	}
	replicaMu.Lock()
	defer replicaMu.Unlock()
	if !replicaStarted {
		replicaStarted = true
		replicaErr = startReplica(c)
	}
	if replicaErr != nil {
		t.Fatal(replicaErr)
	}
	return replica, replicaAdmin
}

func startReplica(primary *pgembed.Cluster) error {
	d, err := os.MkdirTemp("", "copydesk-pgtest-replica-*")
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	replicaDir = d
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := primary.StartReplica(ctx, pgembed.Options{Dir: d})
	if err != nil {
		return fmt.Errorf("pgtest: start the replica: %w", err)
	}
	replica = r
	replicaAdmin, err = sql.Open("postgres", r.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// stopReplica stops the replica, if one was started, and removes its
// directory. Main calls it before it stops the cluster.
func stopReplica() error {
	replicaMu.Lock()
	defer replicaMu.Unlock()
	var err error
	if replicaAdmin != nil {
		replicaAdmin.Close()
	}
	if replica != nil {
		if err = replica.Stop(); err != nil {
			err = fmt.Errorf("stopping the replica: %w", err)
		}
	}
	if replicaDir != "" {
		if rmErr := os.RemoveAll(replicaDir); rmErr != nil && err == nil {
			err = rmErr
		}
	}
	return err
}

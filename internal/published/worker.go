package published

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/search"
)

// Queue queues for rebuilding every public document and every search
// document that shows one of refs (postgres.RefPerson, RefOrganization,
// RefTag, RefEvent), in tx: a
// directory change calls it in its own transaction, so the rebuild is
// queued if and only if the change commits.
func Queue(ctx context.Context, tx *postgres.Tx, refs ...string) error {
	_, err := postgres.QueuePublicRefresh(ctx, tx, refs)
	return err
}

// QueueStale queues every published report whose documents are missing or
// of another Format, every report whose search documents are (of
// search.Format), and every leftover document of a report no longer
// published; it returns how many. Each instance calls it at start-up.
func QueueStale(ctx context.Context, db *postgres.DB) (int, error) {
	return postgres.QueueStalePublic(ctx, db, Format, search.Format, db.Now())
}

// Worker runs queued rebuilds. Every instance runs one; any number may run
// against a database: each job is claimed with FOR UPDATE SKIP LOCKED and
// rebuilt and deleted in the claiming transaction, so a rebuild commits
// exactly once and a worker that dies mid-job leaves it queued.
type Worker struct {
	DB  *postgres.DB
	Log *slog.Logger
	// Poll is how often an idle worker looks for jobs (default 1 s; one
	// statement each time).
	Poll time.Duration
	// Parallel is how many jobs one worker runs at once (default 2).
	Parallel int
	// RetryAfter is how long a job that failed waits (default 1 min).
	RetryAfter time.Duration
}

// Run runs jobs until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		start := time.Now()
		var mu sync.Mutex
		last := start
		n, err := w.Drain(ctx, func(done int) {
			mu.Lock()
			defer mu.Unlock()
			if time.Since(last) >= 5*time.Second { // a long rebuild (start-up, a format change) reports progress
				last = time.Now()
				left, _ := postgres.PublicJobsQueued(ctx, w.DB)
				w.log().Info("public documents: rebuilding", "done", done, "queued", left)
			}
		})
		if err != nil && ctx.Err() == nil {
			w.log().Error("public documents: rebuilding failed", "err", err)
		}
		if n > 0 {
			w.log().Debug("public documents: rebuilt", "reports", n, "ms", time.Since(start).Milliseconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Drain runs queued jobs until none is ready and returns how many it ran.
// progress, when set, is told of each job done. A job that fails is put
// back (DeferPublicJob) and logged; Drain goes on with the others and
// returns an error only when the database fails.
func (w *Worker) Drain(ctx context.Context, progress func(done int)) (int, error) {
	k := w.Parallel
	if k <= 0 {
		k = 2
	}
	// An idle queue costs one statement, not a transaction per worker.
	if ready, err := postgres.PublicJobsReady(ctx, w.DB, w.DB.Now()); err != nil || !ready {
		return 0, err
	}
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, k)
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				ran, err := w.runOne(ctx)
				if err != nil || !ran {
					errs[i] = err
					return
				}
				n := done.Add(1)
				if progress != nil {
					progress(int(n))
				}
			}
		}()
	}
	wg.Wait()
	return int(done.Load()), errors.Join(errs...)
}

// runOne claims and runs one job; false when none was ready.
func (w *Worker) runOne(ctx context.Context) (bool, error) {
	var id int64
	var failed error
	err := w.DB.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		if id, err = postgres.ClaimPublicJob(ctx, tx); err != nil || id == 0 {
			return err
		}
		// Locked as every edit locks it, so that a rebuild read before an
		// edit commits cannot write its older text over the edit's.
		if _, err := postgres.LockReport(ctx, tx, id); err != nil && !cerr.Is(err, cerr.NotFound) {
			failed = err
			return err
		}
		if failed = Build(ctx, tx, id); failed != nil {
			return failed
		}
		if failed = search.Reindex(ctx, tx, id); failed != nil {
			return failed
		}
		return postgres.DeletePublicJob(ctx, tx, id)
	})
	if failed != nil && ctx.Err() == nil {
		w.log().Error("public documents: rebuild failed; retrying later", "report", id, "err", failed)
		retry := w.RetryAfter
		if retry <= 0 {
			retry = time.Minute
		}
		return true, postgres.DeferPublicJob(ctx, w.DB, id, w.DB.Now().Add(retry), fmt.Sprint(failed))
	}
	return id != 0 && err == nil, err
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// RebuildAll queues every published report whose documents are missing or
// stale and rebuilds them with parallel workers, telling progress how far
// it is (for the benchmark's data set and operators' rebuilds).
func RebuildAll(ctx context.Context, db *postgres.DB, parallel int, progress func(done, total int)) error {
	if _, err := QueueStale(ctx, db); err != nil {
		return err
	}
	total, err := postgres.PublicJobsQueued(ctx, db) // with those queued before (by the migration, by directory changes)
	if err != nil {
		return err
	}
	w := &Worker{DB: db, Parallel: parallel}
	_, err = w.Drain(ctx, func(done int) {
		if progress != nil {
			progress(done, total)
		}
	})
	return err
}

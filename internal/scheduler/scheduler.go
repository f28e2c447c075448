// Package scheduler is copydesk's publishing worker: it publishes SCHEDULED
// reports when their publish job (table publish_jobs, written by
// reports.Service.Schedule) comes due.
//
// Every copydesk instance runs one Worker; any number may run against one
// database. Each round claims due jobs with FOR UPDATE SKIP LOCKED and, in
// that same transaction, publishes each report through the content service
// (as the auth.System viewer, so the publish is an ordinary workflow
// transition: version check, revision, publication, audit entry) and
// deletes the job. The job row stays locked until the round commits, and
// the publish deletes it in the same commit, so each report is published
// exactly once however many workers race; a worker that dies mid-round
// rolls back and the job is claimed again.
//
// The worker runs a round as soon as it starts, so jobs that came due while
// no instance ran are published at the next start (and logged as late),
// then every PollInterval. It never publishes before a report's embargo: a
// job due earlier is moved to the embargo instant. Time is the database
// handle's clock (postgres.DB.Now), which tests control.
package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
)

// Options tune a Worker; zero values take the defaults.
type Options struct {
	// PollInterval is how often the worker looks for due jobs (default 500 ms).
	PollInterval time.Duration
	// Batch is how many jobs one round claims at most (default 10). A full
	// round is followed at once by another.
	Batch int
	// LateAfter is how far past due a job is logged as late (default 2 s).
	LateAfter time.Duration
	// RetryAfter is how long a job whose publish failed with an internal
	// error waits before it is tried again (default 1 min).
	RetryAfter time.Duration
	// OnJob, when set, is told of every job a committed round handled: its
	// outcome (JobPublished, JobHeld, JobDropped or JobRetried) and how
	// late it was claimed (the database clock at the claim minus the job's
	// due time; negative never, since only due jobs are claimed). For
	// metrics; it is called after the round commits, never for a round
	// that rolled back.
	OnJob func(outcome string, late time.Duration)
}

// Outcomes of a job, as Options.OnJob reports them.
const (
	JobPublished = "published" // the report was published
	JobHeld      = "held"      // the job was moved to the report's embargo instant
	JobDropped   = "dropped"   // the report cannot be published as it stands; the job was deleted
	JobRetried   = "retried"   // the publish failed with an internal error; the job was moved later
)

// Worker publishes due scheduled reports. It is safe to run several, in one
// process or many.
type Worker struct {
	db      *postgres.DB
	content *reports.Service
	log     *slog.Logger
	opts    Options
}

// New returns a worker over db that publishes through svc, whose DB must be
// db (the publish joins the worker's transaction). log may be nil.
func New(db *postgres.DB, svc *reports.Service, log *slog.Logger, opts Options) *Worker {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	if opts.Batch <= 0 {
		opts.Batch = 10
	}
	if opts.LateAfter <= 0 {
		opts.LateAfter = 2 * time.Second
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{db: db, content: svc, log: log.With("component", "scheduler"), opts: opts}
}

// Run publishes due jobs until ctx ends, then returns nil. It runs a round
// at once, then one every PollInterval (at once again after a full round);
// after a failed round it waits longer, up to 30 s, and logs the error.
func (w *Worker) Run(ctx context.Context) error {
	w.log.Debug("scheduler started", "pollInterval", w.opts.PollInterval.String(), "batch", w.opts.Batch)
	wait, failures := time.Duration(0), 0
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		n, err := w.RunOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			failures++
			wait = min(w.opts.PollInterval<<min(failures, 6), 30*time.Second)
			w.log.Error("scheduler round failed", "err", err, "retryIn", wait.String())
		case n >= w.opts.Batch:
			failures, wait = 0, 0
		default:
			failures, wait = 0, w.opts.PollInterval
		}
	}
}

// outcome is what a round did with one job, logged (and told to
// Options.OnJob) once the round commits.
type outcome struct {
	job   string        // JobPublished, ...; "" for a log line only
	late  time.Duration // claim time minus due time
	level slog.Level
	msg   string
	attrs []any
}

// RunOnce runs one round: it claims up to Batch due jobs and, in one
// transaction, publishes each (or holds it until its report's embargo)
// and deletes it. It returns how many jobs it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	var claimed int
	var log []outcome
	err := w.db.InTx(ctx, func(tx *postgres.Tx) error {
		claimed, log = 0, nil
		jobs, err := postgres.ClaimDueJobs(ctx, tx, tx.Now, w.opts.Batch)
		if err != nil {
			return err
		}
		claimed = len(jobs)
		pctx := auth.WithViewer(postgres.WithTx(ctx, tx), auth.System())
		for _, j := range jobs {
			attrs := []any{"report", j.ReportID, "runAt", j.RunAt.UTC().Format(time.RFC3339Nano), "timeZone", j.TimeZone}
			late := tx.Now.Sub(j.RunAt)
			if late > w.opts.LateAfter {
				log = append(log, outcome{level: slog.LevelWarn, msg: "publish job is late", attrs: append(attrs, "late", late.String(), "lateMs", late.Milliseconds())})
			}
			if j.EmbargoUntil != nil && tx.Now.Before(*j.EmbargoUntil) {
				if err := postgres.RetimePublishJob(ctx, tx, j.ReportID, *j.EmbargoUntil); err != nil {
					return err
				}
				log = append(log, outcome{JobHeld, late, slog.LevelInfo, "publish job held until the report's embargo",
					append(attrs, "embargoUntil", j.EmbargoUntil.UTC().Format(time.RFC3339Nano))})
				continue
			}
			saved, err := w.content.Publish(pctx, j.ReportID, j.Version)
			switch {
			case err == nil:
				log = append(log, outcome{JobPublished, late, slog.LevelInfo, "scheduled report published", append(attrs, "version", saved.Report.Version)})
				continue
			case ctx.Err() != nil:
				return ctx.Err()
			case cerr.Code(err) != cerr.Internal:
				// The report cannot be published as it stands (a client
				// error): the job is dropped, and someone must look.
				log = append(log, outcome{JobDropped, late, slog.LevelError, "scheduled publish refused; job dropped", append(attrs, "err", err)})
				if err := postgres.DeletePublishJob(ctx, tx, j.ReportID); err != nil {
					return err
				}
			default:
				retry := tx.Now.Add(w.opts.RetryAfter)
				log = append(log, outcome{JobRetried, late, slog.LevelError, "scheduled publish failed; will retry", append(attrs, "err", err, "retryAt", retry.Format(time.RFC3339))})
				if err := postgres.RetimePublishJob(ctx, tx, j.ReportID, retry); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return 0, nil
		}
		return 0, err
	}
	for _, o := range log {
		w.log.Log(ctx, o.level, o.msg, o.attrs...)
		if o.job != "" && w.opts.OnJob != nil {
			w.opts.OnJob(o.job, o.late)
		}
	}
	return claimed, nil
}

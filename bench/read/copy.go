package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// loader streams generated rows into tables with COPY (lib/pq CopyIn), one
// connection and transaction per table so that PostgreSQL ingests the
// tables in parallel. Each transaction runs with session_replication_role
// = replica: triggers, foreign keys among them, do not fire, so tables may
// load in any order; the rows are consistent by construction (and
// dataset_test.go checks them against what the services write). The
// triggers that would add rows (report_revisions_publish_created) are
// replaced by rows the generator writes itself.
type loader struct {
	db      *sql.DB
	ctx     context.Context
	cancel  context.CancelCauseFunc
	wg      sync.WaitGroup
	rows    atomic.Int64
	streams []*stream
}

// stream is one table being loaded.
type stream struct {
	l     *loader
	table string
	cols  []string
	ch    chan [][]any
}

const batchRows = 512

func newLoader(ctx context.Context, db *sql.DB) *loader {
	l := &loader{db: db}
	l.ctx, l.cancel = context.WithCancelCause(ctx)
	return l
}

// table starts the COPY of table and returns its stream.
func (l *loader) table(table string, cols ...string) *stream {
	s := &stream{l: l, table: table, cols: cols, ch: make(chan [][]any, 8)}
	l.streams = append(l.streams, s)
	l.wg.Go(func() {
		if err := s.copy(); err != nil {
			l.cancel(fmt.Errorf("COPY %s: %w", table, err))
			for range s.ch { // let the producers finish
			}
		}
	})
	return s
}

func (s *stream) copy() error {
	tx, err := s.l.db.BeginTx(s.l.ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SET LOCAL session_replication_role = replica`); err != nil {
		return err
	}
	stmt, err := tx.Prepare(pq.CopyIn(s.table, s.cols...))
	if err != nil {
		return err
	}
	for batch := range s.ch {
		for _, row := range batch {
			if _, err := stmt.Exec(row...); err != nil {
				return err
			}
		}
		s.l.rows.Add(int64(len(batch)))
	}
	if _, err := stmt.Exec(); err != nil {
		return err
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	return tx.Commit()
}

// wait closes every stream and waits for the COPYs to commit.
func (l *loader) wait() error {
	for _, s := range l.streams {
		close(s.ch)
	}
	l.wg.Wait()
	if err := context.Cause(l.ctx); err != nil {
		return err
	}
	l.cancel(nil)
	return nil
}

// batcher collects one producer's rows per stream and hands them over in
// batches.
type batcher struct {
	bufs map[*stream][][]any
}

func newBatcher() *batcher { return &batcher{bufs: map[*stream][][]any{}} }

func (b *batcher) add(s *stream, row ...any) error {
	buf := append(b.bufs[s], row)
	if len(buf) < batchRows {
		b.bufs[s] = buf
		return nil
	}
	b.bufs[s] = nil
	return s.send(buf)
}

func (b *batcher) flush() error {
	for s, buf := range b.bufs {
		if len(buf) > 0 {
			if err := s.send(buf); err != nil {
				return err
			}
		}
		delete(b.bufs, s)
	}
	return nil
}

func (s *stream) send(batch [][]any) error {
	select {
	case s.ch <- batch:
		return nil
	case <-s.l.ctx.Done():
		return context.Cause(s.l.ctx)
	}
}

// progress prints a progress bar on stderr every half second until stop is
// called: done of total units (reports), the rows COPY has sent, rows/s and
// an ETA.
func progress(what string, total int, done func() int, rows func() int64) (stop func()) {
	t0 := time.Now()
	quit := make(chan struct{})
	var wg sync.WaitGroup
	line := func() {
		d, n := done(), rows()
		el := time.Since(t0)
		rate := float64(n) / max(el.Seconds(), 1e-3)
		eta := "-"
		if d > 0 && d < total {
			eta = (time.Duration(float64(el) * float64(total-d) / float64(d))).Round(time.Second).String()
		}
		const width = 30
		fill := width * d / max(total, 1)
		bar := ""
		for i := range width {
			bar += map[bool]string{true: "█", false: "░"}[i < fill]
		}
		fmt.Fprintf(os.Stderr, "\rbench/read: %s %s %d/%d  %.2fM rows  %.0fk rows/s  %s elapsed  ETA %s   ", what, bar, d, total,
			float64(n)/1e6, rate/1e3, el.Round(time.Second), eta)
	}
	wg.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				line()
				fmt.Fprintln(os.Stderr)
				return
			case <-t.C:
				line()
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
)

const editMessage = "Tighten the wording of the opening paragraph"

// updateFn performs one update of t and moves t.version on.
type updateFn func(ctx context.Context, t *target) error

// serviceUpdate calls reports.Service.UpdateReport: the body with one word
// changed, the current expectedVersion and a message.
func serviceUpdate(svc *newsroom.Services) updateFn {
	msg := editMessage
	return func(ctx context.Context, t *target) error {
		v := t.version
		saved, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{
			ID: t.id, ExpectedVersion: v, Body: editorial.SetTo(t.bodyAt(v + 1)), Message: &msg,
		})
		if err != nil {
			return fmt.Errorf("report %d at version %d: %w", t.id, v, err)
		}
		if saved.Report.Version != v+1 {
			return fmt.Errorf("report %d: version %d after updating version %d (no revision recorded?)", t.id, saved.Report.Version, v)
		}
		t.version = saved.Report.Version
		return nil
	}
}

// probeUpdate runs one service update of the first report and returns the
// SQL statements it sent (postgres.QueryCounter: BEGIN and COMMIT count).
func probeUpdate(ctx context.Context, svc *newsroom.Services, fx *fixture) (int64, error) {
	var c postgres.QueryCounter
	if err := serviceUpdate(svc)(postgres.WithQueryCounter(ctx, &c), fx.reports[0]); err != nil {
		return 0, err
	}
	return c.Count(), nil
}

// showSQL prints the statements of one service update as the server logs
// them: a separate pool whose connections have log_statement=all (a
// per-connection setting; nothing cluster-wide changes).
func showSQL(ctx context.Context, out io.Writer, dsn, logPath string, fx *fixture) error {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := postgres.Open(ctx, dsn+sep+"log_statement=all", nil)
	if err != nil {
		return err
	}
	defer db.Close()
	before := benchdb.FileSize(logPath)
	if err := serviceUpdate(newsroom.New(db))(ctx, fx.reports[0]); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond) // let the server write its log
	f, err := os.Open(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(before, io.SeekStart); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nSQL of one service UpdateReport, from the server log (log_statement=all; parameters left out):")
	// An entry starts with a timestamped line; a statement's continuation
	// lines are indented. Parameters (DETAIL entries) are left out.
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d`)
	var entries []string
	inLog := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case stamp.MatchString(line):
			i := strings.Index(line, "LOG:  ")
			inLog = i >= 0
			if inLog {
				entries = append(entries, line[i+len("LOG:  "):])
			}
		case inLog && strings.HasPrefix(line, "\t"):
			entries[len(entries)-1] += " " + line
		}
	}
	n := 0
	for _, e := range entries {
		e = strings.Join(strings.Fields(e), " ")
		if e == "" || strings.HasPrefix(e, "connection") || strings.HasPrefix(e, "disconnection") {
			continue
		}
		if len(e) > 160 {
			e = e[:157] + "..."
		}
		n++
		fmt.Fprintf(out, "  %2d  %s\n", n, e)
	}
	return sc.Err()
}

// prepareRun levels the field before a measured run: current versions, dead
// rows of the previous run vacuumed, dirty pages flushed.
func prepareRun(ctx context.Context, db *postgres.DB, fx *fixture) error {
	if err := reloadVersions(ctx, db, fx); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE reports, report_revisions`); err != nil {
		return err
	}
	_, _ = db.ExecContext(ctx, `CHECKPOINT`) // superuser only; best effort with -dsn
	return nil
}

func runService(ctx context.Context, db *postgres.DB, svc *newsroom.Services, fx *fixture, cfg config) (result, error) {
	if err := prepareRun(ctx, db, fx); err != nil {
		return result{}, err
	}
	do := serviceUpdate(svc)
	if _, err := drive(ctx, cfg.clients, cfg.warmup, fx, do); err != nil {
		return result{}, err
	}
	var c postgres.QueryCounter
	r, err := measure(postgres.WithQueryCounter(ctx, &c), db, "service", cfg, fx, do)
	if err != nil {
		return r, err
	}
	r.stmts = float64(c.Count()) / float64(r.updates)
	r.heapCovered = "content service and database/sql pool"
	return r, nil
}

// measure runs do for cfg.duration and samples the Go heap meanwhile.
func measure(ctx context.Context, db *postgres.DB, mode string, cfg config, fx *fixture, do updateFn) (result, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	peak.Store(before.HeapAlloc)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	var cpu0, cpu1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
	if cfg.cpuProf != "" {
		f, err := os.Create(cfg.cpuProf + "." + mode)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return result{}, err
		}
		defer pprof.StopCPUProfile()
	}
	wal0, _ := walLSN(ctx, db)
	st, err := drive(ctx, cfg.clients, cfg.duration, fx, do)
	wal1, _ := walLSN(ctx, db)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	close(stop)
	<-sampled
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > peak.Load() {
		peak.Store(after.HeapAlloc)
	}
	if err != nil {
		return result{}, err
	}
	if st.updates == 0 {
		return result{}, errors.New("no update completed")
	}
	return result{
		mode: mode, clients: cfg.clients, updates: st.updates, elapsed: st.elapsed,
		perSec:     float64(st.updates) / st.elapsed.Seconds(),
		meanLat:    st.latency / time.Duration(st.updates),
		peakHeap:   peak.Load(),
		allocPerOp: float64(after.TotalAlloc-before.TotalAlloc) / float64(st.updates),
		gcs:        after.NumGC - before.NumGC,
		cpuPerOp:   (rusageCPU(cpu1) - rusageCPU(cpu0)) / time.Duration(st.updates),
		walPerOp:   float64(wal1-wal0) / float64(st.updates),
	}, nil
}

func rusageCPU(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// walLSN is the server's current WAL insert position, in bytes; the
// difference over a run is the WAL it wrote (checkpoints and other sessions'
// writes included).
func walLSN(ctx context.Context, db *postgres.DB) (int64, error) {
	var n int64
	err := db.GetContext(ctx, &n, `SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn`)
	return n, err
}

type driveStats struct {
	updates int64
	elapsed time.Duration
	latency time.Duration // sum
}

// drive runs clients writers for d: writer w owns reports w, w+clients,
// w+2·clients… and updates them round-robin, one at a time. The first error
// stops every writer.
func drive(ctx context.Context, clients int, d time.Duration, fx *fixture, do updateFn) (driveStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		st       driveStats
		firstErr error
	)
	start := time.Now()
	deadline := start.Add(d)
	var last atomic.Int64 // end of the last update, ns since start
	for w := range clients {
		var own []*target
		for i := w; i < len(fx.reports); i += clients {
			own = append(own, fx.reports[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int64
			var lat time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if t0.After(deadline) {
					break
				}
				if err := do(ctx, own[i%len(own)]); err != nil {
					mu.Lock()
					if firstErr == nil && ctx.Err() == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					break
				}
				t1 := time.Now()
				lat += t1.Sub(t0)
				n++
				end := int64(t1.Sub(start))
				for {
					cur := last.Load()
					if end <= cur || last.CompareAndSwap(cur, end) {
						break
					}
				}
			}
			mu.Lock()
			st.updates += n
			st.latency += lat
			mu.Unlock()
		}()
	}
	wg.Wait()
	st.elapsed = time.Duration(last.Load())
	if firstErr == nil {
		firstErr = ctx.Err() // only the caller's context can be done here: interrupted
	}
	return st, firstErr
}

package scheduler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	reportsvc "github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/scheduler"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// clock is a controllable database clock (postgres.DB.Now).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

var start = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

// env is a database with a clock, and a content service over it.
type env struct {
	dsn   string
	clock *clock
	db    *postgres.DB
	svc   *reportsvc.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{dsn: pgtest.NewDSN(t), clock: &clock{t: start}}
	e.db, e.svc = e.open(t)
	return e
}

// open opens another connection pool to the env's database, with its
// clock, and a content service over it.
func (e *env) open(t *testing.T) (*postgres.DB, *reportsvc.Service) {
	t.Helper()
	x, err := sqlx.Connect("postgres", e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	db := postgres.Wrap(x)
	db.Now = e.clock.Now
	return db, reportsvc.New(db)
}

func system(t *testing.T) context.Context { return auth.WithViewer(t.Context(), auth.System()) }

// scheduled creates an approved report and schedules it at at; it returns its ID.
func (e *env) scheduled(t *testing.T, title string, at time.Time) int64 {
	t.Helper()
	ctx := system(t)
	saved, err := e.svc.CreateReport(ctx, reportsvc.CreateReportInput{Title: title, SourceLocale: "en", Body: "Body of " + title, Status: editorial.Approved})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Schedule(ctx, saved.Report.ID, saved.Report.Version, at, "Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	return saved.Report.ID
}

func (e *env) status(t *testing.T, id int64) editorial.Status {
	t.Helper()
	var s editorial.Status
	if err := e.db.GetContext(context.Background(), &s, `SELECT status FROM reports WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return s
}

// count runs a count query.
func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.GetContext(context.Background(), &n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls cond until it holds or the (generous) deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logBuffer collects JSON log lines; safe for concurrent use. When up is
// set, it is closed once the log says the server is listening.
type logBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	up   chan struct{}
	seen bool
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	if b.up != nil && !b.seen && strings.Contains(b.buf.String(), `"msg":"listening"`) {
		b.seen = true
		close(b.up)
	}
	return n, err
}

func (b *logBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// records returns the log records whose msg is msg.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	data := b.String()
	var out []map[string]any
	for _, line := range strings.Split(data, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// run starts w in the background; the returned function stops it and
// checks that Run returned nil.
func run(t *testing.T, w *scheduler.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return 10 s after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// A job is published once it is due, and not a moment before.
func TestPublishesWhenDueNotBefore(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var logs logBuffer
	at := start.Add(10 * time.Minute)
	id := e.scheduled(t, "Due at ten past", at)
	stop := run(t, scheduler.New(e.db, e.svc, logs.logger(), scheduler.Options{PollInterval: 10 * time.Millisecond}))

	e.clock.Set(at.Add(-time.Millisecond))
	// Many rounds run in this time; none may publish early.
	time.Sleep(300 * time.Millisecond)
	if s := e.status(t, id); s != editorial.Scheduled {
		t.Fatalf("published before it was due: %s", s)
	}
	e.clock.Set(at)
	waitFor(t, "the report to be published", 10*time.Second, func() bool { return e.status(t, id) == editorial.Published })
	stop()

	if n := e.count(t, `SELECT count(*) FROM publish_jobs`); n != 0 {
		t.Errorf("%d jobs left", n)
	}
	var publishedAt time.Time
	if err := e.db.GetContext(context.Background(), &publishedAt, `SELECT published_at FROM report_publications WHERE report_id = $1`, id); err != nil || !publishedAt.Equal(at) {
		t.Errorf("published at %s (%v), want %s", publishedAt, err, at)
	}
	if recs := logs.records(t, "scheduled report published"); len(recs) != 1 || recs[0]["report"] != float64(id) {
		t.Errorf("publish log records: %v", recs)
	}
	if recs := logs.records(t, "publish job is late"); len(recs) != 0 {
		t.Errorf("an on-time job was logged late: %v", recs)
	}
}

// Workers with their own connection pools, racing over 50 due jobs,
// publish each report exactly once.
func TestCompetingWorkersPublishEachReportOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const reports, workers = 50, 4
	ids := make([]int64, reports)
	for i := range ids {
		ids[i] = e.scheduled(t, fmt.Sprintf("Report %d", i), start.Add(time.Minute))
	}
	e.clock.Set(start.Add(time.Minute))
	logs := make([]*logBuffer, workers)
	stops := make([]func(), workers)
	for i := range workers {
		db, svc := e.open(t)
		logs[i] = &logBuffer{}
		stops[i] = run(t, scheduler.New(db, svc, logs[i].logger(), scheduler.Options{PollInterval: 5 * time.Millisecond, Batch: 3}))
	}
	waitFor(t, "every job to run", 30*time.Second, func() bool {
		return e.count(t, `SELECT count(*) FROM publish_jobs`) == 0
	})
	// A worker logs a publication after its transaction commits: stop the
	// workers (each returns from Run) before counting their logs.
	for _, stop := range stops {
		stop()
	}
	total := 0
	for i, l := range logs {
		n := len(l.records(t, "scheduled report published"))
		t.Logf("worker %d published %d reports", i, n)
		total += n
	}
	if total != reports {
		t.Errorf("the workers logged %d publications, want %d", total, reports)
	}
	type row struct {
		ID        int64  `db:"id"`
		Status    string `db:"status"`
		Publishes int    `db:"publishes"`
		Revisions int    `db:"revisions"`
		Pubs      int    `db:"pubs"`
	}
	var rows []row
	err := e.db.SelectContext(context.Background(), &rows, `
		SELECT r.id, r.status,
			(SELECT count(*) FROM audit_log a WHERE a.report_id = r.id AND a.action = 'report.publish') AS publishes,
			(SELECT count(*) FROM report_revisions v WHERE v.report_id = r.id) AS revisions,
			(SELECT count(*) FROM report_publications p WHERE p.report_id = r.id) AS pubs
		FROM reports r ORDER BY r.id`)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != reports {
		t.Fatalf("%d reports", len(rows))
	}
	for _, r := range rows {
		// create, schedule, publish
		if r.Status != "PUBLISHED" || r.Publishes != 1 || r.Revisions != 3 || r.Pubs != 1 {
			t.Errorf("report %d: %s, %d publish entries, %d revisions, %d publications", r.ID, r.Status, r.Publishes, r.Revisions, r.Pubs)
		}
	}
}

// A job that came due while no worker ran is published as soon as a worker
// starts, and logged as late.
func TestMissedJobPublishedAtNextStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := start.Add(time.Minute)
	id := e.scheduled(t, "Missed while down", at)
	e.clock.Set(at.Add(time.Hour)) // every instance was down for an hour
	var logs logBuffer
	// A long poll interval: only the round at start can publish it in time.
	run(t, scheduler.New(e.db, e.svc, logs.logger(), scheduler.Options{PollInterval: time.Hour}))
	waitFor(t, "the missed job to run", 10*time.Second, func() bool { return e.status(t, id) == editorial.Published })
	waitFor(t, "the log", 5*time.Second, func() bool { return len(logs.records(t, "publish job is late")) > 0 })
	recs := logs.records(t, "publish job is late")
	if len(recs) != 1 || recs[0]["level"] != "WARN" || recs[0]["report"] != float64(id) || recs[0]["lateMs"] != float64(time.Hour.Milliseconds()) {
		t.Fatalf("late records: %v", recs)
	}
	var detail string
	if err := e.db.GetContext(context.Background(), &detail, `SELECT detail::text FROM audit_log WHERE report_id = $1 AND action = 'report.publish'`, id); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, `"lateMs": 3600000`) {
		t.Errorf("publish audit detail: %s", detail)
	}
}

// Jobs of a report that is archived or whose schedule is cancelled are
// gone; a report moved to another state by hand is refused and its job
// dropped, and the worker carries on with the others.
func TestWorkerSkipsWhatIsNoLongerScheduled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := system(t)
	at := start.Add(time.Minute)
	cancelled, archived, ok := e.scheduled(t, "Cancelled", at), e.scheduled(t, "Archived", at), e.scheduled(t, "Fine", at)
	if _, err := e.svc.CancelSchedule(ctx, cancelled, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeleteReport(ctx, archived, 2); err != nil {
		t.Fatal(err)
	}
	// A job left behind for a report that is a draft again (written by hand).
	broken := e.scheduled(t, "Broken", at)
	if _, err := e.db.ExecContext(context.Background(), `UPDATE reports SET status = 'DRAFT' WHERE id = $1`, broken); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at)
	var logs logBuffer
	w := scheduler.New(e.db, e.svc, logs.logger(), scheduler.Options{})
	if n, err := w.RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("RunOnce = %d, %v; want the 2 remaining jobs", n, err)
	}
	got := map[int64]editorial.Status{cancelled: e.status(t, cancelled), archived: e.status(t, archived), ok: e.status(t, ok), broken: e.status(t, broken)}
	want := map[int64]editorial.Status{cancelled: editorial.Approved, archived: editorial.Archived, ok: editorial.Published, broken: editorial.Draft}
	for id := range want {
		if got[id] != want[id] {
			t.Errorf("report %d: %s, want %s", id, got[id], want[id])
		}
	}
	if n := e.count(t, `SELECT count(*) FROM publish_jobs`); n != 0 {
		t.Errorf("%d jobs left", n)
	}
	if recs := logs.records(t, "scheduled publish refused; job dropped"); len(recs) != 1 || recs[0]["report"] != float64(broken) {
		t.Errorf("refusal log: %v", recs)
	}
}

// Two copydesk server processes against one database publish each
// scheduled report exactly once (and one started without its scheduler
// publishes none).
func TestTwoServerProcessesPublishOnce(t *testing.T) {
	t.Parallel()
	bin := buildCopydesk(t)
	e := newEnv(t)
	e.clock = nil
	e.db.Now = time.Now // the servers use the real clock

	type proc struct {
		cmd  *exec.Cmd
		logs *logBuffer
	}
	// Two servers with the worker, and a third one an operator started
	// with COPYDESK_NO_SCHEDULER, which must publish nothing.
	procs := make([]*proc, 3)
	for i := range procs {
		p := &proc{logs: &logBuffer{up: make(chan struct{})}}
		p.cmd = exec.Command(bin, "serve", "--database-url", e.dsn, "--addr", "127.0.0.1:0", "--demo", "never",
			"--log-format", "json", "--log-level", "debug")
		p.cmd.Env = append(os.Environ(), "COPYDESK_NO_SCHEDULER=", "DATABASE_URL=")
		if i == 2 {
			p.cmd.Env = append(p.cmd.Env, "COPYDESK_NO_SCHEDULER=1")
		}
		p.cmd.Stderr = p.logs
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stopProcess(t, p.cmd) })
		procs[i] = p
	}
	for i, p := range procs {
		select {
		case <-p.logs.up:
		case <-time.After(60 * time.Second):
			t.Fatalf("server %d did not start in 60 s; its log:\n%s", i, p.logs.String())
		}
	}

	const reports = 60
	ctx := system(t)
	ids := make([]int64, reports)
	for i := range ids {
		saved, err := e.svc.CreateReport(ctx, reportsvc.CreateReportInput{Title: fmt.Sprintf("Two servers %d", i), SourceLocale: "en", Status: editorial.Approved})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = saved.Report.ID
	}
	// Scheduled an hour ahead (scheduling 60 reports can take seconds on a
	// loaded machine), then all made due at one instant, while both
	// servers poll.
	later := time.Now().Add(time.Hour)
	for _, id := range ids {
		if _, err := e.svc.Schedule(ctx, id, 1, later, "Asia/Tokyo"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.db.ExecContext(context.Background(), `UPDATE publish_jobs SET run_at = now() + interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both servers to publish every report", 30*time.Second, func() bool {
		return e.count(t, `SELECT count(*) FROM reports WHERE status = 'PUBLISHED'`) == reports
	})
	// Each server logs a publication after its transaction commits, and
	// its stderr reaches us through a pipe: wait for the lines too.
	logged := func() int {
		n := 0
		for _, p := range procs {
			n += len(p.logs.records(t, "scheduled report published"))
		}
		return n
	}
	waitFor(t, "every publication to be logged", 10*time.Second, func() bool { return logged() >= reports })
	time.Sleep(time.Second) // a second publish, if there were one, would show by now

	total := 0
	for i, p := range procs {
		n := len(p.logs.records(t, "scheduled report published"))
		t.Logf("server %d published %d reports", i, n)
		total += n
		if i == 2 && n != 0 {
			t.Errorf("the server without a scheduler published %d reports", n)
		}
	}
	if total != reports {
		t.Errorf("the servers logged %d publications, want %d", total, reports)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'report.publish'`); n != reports {
		t.Errorf("%d publish audit entries, want %d", n, reports)
	}
	if n := e.count(t, `SELECT count(*) FROM (SELECT report_id FROM audit_log WHERE action = 'report.publish' GROUP BY report_id HAVING count(*) <> 1) x`); n != 0 {
		t.Errorf("%d reports were not published exactly once", n)
	}
	if n := e.count(t, `SELECT count(*) FROM report_revisions`); n != 3*reports {
		t.Errorf("%d revisions, want %d (create, schedule, publish each)", n, 3*reports)
	}
	if n := e.count(t, `SELECT count(*) FROM publish_jobs`); n != 0 {
		t.Errorf("%d jobs left", n)
	}
}

// buildCopydesk builds the copydesk binary once for the test, or skips it
// when it cannot be built.
func buildCopydesk(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		t.Skipf("skipping: cannot find the module to build the copydesk binary (go env GOMOD: %v)", err)
	}
	bin := filepath.Join(t.TempDir(), "copydesk")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/copydesk")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("skipping: the copydesk binary cannot be built: %v\n%s", err, out)
	}
	return bin
}

// stopProcess interrupts cmd and waits for it, killing it if it does not
// stop in 20 s.
func stopProcess(t *testing.T, cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Errorf("copydesk (pid %d) did not stop on SIGINT; killing it", cmd.Process.Pid)
		_ = cmd.Process.Kill()
		<-done
	}
}

// OnJob hears of each job a round handled, with its outcome and how late
// it was claimed by the database clock.
func TestOnJobReportsOutcomeAndLateness(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := start.Add(time.Minute)
	published := e.scheduled(t, "On time, more or less", at)
	broken := e.scheduled(t, "Broken", at.Add(30*time.Second))
	if _, err := e.db.ExecContext(context.Background(), `UPDATE reports SET status = 'DRAFT' WHERE id = $1`, broken); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at.Add(90 * time.Second))
	type job struct {
		outcome string
		late    time.Duration
	}
	var got []job
	w := scheduler.New(e.db, e.svc, nil, scheduler.Options{OnJob: func(o string, late time.Duration) { got = append(got, job{o, late}) }})
	if n, err := w.RunOnce(t.Context()); err != nil || n != 2 {
		t.Fatalf("RunOnce = %d, %v; want 2 jobs", n, err)
	}
	want := []job{{scheduler.JobPublished, 90 * time.Second}, {scheduler.JobDropped, time.Minute}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("OnJob heard %v, want %v (report %d then %d)", got, want, published, broken)
	}
}

package pgembed

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testDir returns a fresh directory for a data dir. It is not t.TempDir():
// that one sits in a 0700 parent the postgres user cannot reach when the
// tests run as root.
func testDir(t *testing.T) string {
	t.Helper()
	parent, err := os.MkdirTemp("", "pgembed-test-*")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	return filepath.Join(parent, "data")
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	opts.Fast = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("Start took %s", time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() { c.Stop() })
	return c
}

func selectOne(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("select 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("select 1 on %s: %v (%d)", dsn, err, n)
	}
}

func TestFindBinDir(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	major, err := binMajorVersion(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("found PostgreSQL %d in %s", major, dir)

	// With nothing on PATH and nothing under the glob, the error says what to install.
	t.Setenv("PATH", t.TempDir())
	old := debianBinGlob
	debianBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	defer func() { debianBinGlob = old }()
	_, err = FindBinDir()
	if err == nil || err.Error() != installHint || !errors.Is(err, ErrNotFound) {
		t.Fatalf("FindBinDir with no binaries: %v", err)
	}
}

// TestStartStopRestart covers the first start (initdb), a query, Stop, and a
// restart on the same directory, which must reuse cluster and password.
func TestStartStopRestart(t *testing.T) {
	dir := testDir(t)
	c := start(t, Options{Dir: dir})
	selectOne(t, c.DSN("copydesk"))
	selectOne(t, c.DSN("postgres"))
	if !strings.HasPrefix(c.DSN("x"), "postgres://copydesk:"+c.password+"@127.0.0.1:"+strconv.Itoa(c.Port())+"/x?sslmode=disable") {
		t.Fatalf("unexpected DSN %s", c.DSN("x"))
	}
	pw, err := os.ReadFile(filepath.Join(dir, "password"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "password")); fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(dir, "pg", "PG_VERSION")); err != nil {
		t.Fatal(err)
	} else if os.Geteuid() == 0 && fi.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Errorf("PGDATA is owned by root")
	}
	// Write something that must survive the restart.
	exec1(t, c.DSN("copydesk"), "CREATE TABLE survives (x int); INSERT INTO survives VALUES (42)")
	pid := c.proc.cmd.Process.Pid
	t0 := time.Now()
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop took %s", time.Since(t0).Round(time.Millisecond))
	if processAlive(pid) {
		t.Fatalf("postmaster %d still alive after Stop", pid)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := c.Kill(); err != nil {
		t.Fatalf("Kill after Stop: %v", err)
	}

	c2 := start(t, Options{Dir: dir, Port: c.Port()})
	if c2.password != strings.TrimSpace(string(pw)) {
		t.Fatalf("password changed on restart")
	}
	if c2.Port() != c.Port() {
		t.Fatalf("port %d, want %d", c2.Port(), c.Port())
	}
	var x int
	db, _ := sql.Open("postgres", c2.DSN("copydesk"))
	defer db.Close()
	if err := db.QueryRow("SELECT x FROM survives").Scan(&x); err != nil || x != 42 {
		t.Fatalf("data did not survive restart: %v %d", err, x)
	}
	// Kill (immediate shutdown), then a start that needs crash recovery.
	if err := c2.Kill(); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	c3 := start(t, Options{Dir: dir})
	selectOne(t, c3.DSN("copydesk"))
}

func exec1(t *testing.T, dsn, q string) {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
}

// TestInUse: a second Start on a directory in use fails, whether it races the
// first or comes later; the directory is usable again after Stop.
func TestInUse(t *testing.T) {
	dir := testDir(t)
	type result struct {
		c   *Cluster
		err error
	}
	res := make(chan result, 2)
	for range 2 {
		go func() {
			c, err := Start(context.Background(), Options{Dir: dir, Fast: true, Logger: testLogger(t)})
			res <- result{c, err}
		}()
	}
	var winner *Cluster
	var loserErr error
	for range 2 {
		r := <-res
		if r.err == nil {
			if winner != nil {
				winner.Stop()
				r.c.Stop()
				t.Fatal("both concurrent Starts succeeded")
			}
			winner = r.c
		} else {
			loserErr = r.err
		}
	}
	if winner == nil {
		t.Fatalf("both Starts failed; one error: %v", loserErr)
	}
	defer winner.Stop()
	want := fmt.Sprintf("data dir %s is in use by another copydesk process (pid %d)", dir, os.Getpid())
	if loserErr.Error() != want || !errors.Is(loserErr, ErrInUse) {
		t.Fatalf("got %q, want %q", loserErr, want)
	}
	selectOne(t, winner.DSN("copydesk"))

	if _, err := Start(context.Background(), Options{Dir: dir, Fast: true}); !errors.Is(err, ErrInUse) {
		t.Fatalf("third Start: %v", err)
	}
	if err := winner.Stop(); err != nil {
		t.Fatal(err)
	}
	c := start(t, Options{Dir: dir})
	selectOne(t, c.DSN("copydesk"))
}

// TestOrphanIsStopped: a postgres that outlived the copydesk that started it
// (simulated by dropping the Cluster's lock without stopping postgres) is shut
// down by the next Start, which then starts cleanly.
func TestOrphanIsStopped(t *testing.T) {
	dir := testDir(t)
	c1 := start(t, Options{Dir: dir})
	old := c1.proc
	c1.abandon()

	c2 := start(t, Options{Dir: dir})
	select {
	case <-old.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("orphan postmaster %d still running after the new Start", old.cmd.Process.Pid)
	}
	if c2.proc.cmd.Process.Pid == old.cmd.Process.Pid {
		t.Fatal("new cluster reports the orphan's pid")
	}
	selectOne(t, c2.DSN("copydesk"))
}

// TestHungOrphanIsKilled: an orphan that does not obey SIGQUIT (here: it is
// SIGSTOPped) is SIGKILLed together with its child processes.
func TestHungOrphanIsKilled(t *testing.T) {
	dir := testDir(t)
	c1 := start(t, Options{Dir: dir})
	old := c1.proc
	c1.abandon()
	children := processesIn(filepath.Join(dir, "pg"))
	if len(children) < 3 {
		t.Fatalf("expected postmaster and its children in the data dir, found pids %v", children)
	}
	if err := old.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	orphanGrace = 300 * time.Millisecond
	defer func() { orphanGrace = 10 * time.Second }()

	c2 := start(t, Options{Dir: dir})
	select {
	case <-old.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("hung orphan %d still running", old.cmd.Process.Pid)
	}
	for _, pid := range children {
		if processAlive(pid) {
			t.Errorf("orphan's process %d still alive", pid)
		}
	}
	selectOne(t, c2.DSN("copydesk"))
}

// abandon forgets the running postgres and releases the lock without
// stopping postgres, as if this process had crashed and postgres had not.
func (c *Cluster) abandon() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	c.proc.stopping.Store(true) // no "exited unexpectedly" log
	c.lock.Close()
}

const helperEnv = "PGEMBED_TEST_HELPER_DIR"

// TestHelperProcess is not a test: TestParentDies runs the test binary with
// it to get a copydesk-like process that starts a cluster and then waits to
// be killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestParentDies")
	}
	c, err := Start(context.Background(), Options{Dir: dir, Fast: true})
	if err != nil {
		fmt.Printf("ERROR %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("READY %d %d\n", c.proc.cmd.Process.Pid, c.Port())
	select {} // until SIGKILL
}

// TestParentDies: when the process that started postgres is SIGKILLed, the
// parent-death signal shuts postgres down, the lock is released, and the next
// Start on the directory works.
func TestParentDies(t *testing.T) {
	dir := testDir(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v (%q)", err, line)
	}
	var pgPid, port int
	if _, err := fmt.Sscanf(line, "READY %d %d", &pgPid, &port); err != nil {
		t.Fatalf("helper said %q", line)
	}
	if _, err := Start(context.Background(), Options{Dir: dir, Fast: true}); !errors.Is(err, ErrInUse) ||
		!strings.Contains(err.Error(), fmt.Sprintf("(pid %d)", cmd.Process.Pid)) {
		t.Fatalf("Start while the helper runs: %v", err)
	}

	t0 := time.Now()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if !waitGone(pgPid, 15*time.Second) {
		t.Fatalf("postgres %d survived its parent by 15s", pgPid)
	}
	t.Logf("postgres exited %s after its parent was killed", time.Since(t0).Round(time.Millisecond))
	if b, _ := os.ReadFile(filepath.Join(dir, "postgres.log")); !strings.Contains(string(b), "fast shutdown request") {
		t.Errorf("postgres log shows no fast shutdown:\n%s", b)
	}

	c := start(t, Options{Dir: dir, Port: port})
	selectOne(t, c.DSN("copydesk"))
}

func TestStartFailureShowsLog(t *testing.T) {
	dir := testDir(t)
	c := start(t, Options{Dir: dir})
	port := c.Port()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// Break the configuration: postgres must exit at once and Start must
	// say why, quoting the log.
	conf := filepath.Join(dir, "pg", "postgresql.auto.conf")
	if err := os.WriteFile(conf, []byte("shared_buffers = 'lots'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := chownTree(filepath.Join(dir, "pg"), c.runAs.uid, c.runAs.gid); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	_, err := Start(context.Background(), Options{Dir: dir, Port: port, Fast: true})
	if err == nil || !strings.Contains(err.Error(), "shared_buffers") || !strings.Contains(err.Error(), "exited during startup") {
		t.Fatalf("Start with broken config: %v", err)
	}
	t.Logf("failed in %s with: %v", time.Since(t0).Round(time.Millisecond), err)
}

func TestPortInUse(t *testing.T) {
	dir := testDir(t)
	c := start(t, Options{Dir: dir})
	// A second cluster asking for the same fixed port fails with the bind error.
	dir2 := testDir(t)
	_, err := Start(context.Background(), Options{Dir: dir2, Port: c.Port(), Fast: true})
	if err == nil || !strings.Contains(err.Error(), "could not bind") {
		t.Fatalf("Start on a taken port: %v", err)
	}

	// With Port 0, a chosen port that turns out to be taken is replaced.
	calls := 0
	pickPort = func() (int, error) {
		calls++
		if calls == 1 {
			return c.Port(), nil
		}
		return freePort()
	}
	defer func() { pickPort = freePort }()
	c2 := start(t, Options{Dir: dir2})
	if calls != 2 || c2.Port() == c.Port() {
		t.Fatalf("port picked %d times; port %d (taken: %d)", calls, c2.Port(), c.Port())
	}
	selectOne(t, c2.DSN("copydesk"))
}

func TestUnreachableDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root switches users")
	}
	parent, err := os.MkdirTemp("", "pgembed-private-*") // mode 0700, root's
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(parent)
	_, err = Start(context.Background(), Options{Dir: filepath.Join(parent, "data"), Fast: true})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "/var/tmp") {
		t.Fatalf("Start in an unreachable dir: %v", err)
	}
	t.Log(err)
}

// A replica is a hot standby of its primary: it answers reads, refuses
// writes, follows the primary's changes as they are made, and is reused
// (not copied again) when started again on its directory.
func TestReplicaFollowsThePrimary(t *testing.T) {
	primary := start(t, Options{Dir: testDir(t)})
	defer primary.Stop()
	pdb := openDB(t, primary.DSN("copydesk"))
	if _, err := pdb.Exec(`CREATE TABLE notes (body text); INSERT INTO notes VALUES ('before the copy')`); err != nil {
		t.Fatal(err)
	}
	dir := testDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	replica, err := primary.StartReplica(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("StartReplica: %v", err)
	}
	rdb := openDB(t, replica.DSN("copydesk"))
	var standby bool
	if err := rdb.QueryRow(`SELECT pg_is_in_recovery()`).Scan(&standby); err != nil || !standby {
		t.Fatalf("the replica is in recovery: %v, %v", standby, err)
	}
	waitForNote(t, rdb, "before the copy")
	if _, err := pdb.Exec(`INSERT INTO notes VALUES ('after the copy')`); err != nil {
		t.Fatal(err)
	}
	waitForNote(t, rdb, "after the copy")
	if _, err := rdb.Exec(`INSERT INTO notes VALUES ('on the replica')`); err == nil {
		t.Error("the replica accepted a write")
	}
	rdb.Close()
	if err := replica.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := pdb.Exec(`INSERT INTO notes VALUES ('while it was down')`); err != nil {
		t.Fatal(err)
	}
	replica, err = primary.StartReplica(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("StartReplica again: %v", err)
	}
	defer replica.Stop()
	waitForNote(t, openDB(t, replica.DSN("copydesk")), "while it was down")
}

func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitForNote polls db until notes holds body.
func waitForNote(t *testing.T, db *sql.DB, body string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM notes WHERE body = $1`, body).Scan(&n)
		if err == nil && n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica never showed %q (last: %d rows, %v)", body, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

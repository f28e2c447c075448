package pgembed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startOrJoin(t *testing.T, opts Options) (*Cluster, error) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	opts.Fast = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := StartOrJoin(ctx, opts)
	if err == nil {
		t.Cleanup(func() { c.Stop() })
	}
	return c, err
}

// setVar sets *v to value for the rest of the test.
func setVar[T any](t *testing.T, v *T, value T) {
	old := *v
	*v = value
	t.Cleanup(func() { *v = old })
}

// TestJoinARunningServer: beside a server that holds the data dir,
// StartOrJoin joins the cluster the server runs. What it writes, the
// server's connection sees. It starts and locks nothing: its Stop leaves
// the server's postgres running, and when the server stops its cluster,
// nothing of it runs any more, Lost says so, and the data dir is free.
func TestJoinARunningServer(t *testing.T) {
	dir := testDir(t)
	server := start(t, Options{Dir: dir})
	serverPG := server.proc.cmd.Process.Pid

	cli, err := startOrJoin(t, Options{Dir: dir})
	if err != nil {
		t.Fatalf("StartOrJoin beside a server: %v", err)
	}
	if !cli.Joined() || cli.Port() != server.Port() || cli.DSN("copydesk") != server.DSN("copydesk") {
		t.Fatalf("joined %v, port %d, DSN %s; want the server's port %d and DSN %s",
			cli.Joined(), cli.Port(), cli.DSN("copydesk"), server.Port(), server.DSN("copydesk"))
	}
	exec1(t, cli.DSN("copydesk"), "CREATE TABLE from_the_cli (x int); INSERT INTO from_the_cli VALUES (7)")
	var x int
	if err := openDB(t, server.DSN("copydesk")).QueryRow("SELECT x FROM from_the_cli").Scan(&x); err != nil || x != 7 {
		t.Fatalf("the server does not see the command's write: %d, %v", x, err)
	}
	if err := cli.Lost(); err != nil {
		t.Fatalf("Lost while the server runs: %v", err)
	}

	if err := cli.Stop(); err != nil {
		t.Fatalf("Stop of the joined cluster: %v", err)
	}
	if server.proc.exited() {
		t.Fatal("Stop of the joined cluster stopped the server's postgres")
	}
	if pid, _ := readPostmasterPID(server.pgdata); pid != serverPG {
		t.Fatalf("postmaster.pid names %d, want the server's postgres %d", pid, serverPG)
	}
	selectOne(t, server.DSN("copydesk"))

	if err := server.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := cli.Lost(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("copydesk process %d stopped its database", os.Getpid())) {
		t.Fatalf("Lost after the server stopped: %v", err)
	}
	if pids := processesIn(server.pgdata); len(pids) > 0 {
		t.Fatalf("postgres processes %v run in the data dir after the server stopped its cluster", pids)
	}
	// The data dir is free at once: the command held no lock.
	c := start(t, Options{Dir: dir})
	selectOne(t, c.DSN("copydesk"))
}

// TestLostOnceTheServerBeginsToStop: a command whose connection the
// server's shutdown has just cut learns from Lost that the server is
// stopping its database, before postgres has exited.
func TestLostOnceTheServerBeginsToStop(t *testing.T) {
	dir := testDir(t)
	server := start(t, Options{Dir: dir})
	cli, err := startOrJoin(t, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	beginShutdown(t, server)
	if err := cli.Lost(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("copydesk process %d is stopping its database", os.Getpid())) {
		t.Fatalf("Lost while the server's postgres shuts down: %v", err)
	}
}

// beginShutdown makes the server's postgres begin a shutdown that does not
// end before the test does: a smart shutdown, which waits for a client kept
// connected.
func beginShutdown(t *testing.T, server *Cluster) {
	t.Helper()
	conn, err := openDB(t, server.DSN("copydesk")).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	server.proc.stopping.Store(true)
	if err := server.proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if pm, _ := readPostmasterFile(server.pgdata); pm != nil && pm.status == "stopping" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("postgres did not begin to shut down")
		}
	}
}

// TestJoinWaitsForTheHolderThenStarts: while the holder of the data dir runs
// no postgres (it is starting, or stopping), StartOrJoin waits; once the
// holder lets go of the data dir, it starts the cluster itself, as Start
// does, and its Stop stops it.
func TestJoinWaitsForTheHolderThenStarts(t *testing.T) {
	dir := testDir(t)
	if err := start(t, Options{Dir: dir}).Stop(); err != nil {
		t.Fatal(err)
	}
	holder, err := acquireLock(filepath.Join(dir, lockName))
	if err != nil {
		t.Fatal(err)
	}
	const holding = time.Second
	go func() {
		time.Sleep(holding)
		holder.Close()
	}()
	t0 := time.Now()
	c, err := startOrJoin(t, Options{Dir: dir})
	if err != nil {
		t.Fatalf("StartOrJoin after the holder let go: %v", err)
	}
	if waited := time.Since(t0); waited < holding {
		t.Fatalf("StartOrJoin returned after %s, before the holder let go", waited)
	}
	if c.Joined() {
		t.Fatal("StartOrJoin joined, but nobody else runs the cluster")
	}
	selectOne(t, c.DSN("copydesk"))
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "postmaster.pid")); err == nil {
		t.Fatal("the cluster StartOrJoin started still runs after its Stop")
	}
}

// TestJoinExplainsWhatToDo: when the holder's cluster cannot be joined,
// StartOrJoin waits for it, then fails with an error that matches
// ErrCannotJoin and ErrInUse, names the data dir and the holder, says what
// is wrong and what the operator can do.
func TestJoinExplainsWhatToDo(t *testing.T) {
	me := fmt.Sprintf("copydesk process %d", os.Getpid())
	kill := fmt.Sprintf("kill %d", os.Getpid())
	for _, tc := range []struct {
		name string
		// hold makes dir a data dir held by this process in some state.
		hold func(t *testing.T, dir string)
		want []string
	}{
		{
			name: "the holder runs no postgres",
			hold: func(t *testing.T, dir string) {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				lock, err := acquireLock(filepath.Join(dir, lockName))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { lock.Close() })
			},
			want: []string{"no PostgreSQL runs for it (there is no ", "/pg/postmaster.pid)", "lost its database", kill},
		},
		{
			name: "the holder's postgres was killed",
			hold: func(t *testing.T, dir string) {
				server := start(t, Options{Dir: dir})
				server.proc.stopping.Store(true) // no "exited unexpectedly" in the log
				if err := server.proc.cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				<-server.proc.done
			},
			want: []string{"which is not running: the file is stale", "lost its database", kill, "postgres.log"},
		},
		{
			name: "the holder's postgres does not answer",
			hold: func(t *testing.T, dir string) {
				setVar(t, &joinConnectTimeout, time.Second)
				server := start(t, Options{Dir: dir})
				pid := server.proc.cmd.Process.Pid
				if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) }) // before the Stop of start's cleanup
			},
			want: []string{"does not answer on 127.0.0.1:", "If the server is stuck", kill, "postgres.log"},
		},
		{
			name: "the holder's postgres is shutting down",
			hold: func(t *testing.T, dir string) {
				beginShutdown(t, start(t, Options{Dir: dir}))
			},
			want: []string{"is shutting down", "run the command again once " + me + " has exited", "starts the database itself"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setVar(t, &joinWait, 500*time.Millisecond)
			dir := testDir(t)
			tc.hold(t, dir)
			c, err := startOrJoin(t, Options{Dir: dir})
			if err == nil {
				t.Fatalf("StartOrJoin succeeded (joined: %v)", c.Joined())
			}
			t.Logf("the operator reads:\n%v", err)
			if !errors.Is(err, ErrCannotJoin) || !errors.Is(err, ErrInUse) {
				t.Errorf("the error matches ErrCannotJoin %v, ErrInUse %v; want both", errors.Is(err, ErrCannotJoin), errors.Is(err, ErrInUse))
			}
			for _, s := range append([]string{"data dir " + dir + " is in use by " + me, "(waited "}, tc.want...) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the error lacks %q", s)
				}
			}
		})
	}
}

const joinHelperEnv = "PGEMBED_TEST_JOIN_DIR"

// TestHelperJoin is not a test: TestJoinWithoutAccessSaysWho runs the test
// binary with it, as another user, to call StartOrJoin on a data dir.
func TestHelperJoin(t *testing.T) {
	dir := os.Getenv(joinHelperEnv)
	if dir == "" {
		t.Skip("helper process for TestJoinWithoutAccessSaysWho")
	}
	c, err := StartOrJoin(context.Background(), Options{Dir: dir, Fast: true})
	if err == nil {
		c.Stop()
		fmt.Println("JOINED")
		os.Exit(0)
	}
	fmt.Printf("ErrNoAccess %v\n%v\n", errors.Is(err, ErrNoAccess), err)
	os.Exit(0)
}

// TestJoinWithoutAccessSaysWho: a command run by a user who may not open the
// data dir's files (neither root nor their owner) is told who may.
func TestJoinWithoutAccessSaysWho(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run a process as another user")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	dir := testDir(t)
	start(t, Options{Dir: dir})

	// The test binary may sit where nobody cannot reach it: run a copy.
	bin := filepath.Join(filepath.Dir(dir), "pgembed.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestHelperJoin$")
	cmd.Env = append(os.Environ(), joinHelperEnv+"="+dir)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	t.Logf("the operator reads:\n%s", out)
	for _, s := range []string{"ErrNoAccess true", "cannot use the data dir " + dir + ": open lock file", "permission denied", "Run the command as root or as the owner of " + dir + " (root)."} {
		if !strings.Contains(string(out), s) {
			t.Errorf("the helper's output lacks %q", s)
		}
	}
}

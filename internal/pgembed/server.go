package pgembed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// proc is one postgres child process.
type proc struct {
	cmd      *exec.Cmd
	done     chan struct{} // closed when the process has exited and been reaped
	err      error         // cmd.Wait's result; read only after done is closed
	stopping atomic.Bool   // set when we asked it to exit
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop signals the process, waits up to grace, then escalates to SIGQUIT and
// SIGKILL. It reports an error if the process had already died on its own.
func (p *proc) stop(log *slog.Logger, sig syscall.Signal, grace time.Duration) error {
	if p.exited() && !p.stopping.Load() {
		return fmt.Errorf("postgres had already exited: %v", p.err)
	}
	p.stopping.Store(true)
	steps := []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{sig, grace}, {syscall.SIGQUIT, 10 * time.Second}, {syscall.SIGKILL, 10 * time.Second}}
	if sig == syscall.SIGQUIT {
		steps = steps[1:]
		steps[0].wait = grace
	}
	for i, s := range steps {
		if i > 0 {
			log.Warn("postgres did not exit in time; escalating", "pid", p.cmd.Process.Pid, "signal", s.sig.String())
		}
		_ = p.cmd.Process.Signal(s.sig)
		select {
		case <-p.done:
			return nil
		case <-time.After(s.wait):
		}
	}
	return fmt.Errorf("postgres (pid %d) did not exit after SIGKILL", p.cmd.Process.Pid)
}

// startServer starts postgres and waits until it accepts connections. With
// port 0 it picks a free port, and tries another one if postgres cannot bind.
func (c *Cluster) startServer(ctx context.Context, port int) error {
	logPath := filepath.Join(c.dir, logName)
	for attempt := 1; ; attempt++ {
		c.port = port
		if port == 0 {
			p, err := pickPort()
			if err != nil {
				return err
			}
			c.port = p
		}
		offset := fileSize(logPath)
		t0 := time.Now()
		p, err := c.spawn(logPath)
		if err != nil {
			return err
		}
		err = c.waitReady(ctx, p)
		if err == nil {
			c.proc = p
			c.log.Info("postgres ready", "port", c.port, "pid", p.cmd.Process.Pid, "took", time.Since(t0).Round(time.Millisecond))
			go c.watch(p)
			return nil
		}
		p.stop(c.log, syscall.SIGQUIT, 10*time.Second)
		fresh := readFrom(logPath, offset)
		bindFailed := strings.Contains(fresh, "could not bind") || strings.Contains(fresh, "Address already in use")
		if port == 0 && bindFailed && attempt < portRetries {
			c.log.Warn("postgres could not bind its port; retrying with another", "port", c.port)
			continue
		}
		return fmt.Errorf("%w\nlast lines of %s:\n%s", err, logPath, tail(logPath, 20))
	}
}

// watch logs an unexpected exit of the running postgres.
func (c *Cluster) watch(p *proc) {
	<-p.done
	if !p.stopping.Load() {
		c.log.Error("postgres exited unexpectedly", "pid", p.cmd.Process.Pid, "err", p.err,
			"log", filepath.Join(c.dir, logName))
	}
}

// spawn starts the postmaster with its output appended to logPath.
func (c *Cluster) spawn(logPath string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open postgres log: %w", err)
	}
	defer logf.Close() // the child has its own copy
	if err := c.giveToRunUser(logPath); err != nil {
		return nil, err
	}
	args := []string{
		"-D", c.pgdata,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=",
		"-c", "max_connections=200",
	}
	if c.fast {
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Dir = "/"
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGINT, // we died without Stop: fast shutdown
		Credential: c.runAs.credential(),
	}
	if err := startFromStableThread(cmd); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitReady polls until a connection succeeds, p exits, or readyWait passes.
func (c *Cluster) waitReady(ctx context.Context, p *proc) error {
	db, err := sql.Open("postgres", c.DSN("postgres")+"&connect_timeout=5")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(readyWait)
	for {
		// Ask for the data directory: with a port picked by someone else, a
		// foreign server may answer before ours has failed to bind.
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var dataDir string
		err := db.QueryRowContext(pctx, "SHOW data_directory").Scan(&dataDir)
		cancel()
		if err == nil {
			if dataDir == c.pgdata {
				return nil
			}
			err = fmt.Errorf("port %d is served by another PostgreSQL (data directory %s)", c.port, dataDir)
		}
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && (pqErr.Code == pqerror.InvalidPassword || pqErr.Code == pqerror.InvalidAuthorizationSpecification) {
			// Ours, or a foreign server on the port while ours fails to bind?
			select {
			case <-p.done:
				return fmt.Errorf("postgres exited during startup (%v)", p.err)
			case <-time.After(2 * time.Second):
			}
			return fmt.Errorf("postgres rejects the password in %s: %w", filepath.Join(c.dir, pwName), err)
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited during startup (%v)", p.err)
		case <-ctx.Done():
			return fmt.Errorf("waiting for postgres to start: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %s (last error: %v)", readyWait, err)
		}
	}
}

// pickPort chooses the port when Options.Port is 0 (a variable for tests).
var pickPort = freePort

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readFrom returns the content of path from offset on (at most 1 MiB).
func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(io.NewSectionReader(f, offset, 1<<20), 1<<20))
	return string(b)
}

// tail returns the last n lines of path.
func tail(path string, n int) string {
	size := fileSize(path)
	start := max(size-64<<10, 0)
	s := strings.TrimRight(readFrom(path, start), "\n")
	lines := strings.Split(s, "\n")
	if start > 0 && len(lines) > 1 {
		lines = lines[1:] // probably cut in the middle
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

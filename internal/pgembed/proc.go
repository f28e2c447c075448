package pgembed

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The kernel delivers a child's parent-death signal (Pdeathsig) when the
// *thread* that forked it exits, not the process (https://go.dev/issue/27505).
// The Go runtime does end threads, e.g. when a goroutine that called
// runtime.LockOSThread returns. So postgres is forked from one goroutine that
// is locked to its thread for the life of the process: that thread dies only
// with the process, and then postgres gets its signal.
var spawner struct {
	once sync.Once
	reqs chan spawnReq
}

type spawnReq struct {
	cmd *exec.Cmd
	res chan error
}

// startFromStableThread runs cmd.Start on the dedicated spawner thread. Only
// the fork happens there; Wait and any copying goroutines run anywhere.
func startFromStableThread(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: this goroutine never returns
			for r := range spawner.reqs {
				r.res <- r.cmd.Start()
			}
		}()
	})
	res := make(chan error, 1)
	spawner.reqs <- spawnReq{cmd: cmd, res: res}
	return <-res
}

// acquireLock takes the exclusive flock on path and writes our pid into it.
func acquireLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &inUseError{dir: filepath.Dir(path), pid: lockHolder(path)}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// inUseError is returned when another process holds the data dir lock.
type inUseError struct{ dir, pid string }

func (e *inUseError) Error() string {
	return fmt.Sprintf("data dir %s is in use by another copydesk process (pid %s)", e.dir, e.pid)
}

func (e *inUseError) Is(target error) bool { return target == ErrInUse }

// lockHolder reads the pid the lock holder wrote, or "unknown".
func lockHolder(path string) string {
	// The holder may have locked but not yet written its pid; give it a moment.
	for i := 0; i < 5; i++ {
		b, err := os.ReadFile(path)
		if err == nil {
			if s := strings.TrimSpace(string(b)); s != "" {
				if _, err := strconv.Atoi(s); err == nil {
					return s
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "unknown"
}

// orphanGrace is how long an orphaned postgres gets to obey SIGQUIT before
// it is killed (a variable for tests).
var orphanGrace = 10 * time.Second

// stopOrphan deals with a postmaster.pid left by an earlier run. We hold the
// data dir lock, so no live copydesk owns that postgres: it is an orphan.
func (c *Cluster) stopOrphan() error {
	pid, err := readPostmasterPID(c.pgdata)
	if err != nil {
		return fmt.Errorf("read postmaster.pid: %w", err)
	}
	if pid == 0 || !processAlive(pid) {
		return nil // no file, or a dead pid: postgres handles that itself
	}
	pidFile := filepath.Join(c.pgdata, "postmaster.pid")
	if !isPostmasterOf(pid, c.pgdata) {
		c.log.Warn("postmaster.pid names a live process that is not a postgres for this data dir; removing the stale file",
			"pid", pid, "file", pidFile)
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	c.log.Warn("found an orphaned postgres from an earlier copydesk run; shutting it down (immediate)", "pid", pid, "pgdata", c.pgdata)
	t0 := time.Now()
	if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop orphaned postgres (pid %d) in %s: %w", pid, c.pgdata, err)
	}
	if waitGone(pid, orphanGrace) {
		c.log.Warn("orphaned postgres stopped", "pid", pid, "took", time.Since(t0).Round(time.Millisecond))
		return nil
	}
	c.log.Warn("orphaned postgres ignored SIGQUIT; killing it and its children", "pid", pid, "waited", orphanGrace)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if !waitGone(pid, 5*time.Second) {
		return fmt.Errorf("orphaned postgres (pid %d) in %s survives SIGKILL", pid, c.pgdata)
	}
	// Its backends would notice the postmaster's death, but do not wait for
	// that: two sets of processes on one data dir corrupt it.
	for _, child := range processesIn(c.pgdata) {
		_ = syscall.Kill(child, syscall.SIGKILL)
		waitGone(child, 5*time.Second)
	}
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// processesIn lists live processes whose working directory is dir (postgres
// processes run in their data directory).
func processesIn(dir string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd"); err == nil && cwd == dir && processAlive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// readPostmasterPID returns the pid on the first line of pgdata/postmaster.pid,
// or 0 if there is no such file.
func readPostmasterPID(pgdata string) (int, error) {
	pm, err := readPostmasterFile(pgdata)
	if err != nil || pm == nil || pm.pid <= 0 {
		return 0, err // an unreadable or half-written pid: postgres itself will judge it
	}
	return pm.pid, nil
}

// processAlive reports whether pid is a live (non-zombie) process.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	// Format: pid (comm) state ...; comm may contain spaces and parentheses.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		if st := b[i+2]; st == 'Z' || st == 'X' {
			return false
		}
	}
	return true
}

// isPostmasterOf reports whether pid looks like a postgres serving pgdata:
// the postmaster changes into its data directory, so its cwd is pgdata. If
// the cwd cannot be read, the process name decides.
func isPostmasterOf(pid int, pgdata string) bool {
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
		return cwd == pgdata
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return false
	}
	name := strings.TrimSpace(string(comm))
	return name == "postgres" || name == "postmaster"
}

// waitGone polls until pid is no longer alive or d has passed.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if !processAlive(pid) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// childEnv is our environment without PG* variables, which could change
// what initdb and postgres do.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

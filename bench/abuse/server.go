package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
)

// server is `copydesk serve` running as a child process against the
// benchmark's database, so that its memory can be read from /proc.
type server struct {
	bin, dsn, logPath string
	maxRSS            int64    // bytes; the watchdog kills the process above it
	extra             []string // more serve flags (-serve-flags)

	mu         sync.Mutex
	cmd        *exec.Cmd
	url        string
	token      string        // the bootstrap admin's token, from the first start's stderr
	exited     chan struct{} // closed when the current process has exited
	peak       atomic.Int64  // highest VmRSS sampled since resetPeak
	runPeak    atomic.Int64  // highest VmRSS sampled over the whole run
	killed     atomic.Int64  // times the watchdog killed the server
	errorLines atomic.Int64  // "level":"ERROR" lines the server logged
	restarts   int
	seenKill   int64 // killed when deathCause last looked
	stopWD     context.CancelFunc
}

// deathCause says why the server, no longer alive, exited.
func (s *server) deathCause() string {
	if n := s.killed.Load(); n > s.seenKill {
		s.seenKill = n
		return fmt.Sprintf("killed by the watchdog at RSS > %d MB", s.maxRSS>>20)
	}
	s.mu.Lock()
	st := s.cmd.ProcessState // set before exited was closed
	s.mu.Unlock()
	if st != nil {
		return "exited: " + st.String()
	}
	return "exited"
}

// serveArgs are the flags of every start. Rate limits are off so that the
// benchmark measures what a document costs, not the rate limiter.
func (s *server) serveArgs(addr string) []string {
	return append([]string{"serve", "--addr", addr, "--demo", "always", "--bootstrap-admin",
		"--rate-anonymous", "0", "--rate-token", "0", "--log-format", "json"}, s.extra...)
}

var tokenRE = regexp.MustCompile(`\bcdk_[A-Za-z0-9_-]{43}`)

// start runs the server and waits for /readyz. The first start reads the
// bootstrap admin's token from stderr; later ones (restarts) reuse it.
func (s *server) start(ctx context.Context) error {
	port, err := benchdb.FreePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	mode := os.O_CREATE | os.O_WRONLY | os.O_APPEND // restarts append
	if s.cmd == nil {
		mode |= os.O_TRUNC
	}
	logFile, err := os.OpenFile(s.logPath, mode, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, s.serveArgs(addr)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+s.dsn)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return err
	}
	cmd.Stdout = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	tokenCh := make(chan string, 1)
	exited := make(chan struct{})
	go func() { // copy stderr to the log, picking up the token
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if strings.Contains(line, `"level":"ERROR"`) {
				s.errorLines.Add(1)
			}
			if !sent && !strings.HasPrefix(line, "{") {
				if t := tokenRE.FindString(line); t != "" {
					tokenCh <- t
					sent = true
				}
			}
		}
		_, _ = io.Copy(logFile, stderr)
	}()
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.url, s.exited = cmd, "http://"+addr, exited
	s.mu.Unlock()

	deadline := time.After(90 * time.Second)
	for {
		select {
		case t := <-tokenCh:
			s.token = t
			continue
		case <-exited:
			return fmt.Errorf("copydesk serve exited before it was ready; see %s", s.logPath)
		case <-deadline:
			return errors.New("copydesk serve not ready after 90 s")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
	}
	if s.token == "" { // first start: the token is printed before the listener is up
		select {
		case s.token = <-tokenCh:
		case <-time.After(2 * time.Second): // the database had users (-dsn): the caller makes a token
		}
	}
	wctx, stop := context.WithCancel(ctx)
	s.stopWD = stop
	go s.watch(wctx, cmd.Process.Pid, exited)
	return nil
}

// watch samples VmRSS every 20 ms into peak and runPeak, and kills the
// server when it passes maxRSS (the machine's safety, printed as such).
func (s *server) watch(ctx context.Context, pid int, exited chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-exited:
			return
		case <-t.C:
		}
		rss, _, err := benchdb.MemOf(pid)
		if err != nil {
			continue
		}
		bump(&s.peak, rss)
		bump(&s.runPeak, rss)
		if s.maxRSS > 0 && rss > s.maxRSS {
			s.killed.Add(1)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return
		}
	}
}

func bump(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// alive reports whether the current process still runs.
func (s *server) alive() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

func (s *server) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// restart kills the server (if it still runs) and starts it again on the
// same database; the admin token stays valid.
func (s *server) restart(ctx context.Context) error {
	s.stop(syscall.SIGKILL)
	s.restarts++
	return s.start(ctx)
}

// stop signals the server and waits for it to exit (SIGKILL after 5 s: a
// server left busy by a document would drain for its whole drain timeout).
func (s *server) stop(sig syscall.Signal) {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	if s.stopWD != nil {
		s.stopWD()
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// rss returns the server's VmRSS and VmHWM in bytes (0 when it is not running).
func (s *server) rss() (rss, hwm int64) {
	if !s.alive() {
		return 0, 0
	}
	rss, hwm, _ = benchdb.MemOf(s.pid())
	return rss, hwm
}

// settle waits until the server's CPU use falls below 10% over 300 ms (work
// left behind by a request the client gave up on has finished), at most
// limit; it reports whether it settled.
func (s *server) settle(ctx context.Context, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	const window = 300 * time.Millisecond
	for time.Now().Before(deadline) {
		if !s.alive() {
			return false
		}
		pid := s.pid()
		t0, err := benchdb.CPUTicks(pid)
		if err != nil {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(window):
		}
		t1, err := benchdb.CPUTicks(pid)
		if err != nil {
			return false
		}
		if t1-t0 <= 3 { // ≤ 30 ms of CPU in 300 ms at 100 ticks/s
			return true
		}
	}
	return false
}

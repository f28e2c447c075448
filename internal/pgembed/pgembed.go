// Package pgembed runs a private PostgreSQL server as a child process of
// copydesk, for the server itself (copydesk serve with no database URL) and
// for tests (see package pgtest).
//
// The cluster lives in Options.Dir: PGDATA in Dir/pg, the generated password
// of the "copydesk" superuser in Dir/password, the server log in
// Dir/postgres.log and an flock in Dir/copydesk.lock that keeps two copydesk
// processes from running postgres on one data directory at once. A
// short-lived command may still use the cluster a running copydesk holds:
// StartOrJoin joins it, without the lock, and leaves it to its owner.
//
// postgres is started directly (not through pg_ctl), in its own process
// group, with a parent-death signal of SIGINT: if the copydesk process dies
// without calling Stop, postgres still does a fast shutdown. A postgres left
// behind by a crashed run anyway (for instance one started by an older build)
// is stopped by the next Start on the same directory.
//
// PostgreSQL refuses to run as root; when copydesk runs as root, initdb and
// postgres run as an unprivileged user (Options.User).
package pgembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Names of things in the data directory and in the cluster.
const (
	superuser   = "copydesk" // the cluster's bootstrap superuser
	defaultDB   = "copydesk" // created after the first start
	pgSubdir    = "pg"
	initSubdir  = "pg-init" // initdb works here, then it is renamed to pg
	lockName    = "copydesk.lock"
	pwName      = "password"
	pwTmpName   = "password.tmp"
	initPwName  = ".initdb-pwfile"
	logName     = "postgres.log"
	readyWait   = 60 * time.Second
	portRetries = 3
)

// ErrInUse is matched (errors.Is) by the error Start returns when another
// copydesk process holds the data directory.
var ErrInUse = errors.New("data dir is in use by another copydesk process")

// Options configures Start.
type Options struct {
	// Dir is the copydesk data directory, e.g. ./.copydesk. It is created
	// (mode 0700) if missing. PGDATA lives in Dir/pg. When running as root,
	// User must be able to reach Dir: a Dir that holds nothing but copydesk's
	// files gets User's group and g+x (root:postgres 0710); every parent
	// directory must already be searchable by User.
	Dir string
	// Port is the loopback TCP port postgres listens on; 0 picks a free one.
	Port int
	// BinDir holds the PostgreSQL server binaries; "" means FindBinDir.
	BinDir string
	// User is the unprivileged OS user postgres runs as when copydesk runs as
	// root; "" means "postgres", falling back to "nobody". Ignored when not
	// root: postgres then runs as the current user.
	User string
	// Logger receives progress and warnings; nil discards them.
	Logger *slog.Logger
	// Fast trades durability for speed (fsync, synchronous_commit and
	// full_page_writes off, initdb --no-sync). For tests only, never for the
	// server.
	Fast bool
}

// Cluster is a running PostgreSQL server owned by this process. Call Stop
// when done; if the process exits without it, postgres gets SIGINT from the
// kernel (parent-death signal) and shuts down on its own.
type Cluster struct {
	dir      string // real path of Options.Dir
	pgdata   string
	binDir   string
	port     int
	password string
	fast     bool
	log      *slog.Logger
	runAs    runUser
	lock     *os.File
	proc     *proc
	joined   *joinedCluster // set when another process owns the cluster (StartOrJoin)

	mu      sync.Mutex // serialises Stop/Kill
	stopped bool
	stopErr error
}

// Start starts the PostgreSQL cluster in opts.Dir, creating it with initdb
// on first use, and returns once it accepts connections. On the first start
// it also creates the database "copydesk". ctx bounds only the startup.
// When another copydesk process holds opts.Dir, the error matches ErrInUse;
// StartOrJoin joins that process's cluster instead.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	s, err := newStarter(opts)
	if err != nil {
		return nil, err
	}
	return s.start(ctx)
}

// starter is what Start knows before it takes the data dir: the options,
// checked, and the binaries and user postgres runs with.
type starter struct {
	opts   Options
	log    *slog.Logger
	binDir string
	major  int
	runAs  runUser
}

func newStarter(opts Options) (*starter, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Dir == "" {
		return nil, errors.New("pgembed: Options.Dir is required")
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("pgembed: invalid port %d", opts.Port)
	}
	binDir := opts.BinDir
	if binDir == "" {
		var err error
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	major, err := binMajorVersion(binDir)
	if err != nil {
		return nil, err
	}
	runAs, err := resolveUser(opts.User, log)
	if err != nil {
		return nil, err
	}
	return &starter{opts: opts, log: log, binDir: binDir, major: major, runAs: runAs}, nil
}

// start takes the data dir and starts the cluster in it.
func (s *starter) start(ctx context.Context) (*Cluster, error) {
	dir, created, lock, err := lockDataDir(s.opts.Dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir:    dir,
		pgdata: filepath.Join(dir, pgSubdir),
		binDir: s.binDir,
		fast:   s.opts.Fast,
		log:    s.log,
		runAs:  s.runAs,
		lock:   lock,
	}
	ok := false
	defer func() {
		if !ok {
			lock.Close()
		}
	}()

	if err := c.prepare(ctx, s.major, created); err != nil {
		return nil, err
	}
	if err := c.startServer(ctx, s.opts.Port); err != nil {
		return nil, err
	}
	if err := c.ensureDatabase(ctx); err != nil {
		c.proc.stop(c.log, syscall.SIGQUIT, 10*time.Second)
		return nil, err
	}
	ok = true
	return c, nil
}

// DSN returns a lib/pq URL for database dbname as the copydesk superuser:
// postgres://copydesk:PASSWORD@127.0.0.1:PORT/dbname?sslmode=disable.
func (c *Cluster) DSN(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port postgres listens on (on 127.0.0.1).
func (c *Cluster) Port() int { return c.port }

// Stop shuts postgres down the "fast" way (SIGINT: roll back open
// transactions, checkpoint, exit), waits for it to exit and releases the
// data directory. On a joined cluster (StartOrJoin) it does nothing: the
// process holding the data directory owns postgres. If postgres does not exit within a minute it is shut down
// immediately, then killed. Stop is idempotent and safe for concurrent use;
// calling it (or Kill) again returns the first result.
func (c *Cluster) Stop() error {
	return c.shutdown(syscall.SIGINT, time.Minute)
}

// Kill shuts postgres down the "immediate" way (SIGQUIT: no checkpoint, the
// next start runs crash recovery), waits for it to exit and releases the
// data directory. It is meant for tests of crash behaviour. Like Stop, it is
// idempotent, and does nothing on a joined cluster.
func (c *Cluster) Kill() error {
	return c.shutdown(syscall.SIGQUIT, 10*time.Second)
}

func (c *Cluster) shutdown(sig syscall.Signal, grace time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return c.stopErr
	}
	c.stopped = true
	if c.joined != nil {
		c.log.Debug("leaving the PostgreSQL of the copydesk process holding the data dir running",
			"dir", c.dir, "holder_pid", c.joined.holder, "postgres_pid", c.joined.postmaster)
		return nil
	}
	t0 := time.Now()
	c.stopErr = c.proc.stop(c.log, sig, grace)
	c.lock.Close()
	c.log.Info("postgres stopped", "signal", sig.String(), "took", time.Since(t0).Round(time.Millisecond))
	return c.stopErr
}

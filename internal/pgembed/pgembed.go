// Package pgembed runs a private PostgreSQL server as a child process of
// copydesk, for the server itself (copydesk serve with no database URL) and
// for tests (see package pgtest).
//
// The cluster lives in Options.Dir: PGDATA in Dir/pg, the generated password
// of the "copydesk" superuser in Dir/password, the server log in
// Dir/postgres.log and an flock in Dir/copydesk.lock that keeps two copydesk
// processes from using one data directory at once.
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
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
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

	mu      sync.Mutex // serialises Stop/Kill
	stopped bool
	stopErr error
}

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

// runUser is who initdb and postgres run as.
type runUser struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
	// switchTo is true when we are root and must switch to this user.
	switchTo bool
}

func (u runUser) credential() *syscall.Credential {
	if !u.switchTo {
		return nil
	}
	return &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: u.groups}
}

// Start starts the PostgreSQL cluster in opts.Dir, creating it with initdb
// on first use, and returns once it accepts connections. On the first start
// it also creates the database "copydesk". ctx bounds only the startup.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
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

	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	created, err := ensureDir(dir)
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return nil, err
	}
	lock, err := acquireLock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir:    dir,
		pgdata: filepath.Join(dir, pgSubdir),
		binDir: binDir,
		fast:   opts.Fast,
		log:    log,
		runAs:  runAs,
		lock:   lock,
	}
	ok := false
	defer func() {
		if !ok {
			lock.Close()
		}
	}()

	if runAs.switchTo {
		if err := c.grantDirAccess(created); err != nil {
			return nil, err
		}
	}
	if err := c.stopOrphan(); err != nil {
		return nil, err
	}
	if err := c.ensureCluster(ctx, major); err != nil {
		return nil, err
	}
	if runAs.switchTo {
		if err := chownTree(c.pgdata, runAs.uid, runAs.gid); err != nil {
			return nil, fmt.Errorf("give %s to user %s: %w", c.pgdata, runAs.name, err)
		}
	}
	if err := c.startServer(ctx, opts.Port); err != nil {
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
// data directory. If postgres does not exit within a minute it is shut down
// immediately, then killed. Stop is idempotent and safe for concurrent use;
// calling it (or Kill) again returns the first result.
func (c *Cluster) Stop() error {
	return c.shutdown(syscall.SIGINT, time.Minute)
}

// Kill shuts postgres down the "immediate" way (SIGQUIT: no checkpoint, the
// next start runs crash recovery), waits for it to exit and releases the
// data directory. It is meant for tests of crash behaviour. Like Stop, it is
// idempotent.
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
	t0 := time.Now()
	c.stopErr = c.proc.stop(c.log, sig, grace)
	c.lock.Close()
	c.log.Info("postgres stopped", "signal", sig.String(), "took", time.Since(t0).Round(time.Millisecond))
	return c.stopErr
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

// resolveUser decides who runs initdb and postgres.
func resolveUser(name string, log *slog.Logger) (runUser, error) {
	if os.Geteuid() != 0 {
		if name != "" {
			log.Debug("not running as root: ignoring Options.User; postgres runs as the current user", "user", name)
		}
		return runUser{uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	var u *user.User
	var err error
	if name != "" {
		if u, err = user.Lookup(name); err != nil {
			return runUser{}, fmt.Errorf("look up user %q to run postgres as: %w", name, err)
		}
	} else {
		if u, err = user.Lookup("postgres"); err != nil {
			if u, err = user.Lookup("nobody"); err != nil {
				return runUser{}, errors.New(`running as root, but neither a "postgres" nor a "nobody" user exists to run postgres as (postgres refuses to run as root)`)
			}
		}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runUser{}, fmt.Errorf("user %s has a non-numeric uid/gid", u.Username)
	}
	if uid == 0 {
		return runUser{}, fmt.Errorf("user %s has uid 0: postgres refuses to run as root; choose an unprivileged user", u.Username)
	}
	ru := runUser{name: u.Username, uid: uint32(uid), gid: uint32(gid), switchTo: true}
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				ru.groups = append(ru.groups, uint32(n))
			}
		}
	}
	return ru, nil
}

// ensureDir creates dir (mode 0700; missing parents 0755) and reports
// whether it did.
func ensureDir(dir string) (bool, error) {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return false, fmt.Errorf("data dir %s exists and is not a directory", dir)
		}
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return false, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("create data dir: %w", err)
	}
	return true, nil
}

// ourFiles are the only names Start puts in the data directory.
var ourFiles = map[string]bool{
	lockName: true, pwName: true, pwTmpName: true, initPwName: true,
	pgSubdir: true, initSubdir: true, logName: true,
}

// grantDirAccess makes sure the postgres user can reach c.dir. If the
// directory is ours (just created, or holding nothing but our files) and the
// user cannot search it, its group becomes the user's group with g+x (so a
// fresh directory ends up root:postgres 0710). Every parent must already be
// searchable.
func (c *Cluster) grantDirAccess(created bool) error {
	u := c.runAs
	fi, err := os.Stat(c.dir)
	if err != nil {
		return err
	}
	if !canSearch(fi, u) {
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) == os.Geteuid() && (created || onlyOurFiles(c.dir)) {
			if err := os.Chown(c.dir, -1, int(u.gid)); err != nil {
				return fmt.Errorf("give group of %s to %s: %w", c.dir, u.name, err)
			}
			if err := os.Chmod(c.dir, fi.Mode().Perm()|0o010); err != nil {
				return err
			}
			c.log.Debug("made the data dir searchable by the postgres user", "dir", c.dir, "user", u.name)
		}
	}
	for p := c.dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !canSearch(fi, u) {
			return fmt.Errorf("the %s user (uid %d) cannot reach %s (no search permission on %s): choose a --data-dir it can reach, e.g. under /var/tmp",
				u.name, u.uid, c.dir, p)
		}
		if p == "/" || p == filepath.Dir(p) {
			return nil
		}
	}
}

// canSearch applies the permission bits of a directory to u (ACLs are not
// considered).
func canSearch(fi fs.FileInfo, u runUser) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	if st.Uid == u.uid {
		return perm&0o100 != 0
	}
	inGroup := st.Gid == u.gid
	for _, g := range u.groups {
		inGroup = inGroup || g == st.Gid
	}
	if inGroup {
		return perm&0o010 != 0
	}
	return perm&0o001 != 0
}

func onlyOurFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !ourFiles[e.Name()] {
			return false
		}
	}
	return true
}

// chownTree gives every file under root that is not already uid:gid to uid:gid.
func chownTree(root string, uid, gid uint32) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // postgres temp files come and go
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == uid && st.Gid == gid {
			return nil
		}
		if err := os.Lchown(path, int(uid), int(gid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
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

// ensureCluster reuses the cluster in c.pgdata, or creates one with initdb.
func (c *Cluster) ensureCluster(ctx context.Context, major int) error {
	verFile := filepath.Join(c.pgdata, "PG_VERSION")
	if b, err := os.ReadFile(verFile); err == nil {
		have := strings.TrimSpace(string(b))
		if have != strconv.Itoa(major) {
			return fmt.Errorf("%s holds a PostgreSQL %s cluster but the binaries in %s are PostgreSQL %d: use PostgreSQL %s binaries (Options.BinDir) or upgrade the cluster with pg_upgrade",
				c.pgdata, have, c.binDir, major, have)
		}
		pw, err := os.ReadFile(filepath.Join(c.dir, pwName))
		if err != nil {
			return fmt.Errorf("cluster %s exists but its password file is unreadable: %w", c.pgdata, err)
		}
		c.password = strings.TrimSpace(string(pw))
		if c.password == "" {
			return fmt.Errorf("password file %s is empty", filepath.Join(c.dir, pwName))
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if ents, err := os.ReadDir(c.pgdata); err == nil {
		if len(ents) > 0 {
			return fmt.Errorf("%s exists but is not a PostgreSQL data directory (no PG_VERSION): move it away", c.pgdata)
		}
		if err := os.Remove(c.pgdata); err != nil {
			return err
		}
	}
	return c.initdb(ctx)
}

// initdb creates a new cluster in a scratch directory, writes the password
// file, then renames the scratch directory to c.pgdata, so that c.pgdata
// exists only once it is complete.
func (c *Cluster) initdb(ctx context.Context) error {
	initDir := filepath.Join(c.dir, initSubdir)
	if err := os.RemoveAll(initDir); err != nil {
		return err
	}
	if err := os.Mkdir(initDir, 0o700); err != nil {
		return err
	}
	if err := c.giveToRunUser(initDir); err != nil {
		return err
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	password := hex.EncodeToString(raw[:])

	pwfile := filepath.Join(c.dir, initPwName)
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := c.giveToRunUser(pwfile); err != nil {
		return err
	}

	args := []string{
		"-D", initDir,
		"-U", superuser,
		"--auth-local=scram-sha-256",
		"--auth-host=scram-sha-256",
		"--pwfile=" + pwfile,
		"-E", "UTF8",
	}
	if c.fast {
		args = append(args, "--no-sync")
	}
	c.log.Info("creating PostgreSQL cluster (initdb)", "pgdata", c.pgdata)
	t0 := time.Now()
	out, err := c.runTool(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && bytes.Contains(out, []byte("locale")) {
		c.log.Info("locale C.UTF-8 unavailable; retrying initdb with --no-locale")
		if err := os.RemoveAll(initDir); err != nil {
			return err
		}
		if err := os.Mkdir(initDir, 0o700); err != nil {
			return err
		}
		if err := c.giveToRunUser(initDir); err != nil {
			return err
		}
		out, err = c.runTool(ctx, "initdb", append(args, "--no-locale")...)
	}
	if err != nil {
		return fmt.Errorf("initdb failed: %v\n%s", err, bytes.TrimSpace(out))
	}
	c.log.Debug("initdb output", "output", string(out))

	// The password must be on disk before pg/ exists: a cluster without
	// its password would be unusable.
	tmp := filepath.Join(c.dir, pwTmpName)
	if err := os.WriteFile(tmp, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, pwName)); err != nil {
		return err
	}
	if err := os.Rename(initDir, c.pgdata); err != nil {
		return err
	}
	if err := syncFile(c.dir); err != nil {
		return err
	}
	c.password = password
	c.log.Info("PostgreSQL cluster created", "pgdata", c.pgdata, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (c *Cluster) giveToRunUser(path string) error {
	if !c.runAs.switchTo {
		return nil
	}
	return os.Chown(path, int(c.runAs.uid), int(c.runAs.gid))
}

// runTool runs one of the PostgreSQL binaries to completion as the run user.
func (c *Cluster) runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = "/"
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: c.runAs.credential(),
	}
	if err := startFromStableThread(cmd); err != nil {
		return nil, err
	}
	err := cmd.Wait()
	return out.Bytes(), err
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

// ensureDatabase creates the default database if it does not exist yet.
func (c *Cluster) ensureDatabase(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, defaultDB).Scan(&exists); err != nil {
		return fmt.Errorf("check for database %s: %w", defaultDB, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(defaultDB)); err != nil {
		return fmt.Errorf("create database %s: %w", defaultDB, err)
	}
	c.log.Info("created database", "name", defaultDB)
	return nil
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

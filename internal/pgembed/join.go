package pgembed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// ErrCannotJoin is matched (errors.Is) by the error StartOrJoin returns when
// another copydesk process holds the data dir and the cluster it runs cannot
// be used. The error also matches ErrInUse, and its message says what to do.
var ErrCannotJoin = errors.New("data dir is in use and the PostgreSQL of the copydesk process holding it cannot be used")

// ErrNoAccess is matched by the error Start and StartOrJoin return when this
// process may not read or write the data dir's files (it is neither root nor
// their owner). The message says who may.
var ErrNoAccess = errors.New("no access to the data dir")

// How long StartOrJoin waits for the holder's cluster to become usable, and
// how often it looks (variables for tests). The wait covers a server that
// is starting (initdb, crash recovery) or stopping.
// joinConnectTimeout bounds one connection attempt to it.
var (
	joinWait           = 30 * time.Second
	joinPoll           = 200 * time.Millisecond
	joinConnectTimeout = 5 * time.Second
)

// joinedCluster is what a joined Cluster knows of the cluster's owner.
type joinedCluster struct {
	holder     int // pid of the copydesk process holding the data dir; 0 if unknown
	postmaster int // pid of the postgres it runs
}

// StartOrJoin is Start for short-lived commands (copydesk token, user, …)
// that must work beside a copydesk server on the same data dir.
//
// When the data dir is free it is Start: the caller owns the cluster and
// stops it with Stop. When another copydesk process holds the data dir,
// StartOrJoin joins the cluster that process runs instead of failing: it
// reads PGDATA/postmaster.pid (which postgres writes: its pid, port and
// status) and Dir/password, and checks that the postmaster named there is
// alive, runs in this data dir, is the holder's child and is ready, and that
// a connection to its port works and reports this data directory. It
// starts, stops and locks nothing; Stop on the joined cluster does nothing,
// and Lost tells whether the owner has stopped it since.
//
// While the holder's cluster is starting or stopping, StartOrJoin waits for
// it (up to 30s), and if the holder releases the data dir meanwhile, starts
// the cluster itself as Start does. When the cluster cannot be joined, the
// error matches ErrCannotJoin and says what to do.
func StartOrJoin(ctx context.Context, opts Options) (*Cluster, error) {
	s, err := newStarter(opts)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	var state joinState
	for {
		c, err := s.start(ctx)
		var inUse *inUseError
		if !errors.As(err, &inUse) {
			return c, err
		}
		c, err = join(ctx, inUse.dir, s.log)
		var jerr *joinError
		if !errors.As(err, &jerr) {
			return c, err
		}
		waited := time.Since(t0)
		if waited >= joinWait {
			jerr.waited = waited
			return nil, jerr
		}
		if jerr.state != state {
			state = jerr.state
			s.log.Info("the data dir is in use and the database of the copydesk process holding it is not usable yet; waiting",
				"dir", inUse.dir, "holder_pid", jerr.holder, "state", string(state), "reason", jerr.problem,
				"up_to", (joinWait - waited).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the database of %s: %w", holderName(jerr.holder), ctx.Err())
		case <-time.After(joinPoll):
		}
	}
}

// Joined reports whether c is the cluster of another copydesk process,
// joined by StartOrJoin.
func (c *Cluster) Joined() bool { return c.joined != nil }

// Lost returns nil while the postgres c stands for runs, and otherwise an
// error saying it has stopped or is stopping. For a joined cluster, that is
// its owner's doing: a command that failed while Lost is non-nil failed
// because the server stopped its database under it.
func (c *Cluster) Lost() error {
	j := c.joined
	if j == nil {
		if c.proc != nil && c.proc.exited() && !c.proc.stopping.Load() {
			return fmt.Errorf("PostgreSQL (pid %d) exited unexpectedly (see %s)", c.proc.cmd.Process.Pid, filepath.Join(c.dir, logName))
		}
		return nil
	}
	pm, _ := readPostmasterFile(c.pgdata)
	switch {
	case pm == nil || pm.pid != j.postmaster || !processAlive(j.postmaster):
		return fmt.Errorf("%s stopped its database (PostgreSQL pid %d)", holderName(j.holder), j.postmaster)
	case pm.status == "stopping":
		return fmt.Errorf("%s is stopping its database (PostgreSQL pid %d)", holderName(j.holder), j.postmaster)
	}
	return nil
}

// joinState is why the holder's cluster cannot be joined (yet).
type joinState string

const (
	joinStarting     joinState = "starting"
	joinStopping     joinState = "stopping"
	joinNoPostgres   joinState = "no postgres"
	joinNotAnswering joinState = "not answering"
)

// joinError is a reason not to join the holder's cluster now; StartOrJoin
// waits for the next look until joinWait has passed.
type joinError struct {
	dir     string
	holder  int // 0: unknown
	state   joinState
	problem string        // what is wrong, a clause
	err     error         // the underlying cause, if any
	waited  time.Duration // set when StartOrJoin gives up
}

func (e *joinError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data dir %s is in use by %s, and %s", e.dir, holderName(e.holder), e.problem)
	if e.err != nil {
		fmt.Fprintf(&b, ": %v", e.err)
	}
	if e.waited > 0 {
		fmt.Fprintf(&b, " (waited %s)", e.waited.Round(100*time.Millisecond))
	}
	b.WriteString(".\n  ")
	b.WriteString(e.advice())
	return b.String()
}

// advice says what the operator can do about e.
func (e *joinError) advice() string {
	pgLog := filepath.Join(e.dir, logName)
	stop := "stop it"
	if e.holder > 0 {
		stop = fmt.Sprintf("stop it (e.g. kill %d: it shuts down cleanly)", e.holder)
	}
	switch e.state {
	case joinStarting:
		return fmt.Sprintf("Its database is still starting: run the command again in a moment (PostgreSQL's log: %s).", pgLog)
	case joinStopping:
		return fmt.Sprintf("It is shutting its database down: run the command again once %s has exited; the command then starts the database itself.",
			holderName(e.holder))
	case joinNoPostgres:
		return fmt.Sprintf("If it is a copydesk server, it has lost its database (see %s): %s, run the command again, which then starts the database itself, and start the server again.",
			pgLog, stop)
	default:
		return fmt.Sprintf("See PostgreSQL's log, %s. If the server is stuck, %s and run the command again, which then starts the database itself.",
			pgLog, stop)
	}
}

func (e *joinError) Is(target error) bool { return target == ErrCannotJoin || target == ErrInUse }

func (e *joinError) Unwrap() error { return e.err }

func holderName(pid int) string {
	if pid > 0 {
		return fmt.Sprintf("copydesk process %d", pid)
	}
	return "another copydesk process"
}

// join returns the cluster the holder of the locked data dir runs, or why
// it cannot now (a *joinError), or an error that waiting does not cure.
func join(ctx context.Context, dir string, log *slog.Logger) (*Cluster, error) {
	pgdata := filepath.Join(dir, pgSubdir)
	pidFile := filepath.Join(pgdata, "postmaster.pid")
	holder, _ := strconv.Atoi(lockHolder(filepath.Join(dir, lockName)))
	fail := func(state joinState, err error, format string, args ...any) error {
		return &joinError{dir: dir, holder: holder, state: state, problem: fmt.Sprintf(format, args...), err: err}
	}
	pm, err := readPostmasterFile(pgdata)
	if err != nil {
		return nil, noAccess(dir, fmt.Errorf("read %s: %w", pidFile, err))
	}
	if pm == nil {
		return nil, fail(joinNoPostgres, nil, "no PostgreSQL runs for it (there is no %s)", pidFile)
	}
	if pm.pid <= 0 || pm.port <= 0 {
		return nil, fail(joinStarting, nil, "its PostgreSQL is starting (%s is incomplete)", pidFile)
	}
	if !processAlive(pm.pid) {
		return nil, fail(joinNoPostgres, nil, "no PostgreSQL runs for it (%s names pid %d, which is not running: the file is stale)", pidFile, pm.pid)
	}
	if !isPostmasterOf(pm.pid, pgdata) {
		return nil, fail(joinNoPostgres, nil, "no PostgreSQL runs for it (%s names pid %d, which is not a PostgreSQL of this data dir: the file is stale)",
			pidFile, pm.pid)
	}
	if holder > 0 {
		if parent := parentPID(pm.pid); parent != holder {
			return nil, fail(joinNoPostgres, nil, "the PostgreSQL running in it (pid %d) is not that process's own (its parent is pid %d)", pm.pid, parent)
		}
	}
	switch pm.status {
	case "ready", "standby":
	case "stopping":
		return nil, fail(joinStopping, nil, "its PostgreSQL (pid %d) is shutting down", pm.pid)
	default:
		return nil, fail(joinStarting, nil, "its PostgreSQL (pid %d) is starting", pm.pid)
	}
	pwFile := filepath.Join(dir, pwName)
	pw, err := os.ReadFile(pwFile)
	if errors.Is(err, fs.ErrPermission) {
		return nil, noAccess(dir, err)
	} else if err != nil {
		return nil, fmt.Errorf("data dir %s is in use by %s, whose PostgreSQL is running, but its password file is unreadable: %w",
			dir, holderName(holder), err)
	}
	c := &Cluster{
		dir:      dir,
		pgdata:   pgdata,
		port:     pm.port,
		password: strings.TrimSpace(string(pw)),
		log:      log,
		joined:   &joinedCluster{holder: holder, postmaster: pm.pid},
	}
	if c.password == "" {
		return nil, fmt.Errorf("data dir %s is in use by %s, whose PostgreSQL is running, but its password file %s is empty", dir, holderName(holder), pwFile)
	}

	// The last word is the server's: it must answer on the port with this
	// data directory (a port named by a stale file may serve another one).
	db, err := sql.Open("postgres", fmt.Sprintf("%s&connect_timeout=%d", c.DSN(defaultDB), max(1, int(joinConnectTimeout/time.Second))))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	qctx, cancel := context.WithTimeout(ctx, 2*joinConnectTimeout)
	defer cancel()
	var dataDir string
	err = db.QueryRowContext(qctx, "SHOW data_directory").Scan(&dataDir)
	var pqErr *pq.Error
	switch {
	case err == nil && dataDir != pgdata:
		return nil, fail(joinNotAnswering, nil, "port %d, named in %s, is answered by another PostgreSQL (data directory %s)", pm.port, pidFile, dataDir)
	case err == nil:
	case errors.As(err, &pqErr) && pqErr.Code == pqerror.CannotConnectNow:
		return nil, fail(joinStarting, err, "its PostgreSQL (pid %d) does not accept connections now", pm.pid)
	case errors.As(err, &pqErr) && pqErr.Code == pqerror.InvalidCatalogName:
		return nil, fail(joinStarting, nil, "its PostgreSQL has no database %q yet", defaultDB)
	default:
		return nil, fail(joinNotAnswering, err, "its PostgreSQL (pid %d) does not answer on 127.0.0.1:%d", pm.pid, pm.port)
	}
	log.Info("the data dir is in use by another copydesk process: using the PostgreSQL it runs, which it alone starts and stops",
		"dir", dir, "holder_pid", holder, "postgres_pid", pm.pid, "port", pm.port)
	return c, nil
}

// postmasterFile is what PGDATA/postmaster.pid says about the running
// postmaster. PostgreSQL writes it line by line as it starts: pid, data
// directory, start time, port, socket directory, listen address, shared
// memory key, and then its status.
type postmasterFile struct {
	pid     int
	dataDir string
	port    int
	status  string // "starting", "ready", "standby", "stopping"; "" before it is written
}

// readPostmasterFile reads pgdata/postmaster.pid; with no such file it
// returns nil. Fields it cannot parse (a file being written) are zero.
func readPostmasterFile(pgdata string) (*postmasterFile, error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	line := func(n int) string {
		if n <= len(lines) {
			return strings.TrimSpace(lines[n-1])
		}
		return ""
	}
	pm := &postmasterFile{dataDir: line(2), status: line(8)}
	pm.pid, _ = strconv.Atoi(line(1))
	pm.port, _ = strconv.Atoi(line(4))
	return pm, nil
}

// parentPID returns the parent of pid, or 0 if it cannot be read.
func parentPID(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Format: pid (comm) state ppid ...; comm may contain spaces and parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// accessError is a permission error on the data dir's files, with who may
// use them.
type accessError struct {
	dir string
	err error
}

// noAccess turns err into an *accessError when it is a permission error.
func noAccess(dir string, err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return &accessError{dir: dir, err: err}
	}
	return err
}

func (e *accessError) Error() string {
	owner := "its owner"
	if fi, err := os.Stat(e.dir); err == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			owner = "uid " + strconv.FormatUint(uint64(st.Uid), 10)
			if u, err := user.LookupId(owner[len("uid "):]); err == nil {
				owner = u.Username
			}
		}
	}
	return fmt.Sprintf("cannot use the data dir %s: %v\n  Run the command as root or as the owner of %s (%s).", e.dir, e.err, e.dir, owner)
}

func (e *accessError) Is(target error) bool { return target == ErrNoAccess }

func (e *accessError) Unwrap() error { return e.err }

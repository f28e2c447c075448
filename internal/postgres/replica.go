package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// Read replicas.
//
// With Options.Replica.URL set, OpenWith opens a second pool on a
// streaming replica of the database, and the Reader made for the Public
// reads through it (DB.Reader): anonymous and READ_PUBLISHED requests then
// put no load on the primary. Everything else stays on the primary: the
// newsroom reads its own writes there, and transactions, migrations and
// background jobs never see the replica.
//
// The public site must not go down with the replica, nor serve news that
// is minutes old, so a monitor checks the replica every CheckInterval
// (it answers, it is a standby, how far its replay is behind the primary's
// WAL), and while it is unreachable, not a standby, or further behind than
// MaxLag, public reads go to the primary instead, through the same pool
// (its connections are opened to the primary; the replica's are dropped as
// they come back to the pool). A replica that stops answering between two
// checks is noticed by the first connection that fails: a read that lost
// its connection is retried on a new one, which goes to the primary. Each
// move is logged (a warning to the primary, info back to the replica) and
// counted (ReplicaStatus.Fallbacks); public reads return to the replica
// once a check finds it reachable and well within MaxLag (half of it, so
// that a replica hovering at the bound does not flap).

// ReplicaOptions configure the read replica; the zero value has none.
type ReplicaOptions struct {
	// URL is the replica's lib/pq URL or key=value string. Its sessions
	// get the primary's settings (Options), and connect_timeout=5 unless
	// it says otherwise.
	URL string
	// MaxLag: while the replica's data is older than this, public reads go
	// to the primary. 0: no bound (only an unreachable replica, or one that
	// is no standby, is left).
	MaxLag time.Duration
	// CheckInterval is how often the monitor checks the replica (default
	// 1s).
	CheckInterval time.Duration
}

// Why public reads are on the primary: ReplicaStatus.Reason and the keys
// of ReplicaStatus.Fallbacks.
const (
	ReplicaUnreachable = "unreachable" // the replica does not answer
	ReplicaLagging     = "lag"         // its data is older than MaxLag
	ReplicaNotStandby  = "not_standby" // it answers but is not in recovery (promoted, or not a replica)
)

// ReplicaReasons are the values of ReplicaStatus.Reason, in a fixed order.
var ReplicaReasons = []string{ReplicaUnreachable, ReplicaLagging, ReplicaNotStandby}

// ReplicaStatus is what the replica's monitor knows.
type ReplicaStatus struct {
	// Serving is true while public reads go to the replica; when false,
	// Reason says why they go to the primary.
	Serving bool
	Reason  string
	// Up is true when the last check reached the replica and found a
	// standby.
	Up bool
	// Lag is, to about a check interval, how old the replica's data is:
	// it has everything the primary had that long ago (0: everything the
	// primary has flushed). LagBytes is the WAL it has still to replay.
	// Both keep their last values while the primary cannot be checked.
	Lag      time.Duration
	LagBytes int64
	// CheckedAt is the time of the last check.
	CheckedAt time.Time
	// Fallbacks counts the moves of public reads to the primary, by
	// reason (the keys of ReplicaReasons, every one present).
	Fallbacks map[string]int64
}

// ReplicaStatus returns the replica's status; ok is false when db has no
// replica.
func (db *DB) ReplicaStatus() (st ReplicaStatus, ok bool) {
	if db.replica == nil {
		return ReplicaStatus{}, false
	}
	return db.replica.status(), true
}

// ReplicaPool is the pool public reads use when db has a replica (its
// connections go to the replica, or to the primary while it is left), or
// nil. It is for pool statistics; read through DB.Reader.
func (db *DB) ReplicaPool() *sql.DB {
	if db.replica == nil {
		return nil
	}
	return db.replica.db.DB.DB
}

// readDB is the pool a Reader for aud reads through.
func (db *DB) readDB(aud Audience) *DB {
	if aud == Public && db.replica != nil {
		return db.replica.db
	}
	return db
}

// Close closes the pool, and the replica's pools and monitor if db has a
// replica.
func (db *DB) Close() error {
	var err error
	if db.replica != nil {
		err = db.replica.close()
	}
	return errors.Join(err, db.DB.Close())
}

// replica is a primary's read replica: the routed pool public reads use,
// the monitor's own connection to the replica, and what the monitor knows.
type replica struct {
	db      *DB     // the routed pool (replicaConnector)
	probe   *sql.DB // one connection straight to the replica, for checks
	primary *DB
	opts    ReplicaOptions
	log     *slog.Logger
	serving atomic.Bool // mirrors mon.status.Serving, for the connector

	mu  sync.Mutex // guards mon
	mon replicaMonitor

	stop context.CancelFunc
	done chan struct{}
}

// openReplica opens primary's replica: its pools, with opts' session
// settings and sizing, and its monitor, after a first check (so that
// public reads start on the primary if the replica is down: copydesk
// starts without its replica, saying so).
func openReplica(ctx context.Context, primary *DB, primaryDSN string, opts Options, log *slog.Logger) (*replica, error) {
	ro := opts.Replica
	if ro.CheckInterval <= 0 {
		ro.CheckInterval = time.Second
	}
	if _, err := pq.NewConfig(ro.URL); err != nil {
		return nil, fmt.Errorf("postgres: bad replica URL: %w", redactDSN(err))
	}
	// A replica that does not answer must not hold a connection attempt
	// for long: until the monitor notices, a public read waits for it.
	dsn, err := withDefault(ro.URL, "connect_timeout", "5")
	if err != nil {
		return nil, fmt.Errorf("postgres: bad replica URL: %w", err)
	}
	toReplica, err := newConnector(dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad replica URL: %w", err)
	}
	toPrimary, err := newConnector(primaryDSN, opts)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad DATABASE_URL: %w", err)
	}
	r := &replica{primary: primary, opts: ro, log: log, mon: newReplicaMonitor(ro.MaxLag)}
	r.serving.Store(true)
	r.db = &DB{DB: newPool(replicaConnector{toReplica: countingConnector{toReplica}, toPrimary: countingConnector{toPrimary}, r: r}, opts),
		Now: func() time.Time { return primary.Now() }, log: log}
	r.probe = sql.OpenDB(toReplica)
	r.probe.SetMaxOpenConns(1)
	r.check(ctx)
	mctx, stop := context.WithCancel(context.Background())
	r.stop, r.done = stop, make(chan struct{})
	go r.run(mctx)
	return r, nil
}

func (r *replica) run(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.opts.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.check(ctx)
		}
	}
}

func (r *replica) close() error {
	r.stop()
	<-r.done
	return errors.Join(r.db.DB.Close(), r.probe.Close())
}

func (r *replica) status() ReplicaStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mon.snapshot()
}

// check asks the primary for its WAL position, then the replica for its
// replay position, and updates the status. A slow primary does not make
// the replica unreachable: it only leaves the lag unknown.
func (r *replica) check(parent context.Context) {
	ctx, cancel := context.WithTimeout(parent, max(2*time.Second, r.opts.CheckInterval))
	defer cancel()
	var ob replicaObservation
	var primaryLSN string
	if err := r.primary.QueryRowContext(ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&primaryLSN); err == nil {
		ob.primary, ob.primaryOK = parseLSN(primaryLSN)
	}
	ob.at = time.Now()
	var replayed sql.NullString
	var age sql.NullFloat64
	ob.err = r.probe.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
		EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8`).Scan(&ob.standby, &replayed, &age)
	if parent.Err() != nil {
		return // shutting down
	}
	ob.replayed, _ = parseLSN(replayed.String)
	if age.Valid {
		ob.replayAge, ob.replayAgeOK = time.Duration(age.Float64*float64(time.Second)), true
	}
	r.apply(func(m *replicaMonitor) { m.observe(ob) }, ob.err)
}

// fellOver is the connector's report that the replica refused a
// connection: public reads move to the primary now, not at the next check.
func (r *replica) fellOver(err error) {
	r.apply(func(m *replicaMonitor) { m.setServing(false, ReplicaUnreachable); m.status.Up = false }, err)
}

// apply updates the monitor with fn and logs a move of public reads.
func (r *replica) apply(fn func(m *replicaMonitor), cause error) {
	r.mu.Lock()
	before := r.mon.status.Serving
	fn(&r.mon)
	st := r.mon.snapshot()
	r.serving.Store(st.Serving)
	r.mu.Unlock()
	switch {
	case before && !st.Serving:
		attrs := []any{"reason", st.Reason, "lag", st.Lag.Round(time.Millisecond), "lag_bytes", st.LagBytes}
		if cause != nil {
			attrs = append(attrs, "err", cause)
		}
		r.log.Warn("public reads moved to the primary: the read replica is not usable", attrs...)
	case !before && st.Serving:
		r.log.Info("public reads back on the read replica", "lag", st.Lag.Round(time.Millisecond))
	}
}

// replicaObservation is one check's findings.
type replicaObservation struct {
	at          time.Time
	primary     uint64 // the primary's flushed WAL position, if primaryOK
	primaryOK   bool
	err         error // the replica could not be asked
	standby     bool
	replayed    uint64        // the replica's replay position
	replayAge   time.Duration // since the last transaction it replayed was committed, if replayAgeOK
	replayAgeOK bool
}

// replicaMonitor turns observations into a status. It is not safe for
// concurrent use (replica.mu guards it).
type replicaMonitor struct {
	maxLag  time.Duration
	status  ReplicaStatus
	samples []lsnSample // the primary's WAL positions, oldest first
}

// lsnSample is the primary's flushed WAL position at a time.
type lsnSample struct {
	at  time.Time
	lsn uint64
}

// maxSamples bounds the samples kept while the replica is behind: an hour
// at the default interval. Past it the lag is a lower bound.
const maxSamples = 3600

func newReplicaMonitor(maxLag time.Duration) replicaMonitor {
	m := replicaMonitor{maxLag: maxLag, status: ReplicaStatus{Serving: true, Fallbacks: map[string]int64{}}}
	for _, r := range ReplicaReasons {
		m.status.Fallbacks[r] = 0
	}
	return m
}

func (m *replicaMonitor) snapshot() ReplicaStatus {
	st := m.status
	st.Fallbacks = make(map[string]int64, len(m.status.Fallbacks))
	for k, v := range m.status.Fallbacks {
		st.Fallbacks[k] = v
	}
	return st
}

// observe updates the status with ob: public reads stay on (or return to)
// the replica while it is up and, with a MaxLag, no further behind than
// MaxLag (half of it to return).
func (m *replicaMonitor) observe(ob replicaObservation) {
	st := &m.status
	st.CheckedAt = ob.at
	switch {
	case ob.err != nil:
		st.Up = false
		m.setServing(false, ReplicaUnreachable)
		return
	case !ob.standby:
		st.Up = false
		m.setServing(false, ReplicaNotStandby)
		return
	}
	st.Up = true
	if ob.primaryOK {
		m.measure(ob)
	}
	limit := m.maxLag
	if !st.Serving {
		limit /= 2
	}
	if m.maxLag > 0 && st.Lag > limit {
		m.setServing(false, ReplicaLagging)
		return
	}
	m.setServing(true, "")
}

// measure sets the lag from ob. The replica has what the primary had at
// the newest sample its replay position has reached, and what it had when
// the last transaction the replica replayed committed: its data is no
// older than the later of the two.
func (m *replicaMonitor) measure(ob replicaObservation) {
	st := &m.status
	m.samples = append(m.samples, lsnSample{at: ob.at, lsn: ob.primary})
	st.LagBytes = 0
	if ob.primary > ob.replayed {
		st.LagBytes = int64(ob.primary - ob.replayed)
	}
	reached := -1
	for i, s := range m.samples {
		if s.lsn <= ob.replayed {
			reached = i
		}
	}
	switch {
	case reached == len(m.samples)-1:
		st.Lag = 0
	case reached >= 0:
		st.Lag = ob.at.Sub(m.samples[reached].at)
	default:
		st.Lag = ob.at.Sub(m.samples[0].at)
	}
	if st.Lag > 0 && ob.replayAgeOK && ob.replayAge >= 0 && ob.replayAge < st.Lag {
		st.Lag = ob.replayAge
	}
	// Older samples are of no more use: the replay position only grows.
	if reached > 0 {
		m.samples = m.samples[reached:]
	}
	if len(m.samples) > maxSamples {
		m.samples = m.samples[len(m.samples)-maxSamples:]
	}
}

// setServing moves public reads to the replica (serving) or to the primary
// (for reason), counting each move to the primary.
func (m *replicaMonitor) setServing(serving bool, reason string) {
	if m.status.Serving && !serving {
		m.status.Fallbacks[reason]++
	}
	m.status.Serving, m.status.Reason = serving, reason
}

// parseLSN parses a pg_lsn's text ("16/B374D848").
func parseLSN(s string) (uint64, bool) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, false
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return h<<32 | l, true
}

// replicaConnector opens the routed pool's connections: to the replica
// while public reads go to it, to the primary otherwise, and to the
// primary when the replica refuses one (which the monitor learns at once).
type replicaConnector struct {
	toReplica, toPrimary countingConnector
	r                    *replica
}

func (c replicaConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.r.serving.Load() {
		conn, err := connectCounting(ctx, c.toReplica)
		if err == nil {
			return &routedConn{countingConn: conn, onReplica: true, r: c.r}, nil
		}
		if ctx.Err() != nil {
			return nil, err // the caller gave up; that says nothing of the replica
		}
		c.r.fellOver(err)
	}
	conn, err := connectCounting(ctx, c.toPrimary)
	if err != nil {
		return nil, err
	}
	return &routedConn{countingConn: conn, r: c.r}, nil
}

func (c replicaConnector) Driver() driver.Driver { return c.toReplica.Driver() }

func connectCounting(ctx context.Context, c countingConnector) (*countingConn, error) {
	conn, err := c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return conn.(*countingConn), nil
}

// routedConn is a connection of the routed pool. The pool keeps it only
// while it goes where public reads should go; and a read on the replica
// that lost its connection is answered with driver.ErrBadConn, so that
// database/sql retries it on another connection (a new one last, which
// goes to the primary if the replica is gone). Public reads are SELECTs,
// so running one again is safe.
type routedConn struct {
	*countingConn
	onReplica bool
	r         *replica
}

func (c *routedConn) wanted() bool { return c.onReplica == c.r.serving.Load() }

func (c *routedConn) ResetSession(ctx context.Context) error {
	if !c.wanted() {
		return driver.ErrBadConn
	}
	return c.countingConn.ResetSession(ctx)
}

func (c *routedConn) IsValid() bool { return c.wanted() && c.countingConn.IsValid() }

func (c *routedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.countingConn.QueryContext(ctx, query, args)
	if err != nil && c.onReplica && ctx.Err() == nil && (connectionLost(err) || recoveryConflict(err)) {
		return nil, driver.ErrBadConn // database/sql runs the read again on another connection (public reads are SELECTs)
	}
	return rows, err
}

// recoveryConflict reports whether a standby cancelled a read that
// conflicted with the WAL it was replaying (SQLSTATE 40001 or 40P01 outside
// any serializable transaction: public reads run none), which the same
// read on another connection does not meet again.
func recoveryConflict(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && (pqErr.Code == "40001" || pqErr.Code == "40P01")
}

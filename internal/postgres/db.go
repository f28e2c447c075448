// Package postgres is copydesk's storage: every SQL statement lives here.
//
// It opens the database through lib/pq wrapped in a counting driver (so tests
// and request logs can see how many SQL round trips a GraphQL request costs),
// runs transactions with retries on serialization failures, and maps driver
// errors to copydesk error codes in one place (FormatError).
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/cerr"
)

// DB is the storage handle shared by every request. It is safe for concurrent use.
type DB struct {
	*sqlx.DB
	// Now returns the current time; tests replace it. Transactions fix it once at BEGIN.
	Now func() time.Time
	log *slog.Logger
	// replica, when set, is the read replica the Public's Reader reads
	// through (replica.go).
	replica *replica
}

// Open connects to the database at dsn (a lib/pq URL or key=value string),
// configures the pool and checks the connection.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	return OpenWith(ctx, dsn, log, Options{})
}

// Options are the server's settings for its pool and for every session it
// opens. The zero value keeps PostgreSQL's defaults (no timeouts) and a
// pool of 20.
type Options struct {
	// StatementTimeout is PostgreSQL's statement_timeout: the server stops
	// a statement running longer, whatever the client does. The API sets
	// it a little above its request deadline, as a backstop for the
	// context cancellation that normally comes first.
	StatementTimeout time.Duration
	// LockTimeout is lock_timeout: a statement waiting longer for a lock
	// fails (UNAVAILABLE: retry) instead of stalling every request behind it.
	LockTimeout time.Duration
	// IdleInTransactionTimeout ends a session left idle inside a
	// transaction, which would hold its locks.
	IdleInTransactionTimeout time.Duration
	// MaxOpen is the pool size (default 20). Idle connections are kept up
	// to the same number, so a steady load opens no new sessions.
	MaxOpen int
	// Replica, when its URL is set, is a streaming replica that public
	// reads go to (see replica.go). Its pool has the settings above.
	Replica ReplicaOptions
}

// OpenWith is Open with opts. A setting the DSN already names (e.g.
// statement_timeout=0 or binary_parameters=no in DATABASE_URL) wins over
// opts and over the defaults.
func OpenWith(ctx context.Context, dsn string, log *slog.Logger, opts Options) (*DB, error) {
	connector, err := newConnector(dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad DATABASE_URL: %w", err)
	}
	db := newPool(countingConnector{connector}, opts)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: cannot reach the database: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	out := &DB{DB: db, Now: time.Now, log: log}
	if opts.Replica.URL != "" {
		if out.replica, err = openReplica(ctx, out, dsn, opts, log); err != nil {
			db.Close()
			return nil, err
		}
	}
	return out, nil
}

// newConnector is lib/pq's connector for dsn with opts' session settings
// and binary_parameters on (see withDefault). Its errors never hold the
// DSN's password.
func newConnector(dsn string, opts Options) (*pq.Connector, error) {
	if _, err := pq.NewConfig(dsn); err != nil {
		return nil, redactDSN(err)
	}
	// binary_parameters=yes sends a statement with arguments as one
	// Parse/Bind/Describe/Execute/Sync exchange: one network round trip
	// instead of two (a Parse/Describe round trip first). Its one catch is
	// that []byte arguments then travel in binary format, which is right for
	// bytea only: JSON goes to jsonb parameters as text (see nullJSON).
	dsn, err := withDefault(dsn, "binary_parameters", "yes")
	if err != nil {
		return nil, err
	}
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, redactDSN(err)
	}
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	for name, d := range map[string]time.Duration{"statement_timeout": opts.StatementTimeout, "lock_timeout": opts.LockTimeout,
		"idle_in_transaction_session_timeout": opts.IdleInTransactionTimeout} {
		if _, set := cfg.Runtime[name]; !set && d > 0 {
			cfg.Runtime[name] = fmt.Sprint(d.Milliseconds())
		}
	}
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, redactDSN(err)
	}
	return connector, nil
}

// withDefault returns dsn with the connection option name set to value,
// unless dsn sets it already. dsn is a valid lib/pq URL or key=value string.
func withDefault(dsn, name, value string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("the URL cannot be parsed") // url's error would quote the password
		}
		q := u.Query()
		if !q.Has(name) {
			q.Set(name, value)
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	// In a key=value string the last of repeated keys wins, so a setting in
	// dsn overrides one put in front of it.
	return name + "=" + value + " " + dsn, nil
}

// newPool is a pool over connector, sized by opts.
func newPool(connector driver.Connector, opts Options) *sqlx.DB {
	sqldb := sql.OpenDB(connector)
	size := opts.MaxOpen
	if size <= 0 {
		size = 20
	}
	sqldb.SetMaxOpenConns(size)
	sqldb.SetMaxIdleConns(size)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return sqlx.NewDb(sqldb, "postgres")
}

// redactDSN keeps a parse error from echoing a password.
func redactDSN(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		return errors.New(inner.Error())
	}
	return errors.New("the URL cannot be parsed")
}

// Tx is one database transaction. Its Now is fixed at BEGIN, so every row
// written in one transaction (a revision, its audit entry, its outbox event)
// carries the same timestamp.
//
// A Tx is begun by InTx when its context carries no transaction of the same
// DB. Once put in a context with WithTx, it is joined by every InTx of that
// same DB called with that context or one derived from it: those calls run
// in this Tx and do not commit or retry anything themselves.
type Tx struct {
	*sqlx.Tx
	Now time.Time
	db  *DB // the DB that began it: only that DB's InTx joins it (see WithTx)
}

// InTx runs fn in a transaction. Whether that transaction is its own depends
// on ctx:
//
//   - If ctx carries no transaction of this DB, InTx begins its own: it
//     commits it if fn returns nil, rolls it back on error or panic, and
//     retries the whole function up to three times on serialization failures
//     and deadlocks (SQLSTATE 40001, 40P01), so fn must be safe to run again.
//     Between attempts it waits a few milliseconds; if ctx is done meanwhile,
//     it stops and returns ctx's error wrapped with the last attempt's error.
//   - If ctx carries a transaction of this DB (put there with WithTx, by a
//     caller running its own InTx), InTx joins it: fn runs in that
//     transaction, inside a savepoint, and InTx neither commits nor retries.
//     What fn wrote is committed, or rolled back, with the caller's
//     transaction, and a serialization failure makes the caller's InTx run
//     its whole function again.
//
// So code that "runs in one transaction" through InTx runs in a transaction
// of its own only when its caller has not joined it to one with WithTx. A
// transaction of another DB in ctx is ignored.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if tx, _ := ctx.Value(txKey{}).(*Tx); tx != nil && tx.db == db {
		return tx.nested(ctx, fn)
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		err = db.inTxOnce(ctx, fn)
		if !retryable(err) {
			return err
		}
		db.log.DebugContext(ctx, "retrying transaction", "attempt", attempt+1, "err", err)
		if werr := sleepCtx(ctx, time.Duration(attempt+1)*10*time.Millisecond); werr != nil {
			return fmt.Errorf("%w (while waiting to retry the transaction after: %w)", werr, err)
		}
	}
	return err
}

// sleepCtx waits for d, or until ctx is done, in which case it returns
// ctx's error.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqltx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqltx, Now: db.Now().UTC().Truncate(time.Microsecond), db: db}
	defer func() {
		if p := recover(); p != nil {
			_ = sqltx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqltx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

type txKey struct{}

// WithTx returns a context under which InTx on tx's DB joins tx instead of
// beginning a transaction of its own: every InTx of that DB called with the
// returned context, or with a context derived from it, runs in tx. So
// several calls that each run "one transaction" (content-service methods)
// write in one transaction that the caller owns. The demo loader uses it to
// write its whole data set in the transaction that claims the load. InTx of
// any other DB is not affected, and the context must not outlive tx: an InTx
// under it after tx has ended fails.
//
// Each joined InTx runs fn inside a savepoint: if fn fails, what it wrote is
// rolled back and tx stays usable; if it succeeds, the savepoint is released.
// Nothing is committed or retried there: the InTx that began tx commits
// everything, or rolls everything back, and retries the whole of its fn
// (joined calls included) on serialization failures. A Tx must not be used by
// two goroutines at once, and reads made outside InTx (with the DB itself) do
// not see tx's uncommitted rows.
func WithTx(ctx context.Context, tx *Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// nestedSavepoint names the savepoint of a joined InTx. PostgreSQL keeps
// savepoints of one name as a stack, so joined calls may nest.
const nestedSavepoint = "copydesk_nested"

// nested runs fn in tx inside a savepoint (see WithTx).
func (tx *Tx) nested(ctx context.Context, fn func(tx *Tx) error) error {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT "+nestedSavepoint); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(tx); err != nil {
		if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+nestedSavepoint); rbErr != nil {
			return fmt.Errorf("%w (rolling back to the savepoint failed too: %v)", err, rbErr)
		}
		return err
	}
	if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+nestedSavepoint); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

func retryable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "40001" || pqErr.Code == "40P01"
	}
	return false
}

// FormatError maps a driver error to a copydesk error: no rows → NOT_FOUND
// (with what), unique violations → CONFLICT, foreign-key and check violations
// → BAD_USER_INPUT, each carrying the violated constraint in
// cerr.Error.Constraint for the service to word (cerr.ByConstraint); the
// constraint's name never appears in the message. Anything else is wrapped with op and stays INTERNAL. An
// error that already carries a code passes through unchanged.
func FormatError(err error, op, what string) error {
	if err == nil {
		return nil
	}
	if cerr.As(err) != nil {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return cerr.Errorf(cerr.NotFound, "%s not found.", what)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505":
			return &cerr.Error{Code: cerr.Conflict, Message: fmt.Sprintf("%s conflicts with an existing one.", what), Constraint: pqErr.Constraint, Err: err}
		case "23503":
			return &cerr.Error{Code: cerr.Invalid, Message: fmt.Sprintf("%s refers to something that does not exist.", what), Constraint: pqErr.Constraint, Err: err}
		case "23514", "23502", "22001":
			return &cerr.Error{Code: cerr.Invalid, Message: fmt.Sprintf("%s breaks a data rule.", what), Constraint: pqErr.Constraint, Err: err}
		}
	}
	if t := Transient(err); t != nil {
		return t
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Transient classifies an error that is not the client's fault and not a
// bug either: the database cannot be reached or refuses connections
// (UNAVAILABLE), a lock could not be taken in time (UNAVAILABLE: retry),
// or the request's deadline or the server's statement timeout stopped a
// statement (TIMEOUT). It returns nil for anything else. The cause is kept
// for the log.
func Transient(err error) *cerr.Error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return &cerr.Error{Code: cerr.Canceled, Message: "The request was cancelled.", Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &cerr.Error{Code: cerr.Timeout, Message: "The request took too long and was stopped. Ask for less (smaller pages, fewer nested lists) or try again.", Err: err}
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case pqErr.Code == "57014": // query_canceled: statement_timeout, or the request's context
			return &cerr.Error{Code: cerr.Timeout, Message: "The request took too long and was stopped. Ask for less (smaller pages, fewer nested lists) or try again.", Err: err}
		case pqErr.Code == "55P03": // lock_not_available: lock_timeout
			return &cerr.Error{Code: cerr.Unavailable, Message: "The data is busy with another change; try again in a moment.", Err: err}
		case pqErr.Code.Class() == "57", pqErr.Code == "53300": // operator intervention, too many connections
			return unavailable(err)
		}
	}
	if connectionLost(err) {
		return unavailable(err)
	}
	return nil
}

// connectionLost reports whether err says the connection to the server is
// gone (the network, or the server shutting down or refusing sessions),
// rather than that a statement failed: Transient's outages, and what makes
// a replica read run again on the primary (routedConn).
func connectionLost(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		// connection exception; admin_shutdown, crash_shutdown, cannot_connect_now
		return pqErr.Code.Class() == "08" || pqErr.Code == "57P01" || pqErr.Code == "57P02" || pqErr.Code == "57P03"
	}
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.As(err, &netErr)
}

func unavailable(err error) *cerr.Error {
	return &cerr.Error{Code: cerr.Unavailable, Message: "The database is unavailable right now; try again in a few seconds.", Err: err}
}

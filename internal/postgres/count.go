package postgres

import (
	"context"
	"database/sql/driver"
	"sync/atomic"
)

// QueryCounter counts SQL round trips. Attach one to a context with
// WithQueryCounter; every statement, BEGIN and COMMIT run with that context
// (or a context derived from it) adds one.
type QueryCounter struct{ n atomic.Int64 }

// Count returns the number of round trips counted so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithQueryCounter returns a context that counts SQL round trips into c.
func WithQueryCounter(ctx context.Context, c *QueryCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// CounterFrom returns the QueryCounter in ctx, or nil.
func CounterFrom(ctx context.Context) *QueryCounter {
	c, _ := ctx.Value(counterKey{}).(*QueryCounter)
	return c
}

func count(ctx context.Context) {
	if c := CounterFrom(ctx); c != nil {
		c.n.Add(1)
	}
}

// countingConnector wraps lib/pq's connector so that each round trip made
// with a context carrying a QueryCounter is counted.
type countingConnector struct{ driver.Connector }

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{conn: conn}, nil
}

// countingConn forwards to lib/pq's conn, which implements every interface used here.
type countingConn struct{ conn driver.Conn }

func (c *countingConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *countingConn) Close() error                              { return c.conn.Close() }
func (c *countingConn) Begin() (driver.Tx, error) {
	return c.conn.Begin() //nolint:staticcheck // required by driver.Conn
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	count(ctx)
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	count(ctx)
	tx, err := c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx: tx, ctx: ctx}, nil
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	count(ctx)
	return c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	count(ctx)
	return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *countingConn) Ping(ctx context.Context) error {
	return c.conn.(driver.Pinger).Ping(ctx)
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type countingTx struct {
	tx  driver.Tx
	ctx context.Context
}

func (t countingTx) Commit() error   { count(t.ctx); return t.tx.Commit() }
func (t countingTx) Rollback() error { count(t.ctx); return t.tx.Rollback() }

package ws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/reqctx"
)

// conn is one socket. Three goroutines serve it: the reader (handles client
// messages in order), the writer (the only one writing to the socket,
// draining out) and the watcher (Do's goroutine: the init timeout, the
// keep-alive pings, the token recheck timer, then the close). Each
// operation runs in a goroutine of its own.
type conn struct {
	cfg  *Config
	ws   *websocket.Conn
	r    *http.Request
	exec graphql.GraphExecutor

	// ctx ends when the socket is closing; every operation's context
	// derives from it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // reader, writer, operations

	out chan []byte // the bounded write queue

	closeOnce   sync.Once
	closeCode   websocket.StatusCode
	closeReason string
	gone        bool // the connection is already closed: no close frame to send

	inited  atomic.Bool // connection_init received
	pinging atomic.Bool // a keep-alive ping frame awaits its pong
	acked   atomic.Bool // connection_ack sent: operations may run

	mu  sync.Mutex
	ops map[string]*operation // running operations by id
	ran atomic.Int64          // operations started, for the log

	authMu    sync.Mutex
	token     string          // the socket's token; "" for anonymous
	viewerCtx context.Context // ctx carrying the viewer of token
	checkedAt time.Time       // when token was last found valid
}

type operation struct {
	id     string
	ctx    context.Context
	cancel context.CancelFunc
}

// serve upgrades r and serves the socket until it is closed.
func serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, cfg *Config) {
	log := cfg.Log
	wsc, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:   []string{Subprotocol},
		OriginPatterns: cfg.OriginPatterns,
	})
	if err != nil {
		// Accept has answered the request (400 or 403) with the reason.
		log.InfoContext(r.Context(), "websocket upgrade refused", "err", err.Error(), "request_id", reqctx.RequestID(r.Context()))
		return
	}
	if wsc.Subprotocol() != Subprotocol {
		reason := "Subprotocol not acceptable: use graphql-transport-ws (graphql-ws is not supported)"
		_ = wsc.Close(CloseSubprotocol, reason)
		log.InfoContext(r.Context(), "websocket closed", "code", CloseSubprotocol, "reason", reason, "offered", r.Header.Get("Sec-WebSocket-Protocol"), "request_id", reqctx.RequestID(r.Context()))
		return
	}
	if cfg.Trusted == nil || cfg.Trusted(r.Context()) {
		wsc.SetReadLimit(cfg.MaxMessageBytes)
	} else {
		wsc.SetReadLimit(cfg.PublicMessageBytes)
	}

	ctx, cancel := context.WithCancel(r.Context())
	c := &conn{
		cfg: cfg, ws: wsc, r: r, exec: exec,
		ctx: ctx, cancel: cancel,
		out:       make(chan []byte, cfg.WriteQueue),
		ops:       map[string]*operation{},
		viewerCtx: ctx,
		checkedAt: time.Now(), // withViewer has just checked the header's token
	}
	if token, ok := auth.BearerToken(r.Header.Get("Authorization")); ok {
		c.token = token
	}
	if cfg.Closing != nil {
		go func() {
			select {
			case <-cfg.Closing:
				c.fail(websocket.StatusGoingAway, "Server shutting down: reconnect")
			case <-ctx.Done():
			}
		}()
	}
	c.run()
}

func (c *conn) run() {
	start := time.Now()
	ctx := c.r.Context()
	c.cfg.Log.InfoContext(ctx, "websocket open", "request_id", reqctx.RequestID(ctx), "user_id", auth.ViewerFrom(ctx).UserID)

	c.wg.Add(2)
	go c.writeLoop()
	go c.readLoop()
	c.watch()
	c.fail(websocket.StatusGoingAway, "Going away") // if the request itself ended

	c.mu.Lock()
	for _, op := range c.ops {
		op.cancel()
	}
	c.mu.Unlock()
	if c.gone {
		_ = c.ws.CloseNow()
	} else {
		_ = c.ws.Close(c.closeCode, c.closeReason)
	}
	c.wg.Wait()

	c.authMu.Lock()
	viewer := auth.ViewerFrom(c.viewerCtx).UserID
	c.authMu.Unlock()
	c.cfg.Log.InfoContext(ctx, "websocket closed",
		"code", int(c.closeCode), "reason", c.closeReason,
		"request_id", reqctx.RequestID(ctx), "user_id", viewer,
		"operations", c.ran.Load(), "ms", time.Since(start).Milliseconds())
}

// watch runs the socket's timers until it is closing.
func (c *conn) watch() {
	initTimer := time.NewTimer(c.cfg.InitTimeout)
	defer initTimer.Stop()
	var keepAlive <-chan time.Time
	if c.cfg.KeepAlive > 0 {
		t := time.NewTicker(c.cfg.KeepAlive)
		defer t.Stop()
		keepAlive = t.C
	}
	recheck := time.NewTicker(c.cfg.RecheckInterval)
	defer recheck.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-initTimer.C:
			if !c.inited.Load() {
				c.fail(CloseInitTimeout, "Connection initialisation timeout")
			}
		case <-keepAlive:
			c.trySend(encode(outMessage{Type: "ping"}))
			c.pingPeer()
		case <-recheck.C:
			if c.acked.Load() {
				c.recheck()
			}
		}
	}
}

// pingPeer sends a WebSocket ping frame, which every WebSocket stack (a
// browser's included) answers by itself; a peer that does not answer within
// KeepAlive is gone or frozen, and the socket is dropped with 4499. One
// ping at a time.
func (c *conn) pingPeer() {
	if c.pinging.Swap(true) {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.pinging.Store(false)
		ctx, cancel := context.WithTimeout(c.ctx, c.cfg.KeepAlive)
		defer cancel()
		if err := c.ws.Ping(ctx); err != nil && c.ctx.Err() == nil {
			c.closeOnce.Do(func() {
				c.gone = true
				c.closeCode, c.closeReason = CloseSlowConsumer, "Terminated: no answer to the keep-alive ping"
				c.cancel()
			})
		}
	}()
}

// fail closes the socket with code and reason (the first call wins) and
// cancels every operation.
func (c *conn) fail(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		c.cancel()
	})
}

// lost records that the connection ended under the transport: the client
// closed it, it broke, or coder/websocket closed it (1009 for a message
// over the read limit).
func (c *conn) lost(err error) {
	c.closeOnce.Do(func() {
		c.gone = true
		c.closeCode = websocket.CloseStatus(err)
		switch {
		case c.closeCode != -1:
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				c.closeReason = ce.Reason
			}
		case errors.Is(err, websocket.ErrMessageTooBig):
			c.closeCode, c.closeReason = CloseTooBig, "message too big"
		default:
			c.closeCode, c.closeReason = websocket.StatusAbnormalClosure, "connection lost"
		}
		c.cancel()
	})
}

func (c *conn) writeLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case b := <-c.out:
			// A write that does not finish in time means the client does
			// not read: record why before coder/websocket drops the
			// connection (cancelling a write does), so the reader's error
			// does not pass for the cause.
			ctx, cancel := context.WithCancel(context.Background())
			timer := time.AfterFunc(c.cfg.WriteTimeout, func() {
				c.closeOnce.Do(func() {
					c.gone = true
					c.closeCode, c.closeReason = CloseSlowConsumer, slowReason
					c.cancel()
				})
				cancel()
			})
			err := c.ws.Write(ctx, websocket.MessageText, b)
			timer.Stop()
			cancel()
			if err != nil {
				c.lost(err)
				return
			}
		}
	}
}

const slowReason = "Terminated: the client did not read its messages in time"

// send queues b for the writer, waiting at most WriteTimeout for room; a
// client that leaves the queue full that long is closed with 4499. It
// reports whether b was queued.
func (c *conn) send(b []byte) bool {
	select {
	case c.out <- b:
		return true
	case <-c.ctx.Done():
		return false
	default:
	}
	t := time.NewTimer(c.cfg.WriteTimeout)
	defer t.Stop()
	select {
	case c.out <- b:
		return true
	case <-c.ctx.Done():
		return false
	case <-t.C:
		c.fail(CloseSlowConsumer, slowReason)
		return false
	}
}

// trySend queues b if there is room (keep-alive pings: a full queue already
// proves the socket is busy).
func (c *conn) trySend(b []byte) {
	select {
	case c.out <- b:
	default:
	}
}

func (c *conn) readLoop() {
	defer c.wg.Done()
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.lost(err)
			return
		}
		if c.ctx.Err() != nil {
			return // closing: nothing more is handled
		}
		if !c.handleSafely(data) {
			return
		}
	}
}

// handleSafely handles one message; a panic (a bug, here or in an
// extension the executor runs) closes the socket with 4500 instead of
// taking the process down.
func (c *conn) handleSafely(data []byte) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.cfg.Log.ErrorContext(c.ctx, "panic handling a websocket message", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "request_id", reqctx.RequestID(c.ctx))
			c.fail(CloseInternalError, "Internal server error")
			ok = false
		}
	}()
	c.handle(data, graphql.Now())
	return true
}

// handle acts on one client message.
func (c *conn) handle(data []byte, received time.Time) {
	m, err := decodeMessage(data)
	if err != nil {
		c.fail(CloseBadRequest, clipReason("Invalid message received: "+err.Error(), "Invalid message received"))
		return
	}
	switch m.Type {
	case "connection_init":
		c.init(m)
	case "ping":
		c.send(encode(outMessage{Type: "pong", Payload: m.Payload}))
	case "pong":
	case "subscribe":
		c.subscribe(m, received)
	case "complete":
		c.complete(m.ID)
	default:
		c.fail(CloseBadRequest, clipReason(fmt.Sprintf("Invalid message received: unknown type %q", m.Type), "Invalid message received: unknown type"))
	}
}

// init handles connection_init: authenticate its token, if any, and ack.
func (c *conn) init(m message) {
	if c.inited.Swap(true) {
		c.fail(CloseTooManyInits, "Too many initialisation requests")
		return
	}
	token, err := initToken(m.Payload)
	if err != nil {
		c.fail(CloseBadRequest, clipReason("Invalid message received: "+err.Error(), "Invalid message received: bad connection_init payload"))
		return
	}
	if token != "" {
		if c.cfg.Authenticate == nil {
			c.fail(CloseForbidden, "Forbidden: this server takes no token in connection_init")
			return
		}
		vctx, err := c.cfg.Authenticate(c.ctx, token)
		if err != nil {
			c.authFailed(err)
			return
		}
		c.authMu.Lock()
		c.token, c.viewerCtx, c.checkedAt = token, vctx, time.Now()
		c.authMu.Unlock()
		if c.cfg.Trusted != nil && c.cfg.Trusted(vctx) {
			c.ws.SetReadLimit(c.cfg.MaxMessageBytes)
		}
	}
	c.acked.Store(true)
	c.send(encode(outMessage{Type: "connection_ack"}))
}

// recheck checks the socket's token again unless it was found valid less
// than RecheckCache ago; a token no longer valid closes the socket with
// 4403. It reports whether the socket may go on.
func (c *conn) recheck() bool {
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if c.token == "" || c.cfg.Authenticate == nil || time.Since(c.checkedAt) < c.cfg.RecheckCache {
		return true
	}
	vctx, err := c.cfg.Authenticate(c.ctx, c.token)
	if err != nil {
		c.authFailed(err)
		return false
	}
	c.viewerCtx, c.checkedAt = vctx, time.Now()
	return true
}

func (c *conn) authFailed(err error) {
	if c.ctx.Err() != nil {
		return // closing anyway; the failure is the cancelled context
	}
	switch cerr.Code(err) {
	case cerr.Unauthenticated:
		c.fail(CloseForbidden, clipReason("Forbidden: "+cerr.Message(err), "Forbidden"))
		return
	case cerr.Unavailable, cerr.Timeout:
		// An outage, not the token: the client may reconnect (graphql-ws's
		// does after 1013) once the database is back.
		c.cfg.Log.WarnContext(c.ctx, "authenticating a websocket", "code", cerr.Code(err), "err", err.Error(), "request_id", reqctx.RequestID(c.ctx))
		c.fail(CloseTryAgainLater, "Try again later: the service is unavailable")
		return
	}
	c.cfg.Log.ErrorContext(c.ctx, "authenticating a websocket", "err", err.Error(), "request_id", reqctx.RequestID(c.ctx))
	c.fail(CloseInternalError, "Internal server error")
}

// subscribe starts an operation, or refuses it with an error message
// (limits) or a close (protocol violations, a token no longer valid).
func (c *conn) subscribe(m message, received time.Time) {
	if !c.acked.Load() {
		c.fail(CloseUnauthorized, "Unauthorized")
		return
	}
	params, err := decodeSubscribe(m)
	if err != nil {
		c.fail(CloseBadRequest, clipReason("Invalid message received: "+err.Error(), "Invalid message received: bad subscribe"))
		return
	}
	c.mu.Lock()
	_, dup := c.ops[m.ID]
	busy := len(c.ops) >= c.cfg.MaxOperations
	c.mu.Unlock()
	if dup {
		c.fail(CloseDuplicateID, clipReason(fmt.Sprintf("Subscriber for %s already exists", m.ID), "Subscriber already exists"))
		return
	}
	if !c.recheck() {
		return
	}
	c.authMu.Lock()
	ctx, token := c.viewerCtx, c.token
	c.authMu.Unlock()

	if busy {
		c.refuse(ctx, m.ID, params, 0, fmt.Sprintf("This socket already runs %d operations, the most it may: wait for one to complete before sending another.", c.cfg.MaxOperations))
		return
	}
	if c.cfg.Allow != nil {
		if ok, wait := c.cfg.Allow(c.r, token); !ok {
			s := retrySeconds(wait)
			c.refuse(ctx, m.ID, params, s, fmt.Sprintf("Too many requests: slow down and retry after %s.", plural(s, "second")))
			return
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	op := &operation{id: m.ID, ctx: ctx, cancel: cancel}
	c.mu.Lock()
	c.ops[m.ID] = op
	c.mu.Unlock()
	c.ran.Add(1)
	c.wg.Add(1)
	go c.execute(op, params, received)
}

// refuse answers a subscribe with an `error` message, code RATE_LIMITED
// (with retryAfter when it is positive), passed through the executor's
// error presenter and response interceptors like any operation's errors.
func (c *conn) refuse(ctx context.Context, id string, params *graphql.RawParams, retryAfter int, msg string) {
	ext := map[string]any{"code": cerr.RateLimited}
	if retryAfter > 0 {
		ext["retryAfter"] = retryAfter
	}
	oc := &graphql.OperationContext{RawQuery: params.Query, Variables: params.Variables, OperationName: params.OperationName, Headers: c.r.Header}
	resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, oc), gqlerror.List{{Message: msg, Extensions: ext}})
	c.send(encode(outMessage{ID: id, Type: "error", Payload: resp.Errors}))
}

// complete handles the client's complete: the operation is cancelled and
// sends nothing more; its id is free again. Unknown ids are ignored.
func (c *conn) complete(id string) {
	c.mu.Lock()
	op := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if op != nil {
		op.cancel()
	}
}

// execute runs op through gqlgen's pipeline and sends its results: `next`
// per result then `complete`, or `error` alone when the operation could not
// start (parse, validation) or panicked.
func (c *conn) execute(op *operation, params *graphql.RawParams, received time.Time) {
	defer c.wg.Done()
	defer c.finish(op)
	ctx := op.ctx
	if c.cfg.OperationContext != nil {
		ctx = c.cfg.OperationContext(ctx)
	}
	ctx = graphql.StartOperationTrace(ctx)
	params.ReadTime = graphql.TraceTiming{Start: received, End: graphql.Now()}
	params.Headers = c.r.Header

	var rc *graphql.OperationContext
	defer func() {
		if p := recover(); p != nil {
			c.recovered(ctx, op, rc, p)
		}
	}()
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		c.sendOp(op, outMessage{ID: op.id, Type: "error", Payload: resp.Errors})
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)

	responses, rctx := c.exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(rctx)
		if resp == nil {
			break
		}
		if !c.sendOp(op, outMessage{ID: op.id, Type: "next", Payload: resp}) {
			return
		}
	}
	c.sendOp(op, outMessage{ID: op.id, Type: "complete"})
}

// recovered ends op after a panic outside the resolvers (which the
// generated code recovers itself) with an `error`: through the executor's
// recover function and error presenter when the operation got that far,
// else as a bare INTERNAL error after logging it.
func (c *conn) recovered(ctx context.Context, op *operation, rc *graphql.OperationContext, p any) {
	errs := []*gqlerror.Error{{Message: "Internal error.", Extensions: map[string]any{"code": cerr.Internal}}}
	if rc != nil && rc.RecoverFunc != nil {
		func() {
			defer func() { _ = recover() }() // a second panic keeps the bare error
			resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), gqlerror.List{asGQLError(rc.Recover(ctx, p))})
			errs = resp.Errors
		}()
	} else {
		c.cfg.Log.ErrorContext(ctx, "panic in a websocket operation", "panic", fmt.Sprint(p), "stack", string(debug.Stack()), "request_id", reqctx.RequestID(ctx))
	}
	c.sendOp(op, outMessage{ID: op.id, Type: "error", Payload: errs})
}

// sendOp sends m unless op was completed by the client or the socket is
// closing.
func (c *conn) sendOp(op *operation, m outMessage) bool {
	if op.ctx.Err() != nil {
		return false
	}
	return c.send(encode(m))
}

// finish forgets op (unless the client completed it and reused its id).
func (c *conn) finish(op *operation) {
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	op.cancel()
}

func asGQLError(err error) *gqlerror.Error {
	var g *gqlerror.Error
	if errors.As(err, &g) {
		return g
	}
	if err == nil {
		err = errors.New("internal error")
	}
	return &gqlerror.Error{Message: err.Error(), Err: err}
}

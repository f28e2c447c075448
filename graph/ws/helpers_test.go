package ws_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
)

// wait bounds every wait for the server; tests never depend on it being
// reached.
const wait = 5 * time.Second

// fixture is a server with a small schema:
//
//	hello: "world"
//	viewer: the viewer's user id ("0" for anonymous)
//	block: runs until cancelled (started and cancelled report it)
//	panic: panics in the executor, outside any resolver
//	ticks (subscription): one result per value sent on ticks
type fixture struct {
	url       string
	transport *ws.Transport
	started   chan string // block's operation started
	cancelled chan string // block's operation was cancelled
	ticks     chan string

	mu      sync.Mutex
	tokens  map[string]int64  // token → user id
	revoked map[string]string // token → Authenticate's message
	logs    bytes.Buffer
}

var schema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { hello: String! viewer: String! block: String! panic: String! }
	type Subscription { ticks: String! }
`})

func newFixture(t *testing.T, cfg ws.Config) *fixture {
	t.Helper()
	f := &fixture{
		started:   make(chan string, 100),
		cancelled: make(chan string, 100),
		ticks:     make(chan string),
		tokens:    map[string]int64{"alice-token": 1, "bob-token": 2},
		revoked:   map[string]string{},
	}
	if cfg.Authenticate == nil {
		cfg.Authenticate = f.authenticate
	}
	cfg.Log = slog.New(slog.NewJSONHandler(&lockedWriter{mu: &f.mu, w: &f.logs}, nil))
	f.transport = ws.New(cfg)

	srv := handler.New(&graphql.ExecutableSchemaMock{
		ExecFunc:   f.exec,
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 0, false
		},
	})
	srv.AddTransport(f.transport)
	srv.SetRecoverFunc(func(_ context.Context, p any) error { return fmt.Errorf("panic: %v", p) })
	// As graph's withViewer does before the transport runs: the upgrade's
	// header token becomes the request's viewer.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := auth.WithViewer(r.Context(), auth.Anonymous())
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			nctx, err := f.authenticate(ctx, tok)
			if err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			ctx = nctx
		}
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	f.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	return f
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// closeLogs returns the "websocket closed" log records.
func (f *fixture) closeLogs() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(f.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "websocket closed" {
			out = append(out, rec)
		}
	}
	return out
}

func (f *fixture) authenticate(ctx context.Context, token string) (context.Context, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if msg, ok := f.revoked[token]; ok {
		return nil, cerr.Errorf(cerr.Unauthenticated, "%s", msg)
	}
	id, ok := f.tokens[token]
	if !ok {
		return nil, cerr.Errorf(cerr.Unauthenticated, "The API token is not valid.")
	}
	return auth.WithViewer(ctx, &auth.Viewer{UserID: id, Scope: auth.ScopeFull}), nil
}

func (f *fixture) revoke(token, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[token] = msg
}

func (f *fixture) exec(ctx context.Context) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	field := op.Operation.SelectionSet[0].(*ast.Field).Name
	data := func(v string) *graphql.Response {
		b, _ := json.Marshal(map[string]string{field: v})
		return &graphql.Response{Data: b}
	}
	switch field {
	case "hello":
		return graphql.OneShot(data("world"))
	case "viewer":
		return graphql.OneShot(data(strconv.FormatInt(auth.ViewerFrom(ctx).UserID, 10)))
	case "block":
		return func(ctx context.Context) *graphql.Response {
			f.started <- op.Operation.Name
			<-ctx.Done()
			f.cancelled <- op.Operation.Name
			return nil
		}
	case "panic":
		panic("the executor broke")
	case "ticks":
		return func(ctx context.Context) *graphql.Response {
			select {
			case v := <-f.ticks:
				return data(v)
			case <-ctx.Done():
				return nil
			}
		}
	}
	return graphql.OneShot(graphql.ErrorResponse(ctx, "unexpected field"))
}

// client is a graphql-transport-ws client on coder/websocket.
type client struct {
	t    *testing.T
	conn *websocket.Conn
}

type msg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func dial(t *testing.T, url string, opts *websocket.DialOptions) *client {
	t.Helper()
	c, err := tryDial(url, opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = c.conn.CloseNow() })
	c.t = t
	return c
}

func tryDial(url string, opts *websocket.DialOptions) (*client, error) {
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	if opts.Subprotocols == nil {
		opts.Subprotocols = []string{ws.Subprotocol}
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		if resp != nil {
			return nil, &dialError{status: resp.StatusCode, resp: resp, err: err}
		}
		return nil, err
	}
	conn.SetReadLimit(-1)
	return &client{conn: conn}, nil
}

type dialError struct {
	status int
	resp   *http.Response
	err    error
}

func (e *dialError) Error() string { return e.err.Error() }

// connect dials and completes connection_init with payload (nil: none).
func connect(t *testing.T, url string, payload any) *client {
	t.Helper()
	c := dial(t, url, nil)
	c.init(payload)
	return c
}

func (c *client) init(payload any) {
	c.t.Helper()
	m := map[string]any{"type": "connection_init"}
	if payload != nil {
		m["payload"] = payload
	}
	c.send(m)
	c.expect("connection_ack")
}

func (c *client) send(v any) {
	c.t.Helper()
	var b []byte
	switch v := v.(type) {
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *client) subscribe(id, query string) {
	c.t.Helper()
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
}

// read returns the next message, skipping the server's keep-alive pings.
func (c *client) read() msg {
	c.t.Helper()
	for {
		m, err := c.readRaw()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if m.Type != "ping" {
			return m
		}
	}
}

func (c *client) readRaw() (msg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return msg{}, err
	}
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("server sent invalid JSON %q", b)
	}
	return m, nil
}

func (c *client) expect(typ string) msg {
	c.t.Helper()
	m := c.read()
	if m.Type != typ {
		c.t.Fatalf("got %s %s %s, want %s", m.Type, m.ID, m.Payload, typ)
	}
	return m
}

// expectClosed reads until the server closes and checks the close code and
// that the reason contains reason.
func (c *client) expectClosed(code websocket.StatusCode, reason string) {
	c.t.Helper()
	for {
		m, err := c.readRaw()
		if err == nil {
			if m.Type != "ping" {
				c.t.Logf("(message before the close: %s %s %s)", m.Type, m.ID, m.Payload)
			}
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("connection ended with %v, want close %d", err, code)
		}
		if ce.Code != code || !strings.Contains(ce.Reason, reason) {
			c.t.Fatalf("closed with %d %q, want %d with %q", ce.Code, ce.Reason, code, reason)
		}
		return
	}
}

// ping checks the socket is alive and that nothing but pong arrives
// first, so earlier operations sent nothing more.
func (c *client) ping() {
	c.t.Helper()
	c.send(map[string]any{"type": "ping"})
	c.expect("pong")
}

func errorsOf(t *testing.T, m msg) []struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
} {
	t.Helper()
	var errs []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) == 0 {
		t.Fatalf("error payload %s is not a non-empty list of GraphQL errors", m.Payload)
	}
	return errs
}

// eventually polls cond until it holds or wait passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func receive(t *testing.T, ch chan string, what string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		return ""
	}
}

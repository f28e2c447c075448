package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/ratelimit"
)

// socket is a graphql-transport-ws client of the real /graphql handler.
type socket struct {
	t    *testing.T
	conn *websocket.Conn
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// openSocket opens a socket to a's handler and sends connection_init with
// payload (nil: none), waiting for the ack.
func openSocket(t *testing.T, a *api, header http.Header, payload map[string]any) *socket {
	t.Helper()
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{ws.Subprotocol}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	s := &socket{t: t, conn: conn}
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	s.send(init)
	s.expect("connection_ack")
	return s
}

func (s *socket) send(v any) {
	s.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatalf("write: %v", err)
	}
}

// read returns the next message other than a keep-alive ping, or the
// error that ended the socket.
func (s *socket) read() (wsMessage, error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, b, err := s.conn.Read(ctx)
		cancel()
		if err != nil {
			return wsMessage{}, err
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			s.t.Fatalf("server sent %q", b)
		}
		if m.Type != "ping" {
			return m, nil
		}
	}
}

func (s *socket) expect(typ string) wsMessage {
	s.t.Helper()
	m, err := s.read()
	if err != nil || m.Type != typ {
		s.t.Fatalf("got %+v (%v), want %s", m, err, typ)
	}
	return m
}

// query runs one operation and returns its next payload.
func (s *socket) query(id, query string) string {
	s.t.Helper()
	s.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
	next := s.expect("next")
	s.expect("complete")
	return string(next.Payload)
}

func (s *socket) expectClosed(code websocket.StatusCode, reason string) {
	s.t.Helper()
	for {
		_, err := s.read()
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code || !strings.Contains(ce.Reason, reason) {
			s.t.Fatalf("socket ended with %v, want close %d with %q", err, code, reason)
		}
		return
	}
}

// revoke revokes token as its own user, through identity.
func revoke(t *testing.T, a *api, token string) {
	t.Helper()
	v, err := a.ids.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ids.RevokeToken(auth.WithViewer(context.Background(), v), v.TokenID); err != nil {
		t.Fatal(err)
	}
}

func TestWebSocketRevokedTokenLosesTheSocket(t *testing.T) {
	const viewer = `{ viewer { email } }`
	t.Run("the next operation is refused and the socket closes 4403", func(t *testing.T) {
		a := newAPIWith(t, graph.HandlerOptions{WebSocket: ws.Limits{RecheckCache: time.Nanosecond, RecheckInterval: time.Hour}})
		token := a.newUser("rita@example.org", auth.Grant{Role: auth.Reporter})
		s := openSocket(t, a, nil, map[string]any{"Authorization": "Bearer " + token})
		if got := s.query("1", viewer); got != `{"data":{"viewer":{"email":"rita@example.org"}}}` {
			t.Fatalf("viewer over the socket: %s", got)
		}
		revoke(t, a, token)
		if r := a.as(token).post(viewer, nil); len(r.Errors) == 0 || r.Errors[0].code() != "UNAUTHENTICATED" {
			t.Fatalf("HTTP with the revoked token: %+v, want UNAUTHENTICATED", r)
		}
		s.send(map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{"query": viewer}})
		s.expectClosed(4403, "The API token was revoked.")
	})
	t.Run("with no operation, the recheck timer closes the socket", func(t *testing.T) {
		a := newAPIWith(t, graph.HandlerOptions{WebSocket: ws.Limits{RecheckInterval: 50 * time.Millisecond}})
		token := a.newUser("hugo@example.org", auth.Grant{Role: auth.Reporter})
		s := openSocket(t, a, http.Header{"Authorization": {"Bearer " + token}}, nil)
		if got := s.query("1", viewer); !strings.Contains(got, "hugo@example.org") {
			t.Fatalf("viewer over the socket: %s", got)
		}
		revoke(t, a, token)
		s.expectClosed(4403, "The API token was revoked.")
	})
	t.Run("a token that expires while the socket is open ends it", func(t *testing.T) {
		a := newAPIWith(t, graph.HandlerOptions{WebSocket: ws.Limits{RecheckInterval: 50 * time.Millisecond}})
		ctx := auth.WithViewer(context.Background(), auth.System())
		u, err := a.ids.CreateUser(ctx, identity.NewUser{Email: "eve@example.org", Name: "Eve", Grants: []auth.Grant{{Role: auth.Reporter}}})
		if err != nil {
			t.Fatal(err)
		}
		expires := time.Now().Add(2 * time.Second)
		token, _, err := a.ids.CreateToken(ctx, u.ID, "short-lived", &expires, auth.ScopeFull)
		if err != nil {
			t.Fatal(err)
		}
		s := openSocket(t, a, nil, map[string]any{"authToken": token})
		if got := s.query("1", viewer); !strings.Contains(got, "eve@example.org") {
			t.Fatalf("viewer over the socket: %s", got)
		}
		s.expectClosed(4403, identity.MsgTokenExpired)
	})
}

func TestWebSocketBadTokens(t *testing.T) {
	a := newAPI(t)
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	token := a.newUser("ines@example.org", auth.Grant{Role: auth.Reporter})
	revoke(t, a, token)

	t.Run("a revoked token in connection_init closes 4403 naming the problem", func(t *testing.T) {
		s := openSocketNoAck(t, url, nil)
		s.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authToken": token}})
		s.expectClosed(4403, "Forbidden: The API token was revoked.")
	})
	t.Run("a revoked token in the upgrade header is refused like HTTP: 401", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{ws.Subprotocol}, HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("dial: %v, %v; want HTTP 401", resp, err)
		}
	})
}

func openSocketNoAck(t *testing.T, url string, header http.Header) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{ws.Subprotocol}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &socket{t: t, conn: conn}
}

func TestWebSocketOperationsAreRateLimited(t *testing.T) {
	limiter := ratelimit.New(ratelimit.Config{AnonymousPerMinute: 1, AnonymousBurst: 3})
	a := newAPIWith(t, graph.HandlerOptions{RateLimit: limiter})
	s := openSocket(t, a.as(""), nil, nil)
	for _, id := range []string{"1", "2", "3"} {
		s.query(id, `{ serverInfo { version } }`)
	}
	s.send(map[string]any{"id": "4", "type": "subscribe", "payload": map[string]any{"query": `{ serverInfo { version } }`}})
	m := s.expect("error")
	var errs []gqlError
	if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) != 1 {
		t.Fatalf("error payload %s", m.Payload)
	}
	if errs[0].code() != "RATE_LIMITED" || errs[0].Extensions["retryAfter"] == nil {
		t.Fatalf("error %+v, want RATE_LIMITED with retryAfter", errs[0])
	}
	s.send(map[string]any{"type": "ping"})
	s.expect("pong") // the socket stays open
}

func TestWebSocketOperationsReadAsTheirViewerWithFreshLoaders(t *testing.T) {
	a := newAPI(t)
	id := a.createReport("Draft title", "Draft body.")
	q := `query($id: ID!) { node(id: $id) { ... on Report { title } } }`
	read := func(s *socket, opID string) string {
		t.Helper()
		s.send(map[string]any{"id": opID, "type": "subscribe", "payload": map[string]any{"query": q, "variables": map[string]any{"id": id}}})
		next := s.expect("next")
		s.expect("complete")
		return string(next.Payload)
	}
	// Opened anonymously, signed in by connection_init: it reads drafts,
	// as its viewer may, not as the anonymous upgrade could.
	signedIn := openSocket(t, a.as(""), nil, map[string]any{"Authorization": "Bearer " + a.token})
	if got := read(signedIn, "1"); got != `{"data":{"node":{"title":"Draft title"}}}` {
		t.Fatalf("signed-in socket: %s", got)
	}
	anonymous := openSocket(t, a.as(""), nil, nil)
	if got := read(anonymous, "1"); got != `{"data":{"node":null}}` {
		t.Fatalf("anonymous socket: %s", got)
	}
	// Each operation has its own loaders: a later one sees a later write.
	a.do(`mutation($id: ID!) { updateReport(input: {id: $id, expectedVersion: 1, title: "New title"}) { report { id } } }`, map[string]any{"id": id}, nil)
	if got := read(signedIn, "2"); got != `{"data":{"node":{"title":"New title"}}}` {
		t.Fatalf("after the update: %s", got)
	}
}

// TestWebSocketGraphQLWSReferenceClient runs the graphql-ws npm client (the
// protocol's reference implementation) against the handler: a token in
// connectionParams, operations in parallel, a validation error, and a
// revoked token's 4403. It needs Node and `npm ci` in
// graph/ws/testdata/compat, and is skipped without them.
func TestWebSocketGraphQLWSReferenceClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat("ws/testdata/compat/node_modules/graphql-ws"); err != nil {
		t.Skip("run `npm ci` in graph/ws/testdata/compat to check the graphql-ws client")
	}
	a := newAPI(t)
	srv := httptest.NewServer(a.handler)
	t.Cleanup(srv.Close)
	token := a.newUser("js@example.org", auth.Grant{Role: auth.Reporter})
	revoked := a.newUser("gone@example.org", auth.Grant{Role: auth.Reporter})
	revoke(t, a, revoked)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "ws/testdata/compat/check.mjs", "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", token, revoked).Output()
	if err != nil {
		t.Fatalf("check.mjs: %v\n%s", err, out)
	}
	var got struct {
		Viewer     json.RawMessage   `json:"viewer"`
		Parallel   []json.RawMessage `json:"parallel"`
		Validation []gqlError        `json:"validation"`
		Revoked    struct {
			Code   int    `json:"code"`
			Reason string `json:"reason"`
		} `json:"revoked"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("check.mjs printed %s", out)
	}
	if string(got.Viewer) != `{"data":{"viewer":{"email":"js@example.org"}}}` {
		t.Errorf("viewer: %s", got.Viewer)
	}
	if len(got.Parallel) != 3 {
		t.Errorf("parallel operations: %s", got.Parallel)
	}
	if len(got.Validation) != 1 || got.Validation[0].code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("validation error: %+v", got.Validation)
	}
	if got.Revoked.Code != 4403 || got.Revoked.Reason != "Forbidden: The API token was revoked." {
		t.Errorf("revoked token: %+v", got.Revoked)
	}
}

// A public socket's messages are bounded like a public HTTP body
// (PublicMaxBody); the newsroom's may be larger, from the moment its
// connection_init token is checked.
func TestWebSocketPublicMessagesAreBounded(t *testing.T) {
	a := newAPI(t)
	big := "{ __typename } #" + strings.Repeat("x", 200<<10)
	newsroom := openSocket(t, a, nil, map[string]any{"authToken": a.token})
	if got := newsroom.query("1", big); !strings.Contains(got, "__typename") {
		t.Fatalf("newsroom, a 200 KiB message: %s", got)
	}
	public := openSocket(t, a.as(""), nil, nil)
	b, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": big}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The server may close the socket while the frame is still being
	// written (the client then sees a reset, not the close frame).
	_ = public.conn.Write(ctx, websocket.MessageText, b)
	for {
		m, err := public.read()
		if err == nil {
			if m.Type == "next" {
				t.Fatalf("a public socket ran a %d-byte message", len(b))
			}
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Code != websocket.StatusMessageTooBig {
			t.Fatalf("closed %d %q, want 1009", ce.Code, ce.Reason)
		}
		return
	}
}

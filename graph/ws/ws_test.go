package ws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/cerr"
)

func TestQueryIsNextThenComplete(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.subscribe("1", "{ hello }")
	next := c.expect("next")
	if next.ID != "1" || string(next.Payload) != `{"data":{"hello":"world"}}` {
		t.Fatalf("next = %s %s", next.ID, next.Payload)
	}
	if m := c.expect("complete"); m.ID != "1" {
		t.Fatalf("complete for %q, want 1", m.ID)
	}
}

func TestSubscriptionStreamsUntilClientCompletes(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.subscribe("s", "subscription { ticks }")
	for _, v := range []string{"a", "b"} {
		f.ticks <- v
		if m := c.expect("next"); string(m.Payload) != fmt.Sprintf(`{"data":{"ticks":%q}}`, v) {
			t.Fatalf("next = %s", m.Payload)
		}
	}
	c.send(map[string]any{"id": "s", "type": "complete"})
	c.ping() // no complete echoed back
	// The id is free again.
	c.subscribe("s", "{ hello }")
	c.expect("next")
	c.expect("complete")
}

func TestProtocolViolationsClose(t *testing.T) {
	tests := []struct {
		name   string
		init   bool // connection_init first
		send   []string
		code   websocket.StatusCode
		reason string
	}{
		{"no connection_init in time", false, nil, 4408, "Connection initialisation timeout"},
		{"a second connection_init", true, []string{`{"type":"connection_init"}`}, 4429, "Too many initialisation requests"},
		{"subscribe before connection_ack", false, []string{`{"id":"1","type":"subscribe","payload":{"query":"{ hello }"}}`}, 4401, "Unauthorized"},
		{"invalid JSON", true, []string{`{"type":`}, 4400, "Invalid message received"},
		{"not an object", true, []string{`[1,2]`}, 4400, "Invalid message received"},
		{"no type", true, []string{`{"id":"1"}`}, 4400, `"type" is missing`},
		{"unknown type", true, []string{`{"type":"start","id":"1"}`}, 4400, `unknown type "start"`},
		{"a server message type", true, []string{`{"type":"next","id":"1","payload":{}}`}, 4400, `unknown type "next"`},
		{"subscribe without a payload", true, []string{`{"id":"1","type":"subscribe"}`}, 4400, "payload"},
		{"subscribe without an id", true, []string{`{"type":"subscribe","payload":{"query":"{ hello }"}}`}, 4400, `"id"`},
		{"subscribe without a query", true, []string{`{"id":"1","type":"subscribe","payload":{"variables":{}}}`}, 4400, `no "query"`},
		{"a connection_init payload that is not an object", false, []string{`{"type":"connection_init","payload":"x"}`}, 4400, "must be an object"},
		{"a token that is not a string", false, []string{`{"type":"connection_init","payload":{"token":5}}`}, 4400, `"token" must be a string`},
		{"a duplicate operation id", true, []string{
			`{"id":"op-7","type":"subscribe","payload":{"query":"{ block }"}}`,
			`{"id":"op-7","type":"subscribe","payload":{"query":"{ hello }"}}`,
		}, 4409, "Subscriber for op-7 already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, ws.Config{Limits: ws.Limits{InitTimeout: 50 * time.Millisecond}})
			c := dial(t, f.url, nil)
			if tt.init {
				c.init(nil)
			}
			for _, s := range tt.send {
				c.send(s)
			}
			c.expectClosed(tt.code, tt.reason)
		})
	}
}

func TestDuplicateIDCancelsTheRunningOperation(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.send(`{"id":"x","type":"subscribe","payload":{"query":"query Slow { block }"}}`)
	receive(t, f.started, "the first operation to start")
	c.send(`{"id":"x","type":"subscribe","payload":{"query":"{ hello }"}}`)
	c.expectClosed(4409, "Subscriber for x already exists")
	if got := receive(t, f.cancelled, "the running operation to be cancelled"); got != "Slow" {
		t.Fatalf("cancelled %q", got)
	}
}

func TestPingIsAnsweredWithPong(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.send(`{"type":"ping","payload":{"n":1}}`)
	if m := c.expect("pong"); string(m.Payload) != `{"n":1}` {
		t.Fatalf("pong payload %s, want the ping's", m.Payload)
	}
	c.send(`{"type":"pong"}`) // an unsolicited pong is fine
	c.ping()
}

func TestServerSendsKeepAlivePings(t *testing.T) {
	// The client keeps reading, so its WebSocket stack answers the ping
	// frames that go with the ping messages well within the interval.
	f := newFixture(t, ws.Config{Limits: ws.Limits{KeepAlive: 100 * time.Millisecond}})
	c := connect(t, f.url, nil)
	for range 2 {
		m, err := c.readRaw()
		if err != nil || m.Type != "ping" {
			t.Fatalf("got %+v, %v; want a ping", m, err)
		}
	}
}

func TestErrorEndsTheOperationWithoutComplete(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.subscribe("bad", "{ nosuchfield }")
	m := c.expect("error")
	if m.ID != "bad" {
		t.Fatalf("error for %q", m.ID)
	}
	errs := errorsOf(t, m)
	if errs[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("error %+v, want GRAPHQL_VALIDATION_FAILED", errs[0])
	}
	c.ping() // and no complete for "bad" before the pong
}

func TestClientCompleteCancelsTheOperation(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.send(`{"id":"long","type":"subscribe","payload":{"query":"query Long { block }"}}`)
	receive(t, f.started, "the operation to start")
	c.send(`{"id":"long","type":"complete"}`)
	if got := receive(t, f.cancelled, "the operation to be cancelled"); got != "Long" {
		t.Fatalf("cancelled %q", got)
	}
	c.ping() // nothing was sent for "long"
	c.send(`{"id":"never-started","type":"complete"}`)
	c.ping() // unknown ids are ignored
}

func TestMessageTooBigCloses1009(t *testing.T) {
	f := newFixture(t, ws.Config{Limits: ws.Limits{MaxMessageBytes: 1024}})
	c := connect(t, f.url, nil)
	c.subscribe("1", "{ hello "+strings.Repeat(" ", 2048)+"}")
	c.expectClosed(websocket.StatusMessageTooBig, "")
}

func TestTooManyOperationsAtOnce(t *testing.T) {
	f := newFixture(t, ws.Config{Limits: ws.Limits{MaxOperations: 2}})
	c := connect(t, f.url, nil)
	for _, id := range []string{"a", "b"} {
		c.subscribe(id, "{ block }")
		receive(t, f.started, "operation "+id)
	}
	c.subscribe("c", "{ hello }")
	m := c.expect("error")
	errs := errorsOf(t, m)
	if m.ID != "c" || errs[0].Extensions["code"] != "RATE_LIMITED" || !strings.Contains(errs[0].Message, "2 operations") {
		t.Fatalf("got %s %s, want a RATE_LIMITED error for c", m.ID, m.Payload)
	}
	c.send(`{"id":"a","type":"complete"}`)
	receive(t, f.cancelled, "operation a to end")
	c.subscribe("c", "{ hello }")
	c.expect("next")
	c.expect("complete")
}

func TestRateLimitedOperationGetsAnErrorAndTheSocketStaysOpen(t *testing.T) {
	var spent atomic.Int64
	var tokens []string
	f := newFixture(t, ws.Config{Allow: func(r *http.Request, token string) (bool, time.Duration) {
		tokens = append(tokens, token) // the reader calls Allow, one at a time
		return spent.Add(1) <= 2, 1500 * time.Millisecond
	}})
	c := connect(t, f.url, map[string]any{"token": "alice-token"})
	for _, id := range []string{"1", "2"} {
		c.subscribe(id, "{ hello }")
		c.expect("next")
		c.expect("complete")
	}
	c.subscribe("3", "{ hello }")
	m := c.expect("error")
	errs := errorsOf(t, m)
	if m.ID != "3" || errs[0].Extensions["code"] != "RATE_LIMITED" || errs[0].Extensions["retryAfter"] != 2.0 {
		t.Fatalf("got %s %s, want RATE_LIMITED with retryAfter 2", m.ID, m.Payload)
	}
	if !strings.Contains(errs[0].Message, "retry after 2 seconds") {
		t.Errorf("message %q does not say when to retry", errs[0].Message)
	}
	c.ping()
	if strings.Join(tokens, ",") != "alice-token,alice-token,alice-token" {
		t.Errorf("Allow saw tokens %q, want the socket's token each time", tokens)
	}
}

func TestAuthentication(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		payload any
		want    string // viewer's user id
	}{
		{"anonymous", "", nil, "0"},
		{"the upgrade's Authorization header", "Bearer alice-token", nil, "1"},
		{"Authorization in the payload", "", map[string]any{"Authorization": "Bearer bob-token"}, "2"},
		{"authorization in the payload", "", map[string]any{"authorization": "bearer bob-token"}, "2"},
		{"authToken in the payload", "", map[string]any{"authToken": "bob-token"}, "2"},
		{"token in the payload", "", map[string]any{"token": "bob-token"}, "2"},
		{"the payload's token over the header's", "Bearer alice-token", map[string]any{"token": "bob-token"}, "2"},
		{"an empty payload", "", map[string]any{}, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, ws.Config{})
			opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
			if tt.header != "" {
				opts.HTTPHeader.Set("Authorization", tt.header)
			}
			c := dial(t, f.url, opts)
			c.init(tt.payload)
			c.subscribe("v", "{ viewer }")
			if m := c.expect("next"); string(m.Payload) != fmt.Sprintf(`{"data":{"viewer":%q}}`, tt.want) {
				t.Fatalf("viewer: %s, want user %s", m.Payload, tt.want)
			}
		})
	}
}

func TestBadTokenInConnectionInitCloses4403(t *testing.T) {
	tests := []struct{ name, token, revokedAs, reason string }{
		{"unknown", "nobody-token", "", "The API token is not valid."},
		{"revoked", "alice-token", "The API token was revoked.", "The API token was revoked."},
		{"expired", "alice-token", "The API token has expired.", "The API token has expired."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, ws.Config{})
			if tt.revokedAs != "" {
				f.revoke(tt.token, tt.revokedAs)
			}
			c := dial(t, f.url, nil)
			c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + tt.token}})
			c.expectClosed(4403, "Forbidden: "+tt.reason)
		})
	}
}

func TestRevokedTokenClosesTheSocket(t *testing.T) {
	t.Run("at the next operation", func(t *testing.T) {
		f := newFixture(t, ws.Config{Limits: ws.Limits{RecheckCache: time.Nanosecond, RecheckInterval: time.Hour}})
		c := connect(t, f.url, map[string]any{"token": "alice-token"})
		c.subscribe("long", "{ block }")
		receive(t, f.started, "the long operation")
		c.subscribe("1", "{ hello }")
		c.expect("next")
		c.expect("complete")
		f.revoke("alice-token", "The API token was revoked.")
		c.subscribe("2", "{ hello }")
		c.expectClosed(4403, "The API token was revoked.")
		receive(t, f.cancelled, "the running operation to be cancelled")
	})
	t.Run("on the timer, with no operation", func(t *testing.T) {
		f := newFixture(t, ws.Config{Limits: ws.Limits{RecheckCache: time.Nanosecond, RecheckInterval: 20 * time.Millisecond}})
		opts := &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer bob-token"}}}
		c := dial(t, f.url, opts)
		c.init(nil)
		f.revoke("bob-token", "The API token's user is disabled.")
		c.expectClosed(4403, "The API token's user is disabled.")
	})
	t.Run("a positive check is cached for RecheckCache", func(t *testing.T) {
		var calls atomic.Int64
		f := newFixture(t, ws.Config{Limits: ws.Limits{RecheckCache: time.Hour, RecheckInterval: time.Hour}})
		f2 := newFixture(t, ws.Config{Limits: ws.Limits{RecheckCache: time.Hour, RecheckInterval: time.Hour}, Authenticate: func(ctx context.Context, token string) (context.Context, error) {
			calls.Add(1)
			return f.authenticate(ctx, token)
		}})
		c := connect(t, f2.url, map[string]any{"token": "alice-token"})
		for i := range 20 {
			c.subscribe(fmt.Sprint(i), "{ hello }")
			c.expect("next")
			c.expect("complete")
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("Authenticate called %d times for init and 20 operations, want 1", n)
		}
	})
}

func TestSocketCaps(t *testing.T) {
	t.Run("per client IP: 429 RATE_LIMITED before the upgrade", func(t *testing.T) {
		f := newFixture(t, ws.Config{Limits: ws.Limits{MaxSocketsPerClient: 2}})
		first := connect(t, f.url, nil)
		connect(t, f.url, nil)
		expectRefused(t, f.url, http.StatusTooManyRequests, "RATE_LIMITED", "at most 2")
		_ = first.conn.Close(websocket.StatusNormalClosure, "")
		eventually(t, "the closed socket is released", func() bool { return f.transport.Open() == 1 })
		connect(t, f.url, nil)
	})
	t.Run("in total: 503 UNAVAILABLE", func(t *testing.T) {
		f := newFixture(t, ws.Config{Limits: ws.Limits{MaxSockets: 1}})
		connect(t, f.url, nil)
		expectRefused(t, f.url, http.StatusServiceUnavailable, "UNAVAILABLE", "as many WebSockets open as it allows")
	})
	t.Run("sockets that never send connection_init are closed and released", func(t *testing.T) {
		f := newFixture(t, ws.Config{Limits: ws.Limits{MaxSocketsPerClient: 3, InitTimeout: 30 * time.Millisecond}})
		for range 3 {
			c := dial(t, f.url, nil)
			c.expectClosed(4408, "Connection initialisation timeout")
		}
		eventually(t, "every socket is released", func() bool { return f.transport.Open() == 0 })
		connect(t, f.url, nil)
	})
}

func expectRefused(t *testing.T, url string, status int, code, msg string) {
	t.Helper()
	_, err := tryDial(url, nil)
	var de *dialError
	if !errors.As(err, &de) || de.status != status {
		t.Fatalf("dial: %v, want HTTP %d", err, status)
	}
	body, _ := io.ReadAll(de.resp.Body)
	var out struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) != 1 {
		t.Fatalf("body %s is not a GraphQL error", body)
	}
	if e := out.Errors[0]; e.Extensions["code"] != code || !strings.Contains(e.Message, msg) {
		t.Fatalf("error %+v, want %s saying %q", e, code, msg)
	}
	if de.resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
}

func TestLegacyGraphQLWSSubprotocolIsRefused(t *testing.T) {
	f := newFixture(t, ws.Config{})
	for _, offered := range [][]string{{"graphql-ws"}, {}} {
		c := dial(t, f.url, &websocket.DialOptions{Subprotocols: offered})
		c.expectClosed(4406, "use graphql-transport-ws")
	}
}

func TestSlowConsumerIsClosed(t *testing.T) {
	f := newFixture(t, ws.Config{Limits: ws.Limits{WriteQueue: 1, WriteTimeout: 100 * time.Millisecond, KeepAlive: -1}})
	c := connect(t, f.url, nil)
	c.subscribe("s", "subscription { ticks }")
	big := strings.Repeat("x", 1<<20)
	// The client reads nothing more: the socket's buffers fill, then the
	// queue, and the server gives up on it.
	go func() {
		for {
			select {
			case f.ticks <- big:
			case <-time.After(wait):
				return
			}
		}
	}()
	eventually(t, "the slow socket is closed", func() bool { return f.transport.Open() == 0 })
	logs := f.closeLogs()
	if len(logs) != 1 || logs[0]["code"] != 4499.0 {
		t.Fatalf("close logs %v, want one with code 4499", logs)
	}
}

func TestCloseIsLogged(t *testing.T) {
	f := newFixture(t, ws.Config{})
	opts := &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer bob-token"}}}
	c := dial(t, f.url, opts)
	c.init(nil)
	c.subscribe("1", "{ hello }")
	c.expect("next")
	c.expect("complete")
	_ = c.conn.Close(websocket.StatusNormalClosure, "bye")
	eventually(t, "the close is logged", func() bool { return len(f.closeLogs()) == 1 })
	rec := f.closeLogs()[0]
	if rec["code"] != 1000.0 || rec["user_id"] != 2.0 || rec["operations"] != 1.0 {
		t.Fatalf("close log %v, want code 1000, user_id 2, operations 1", rec)
	}
	if _, ok := rec["request_id"]; !ok {
		t.Errorf("close log %v has no request_id", rec)
	}
}

func TestPeerThatDoesNotAnswerPingsIsDropped(t *testing.T) {
	f := newFixture(t, ws.Config{Limits: ws.Limits{KeepAlive: 30 * time.Millisecond}})
	connect(t, f.url, nil)
	// The client stops reading, so its WebSocket stack answers no ping frame.
	eventually(t, "the unresponsive socket is closed", func() bool { return f.transport.Open() == 0 })
	if logs := f.closeLogs(); len(logs) != 1 || logs[0]["code"] != 4499.0 || !strings.Contains(fmt.Sprint(logs[0]["reason"]), "ping") {
		t.Fatalf("close logs %v, want one with code 4499 about the ping", logs)
	}
}

func TestPanicOutsideResolversEndsOnlyThatOperation(t *testing.T) {
	f := newFixture(t, ws.Config{})
	c := connect(t, f.url, nil)
	c.subscribe("p", "{ panic }")
	m := c.expect("error")
	if errs := errorsOf(t, m); m.ID != "p" || len(errs) != 1 {
		t.Fatalf("got %s %s, want one error for p", m.ID, m.Payload)
	}
	c.ping()
}

func TestTokenCheckOutageCloses1013(t *testing.T) {
	f := newFixture(t, ws.Config{Authenticate: func(context.Context, string) (context.Context, error) {
		return nil, cerr.Errorf(cerr.Unavailable, "The database cannot be reached.")
	}})
	c := dial(t, f.url, nil)
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"token": "alice-token"}})
	c.expectClosed(websocket.StatusTryAgainLater, "Try again later")
}

// When the server shuts down, every socket is closed 1001 (clients
// reconnect, to another instance behind a load balancer) instead of being
// cut when the process exits.
func TestShutdownClosesSocketsGoingAway(t *testing.T) {
	closing := make(chan struct{})
	f := newFixture(t, ws.Config{Closing: closing})
	c := connect(t, f.url, nil)
	close(closing)
	c.expectClosed(websocket.StatusGoingAway, "Server shutting down")
}

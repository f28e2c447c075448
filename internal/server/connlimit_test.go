package server

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// One client address may hold PerIP connections; the next one is answered
// 429 and closed, and a connection closed frees its slot.
func TestConnectionsPerIPAreLimited(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })}
	go func() { _ = srv.Serve(newLimitListener(ln, ConnLimits{PerIP: 2})) }()
	defer srv.Close()

	dial := func() net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	status := func(c net.Conn) string {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			return "write: " + err.Error()
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return "read: " + err.Error()
		}
		return strings.TrimSpace(line)
	}
	first, second := dial(), dial()
	defer first.Close()
	if got := status(first); got != "HTTP/1.1 204 No Content" {
		t.Fatalf("first: %s", got)
	}
	if got := status(second); got != "HTTP/1.1 204 No Content" {
		t.Fatalf("second: %s", got)
	}
	third := dial()
	defer third.Close()
	if got := status(third); !strings.HasPrefix(got, "HTTP/1.1 429") {
		t.Fatalf("third: %s, want 429", got)
	}
	second.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dial()
		got := status(c)
		c.Close()
		if got == "HTTP/1.1 204 No Content" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after closing one, a new connection still gets %s", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

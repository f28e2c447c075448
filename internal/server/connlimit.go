package server

import (
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/copydesk/copydesk/internal/ratelimit"
)

// ConnLimits bound the HTTP connections (WebSockets included) the server
// holds open at once.
type ConnLimits struct {
	// Total is the most connections in all; 0: no limit.
	Total int
	// PerIP is the most from one client address (IPv6 by /64); 0: no
	// limit. Behind a proxy every connection comes from the proxy, so
	// the app turns it off with --trust-proxy and the proxy must limit.
	PerIP int
}

// DefaultConnLimits: 10,000 in all, 64 per client address, far above what
// a browser (6 per host) or a newsroom behind one NAT opens.
func DefaultConnLimits() ConnLimits { return ConnLimits{Total: 10000, PerIP: 64} }

// limitListener accepts connections up to its limits. A connection over a
// limit gets a short answer (429 for the client's own limit, 503 for the
// server's) and is closed, so the client learns why instead of timing out.
type limitListener struct {
	net.Listener
	limits ConnLimits
	mu     sync.Mutex
	total  int
	perIP  map[string]int
}

func newLimitListener(l net.Listener, limits ConnLimits) net.Listener {
	if limits.Total <= 0 && limits.PerIP <= 0 {
		return l
	}
	return &limitListener{Listener: l, limits: limits, perIP: map[string]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := ratelimit.AddrKey(c.RemoteAddr().String())
		ok, perIP := l.acquire(key)
		if ok {
			return &limitedConn{Conn: c, release: func() { l.release(key) }}, nil
		}
		go refuse(c, perIP)
	}
}

// acquire takes a slot for a connection from key; when it cannot, perIP
// says whether the client's own limit was the reason (else the total).
func (l *limitListener) acquire(key string) (ok, perIP bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits.PerIP > 0 && l.perIP[key] >= l.limits.PerIP {
		return false, true
	}
	if l.limits.Total > 0 && l.total >= l.limits.Total {
		return false, false
	}
	l.total++
	l.perIP[key]++
	return true, false
}

func (l *limitListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[key]--; l.perIP[key] <= 0 {
		delete(l.perIP, key)
	}
}

// refuse answers a connection over a limit in plain HTTP/1.1 and closes
// it: 429 RATE_LIMITED when the client holds too many, 503 UNAVAILABLE
// when the server does.
func refuse(c net.Conn, perIP bool) {
	_ = c.SetDeadline(time.Now().Add(time.Second))
	status := "503 Service Unavailable"
	body := `{"errors":[{"message":"The server has too many open connections: retry in a moment.","extensions":{"code":"UNAVAILABLE"}}]}`
	if perIP {
		status = "429 Too Many Requests"
		body = `{"errors":[{"message":"Too many open connections from your address: close some and retry.","extensions":{"code":"RATE_LIMITED","retryAfter":1}}]}`
	}
	_, _ = c.Write([]byte("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body))
	_ = c.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

package server

import (
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
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
// limit gets a short 503 answer and is closed, so the client learns why
// instead of timing out.
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
		key := ipKey(c.RemoteAddr())
		if l.acquire(key) {
			return &limitedConn{Conn: c, release: func() { l.release(key) }}, nil
		}
		go refuse(c)
	}
}

func (l *limitListener) acquire(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits.Total > 0 && l.total >= l.limits.Total {
		return false
	}
	if l.limits.PerIP > 0 && l.perIP[key] >= l.limits.PerIP {
		return false
	}
	l.total++
	l.perIP[key]++
	return true
}

func (l *limitListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[key]--; l.perIP[key] <= 0 {
		delete(l.perIP, key)
	}
}

// refuse answers a connection over the limit in plain HTTP/1.1 and closes it.
func refuse(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(time.Second))
	body := `{"errors":[{"message":"Too many open connections from your address: close some and retry.","extensions":{"code":"RATE_LIMITED","retryAfter":1}}]}`
	_, _ = c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
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

func ipKey(a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

package ws_test

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/copydesk/copydesk/graph/ws"
	"github.com/copydesk/copydesk/internal/ratelimit"
)

// TestMeasure prints the figures the transport's limits are judged by.
// It only measures (it asserts nothing) and runs only when asked:
//
//	COPYDESK_WS_MEASURE=1 go test -run TestMeasure -v ./graph/ws
func TestMeasure(t *testing.T) {
	if os.Getenv("COPYDESK_WS_MEASURE") == "" {
		t.Skip("set COPYDESK_WS_MEASURE=1 to measure")
	}
	// 1. 600 operations over one anonymous socket, default rate limits.
	l := ratelimit.New(ratelimit.DefaultConfig())
	f := newFixture(t, ws.Config{Allow: l.AllowSocket})
	c := connect(t, f.url, nil)
	start := time.Now()
	nexts, limited := 0, 0
	for i := 0; i < 600; i++ {
		c.subscribe(strconv.Itoa(i), "{ hello }")
		m := c.read()
		switch m.Type {
		case "next":
			nexts++
			c.expect("complete")
		case "error":
			limited++
		}
	}
	t.Logf("600 anonymous ops: %d ran, %d RATE_LIMITED in %v", nexts, limited, time.Since(start))

	// 2. 500 sockets that never send connection_init, one IP, defaults.
	f2 := newFixture(t, ws.Config{})
	var open []*client
	refused := 0
	for i := 0; i < 500; i++ {
		cl, err := tryDial(f2.url, nil)
		var de *dialError
		if errors.As(err, &de) && de.status == 429 {
			refused++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, cl)
	}
	s2 := time.Now()
	for f2.transport.Open() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("500 idle sockets: %d admitted, %d refused 429; admitted ones all closed %v after the last dial", len(open), refused, time.Since(s2))

	// 3. memory and goroutines per idle, acknowledged socket.
	f3 := newFixture(t, ws.Config{Limits: ws.Limits{MaxSocketsPerClient: -1}})
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	g0 := runtime.NumGoroutine()
	const n = 1000
	cs := make([]*client, n)
	for i := range cs {
		cs[i] = connect(t, f3.url, nil)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	g1 := runtime.NumGoroutine()
	t.Logf("%d sockets (server and client in one process): %.1f KiB heap and %.1f goroutines per socket, both ends", n, float64(m1.HeapInuse-m0.HeapInuse)/n/1024, float64(g1-g0)/n)
}

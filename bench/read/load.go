package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"
)

// The load generator: clients workers, each with its own keep-alive
// connection, sending requests back to back for a duration. Request bodies
// are encoded up front and responses read into a reused buffer, checked
// only for their status and for an "errors" key, so that a request costs
// the client little (measured: the run's client CPU per request).
type load struct {
	url, token string
	bodies     [][]byte // one is drawn at random per request
	clients    int
	d          time.Duration
}

// loadResult is what one run measured.
type loadResult struct {
	requests, failed int
	lat              []time.Duration // of the answered requests
	took             time.Duration
	clientCPU        time.Duration // user + system CPU of this process during the run
	firstFailure     string
}

var transport = &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0, DisableCompression: true, IdleConnTimeout: time.Minute}

var loadClient = &http.Client{Transport: transport, Timeout: 30 * time.Second}

var errorsKey = []byte(`"errors":`)

func (l *load) run(ctx context.Context) loadResult {
	var mu sync.Mutex
	var res loadResult
	cpu0 := cpuTime()
	t0 := time.Now()
	end := t0.Add(l.d)
	var wg sync.WaitGroup
	for w := range l.clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(seed, uint64(w)+uint64(t0.UnixNano())))
			var buf bytes.Buffer
			lat := make([]time.Duration, 0, 4096)
			failed := 0
			var first string
			for time.Now().Before(end) && ctx.Err() == nil {
				body := l.bodies[r.IntN(len(l.bodies))]
				t := time.Now()
				msg := l.send(ctx, body, &buf)
				if msg != "" {
					failed++
					if first == "" {
						first = msg
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.requests += len(lat) + failed
			res.failed += failed
			res.lat = append(res.lat, lat...)
			if res.firstFailure == "" {
				res.firstFailure = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(t0)
	res.clientCPU = cpuTime() - cpu0
	slices.Sort(res.lat)
	return res
}

// send posts one request and returns "" or what went wrong.
func (l *load) send(ctx context.Context, body []byte, buf *bytes.Buffer) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if l.token != "" {
		req.Header.Set("Authorization", "Bearer "+l.token)
	}
	resp, err := loadClient.Do(req)
	if err != nil {
		time.Sleep(10 * time.Millisecond) // the server is gone: do not spin
		return err.Error()
	}
	buf.Reset()
	_, err = io.Copy(buf, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err.Error()
	case resp.StatusCode != http.StatusOK || bytes.Contains(buf.Bytes(), errorsKey):
		return resp.Status + ": " + clip(buf.String(), 300)
	}
	return ""
}

func (r loadResult) pct(p float64) time.Duration { return pct(r.lat, p) }

// pct is the p-quantile of sorted.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// cpuTime is this process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package httpbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Load is the load generator: Clients workers, each with its own
// keep-alive connection, sending requests back to back for D. Request
// bodies are encoded up front and responses read into a reused buffer,
// checked only for their status and for an "errors" key, so that a request
// costs the client little (measured: the run's client CPU per request).
type Load struct {
	URL, Token string
	Bodies     [][]byte // one is drawn at random per request
	Clients    int
	D          time.Duration
	Seed       uint64
}

// Result is what one run measured.
type Result struct {
	Requests, Failed int
	Lat              []time.Duration // of the answered requests, sorted
	Took             time.Duration
	ClientCPU        time.Duration // user + system CPU of this process during the run
	FirstFailure     string
}

var transport = &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0, DisableCompression: true, IdleConnTimeout: time.Minute}

var loadClient = &http.Client{Transport: transport, Timeout: 30 * time.Second}

var errorsKey = []byte(`"errors":`)

// Run runs the load.
func (l *Load) Run(ctx context.Context) Result {
	var mu sync.Mutex
	var res Result
	cpu0 := CPUTime()
	t0 := time.Now()
	end := t0.Add(l.D)
	var wg sync.WaitGroup
	for w := range l.Clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(l.Seed, uint64(w)+uint64(t0.UnixNano())))
			var buf bytes.Buffer
			lat := make([]time.Duration, 0, 4096)
			failed := 0
			var first string
			for time.Now().Before(end) && ctx.Err() == nil {
				body := l.Bodies[r.IntN(len(l.Bodies))]
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
			res.Requests += len(lat) + failed
			res.Failed += failed
			res.Lat = append(res.Lat, lat...)
			if res.FirstFailure == "" {
				res.FirstFailure = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Took = time.Since(t0)
	res.ClientCPU = CPUTime() - cpu0
	slices.Sort(res.Lat)
	return res
}

// send posts one request and returns "" or what went wrong.
func (l *Load) send(ctx context.Context, body []byte, buf *bytes.Buffer) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.URL, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if l.Token != "" {
		req.Header.Set("Authorization", "Bearer "+l.Token)
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
		return resp.Status + ": " + Clip(buf.String(), 300)
	}
	return ""
}

// Pct is the p-quantile of the run's latencies.
func (r Result) Pct(p float64) time.Duration { return Pct(r.Lat, p) }

// RPS is the answered requests per second.
func (r Result) RPS() float64 {
	if r.Took <= 0 {
		return 0
	}
	return float64(r.Requests-r.Failed) / r.Took.Seconds()
}

// Pct is the p-quantile of sorted.
func Pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// CPUTime is this process's user + system CPU time.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var checkClient = &http.Client{Timeout: 60 * time.Second}

// PostRaw sends a GraphQL request and returns the response body, failing
// on a non-200 status or any error in the response.
func PostRaw(ctx context.Context, url, token string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := checkClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var v struct {
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &v); err != nil || resp.StatusCode != http.StatusOK || len(v.Errors) > 0 {
		return nil, fmt.Errorf("%s: status %d: %s", url, resp.StatusCode, Clip(string(b), 800))
	}
	return b, nil
}

// Clip cuts s to n bytes (valid UTF-8), marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// Median returns the median of xs (0 for none).
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ParseClients reads a -clients flag: a comma-separated list of positive
// numbers.
func ParseClients(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-clients: %q is not a positive number", s)
		}
		out = append(out, n)
	}
	return out, nil
}

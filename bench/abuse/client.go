package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// outcome is what one request got.
type outcome struct {
	status  int    // HTTP status; 0 when no response
	code    string // the first error's extensions.code ("" when none)
	nErrors int    // errors in the response; -1 when the response was too large to count them
	data    bool   // the response carried non-null data
	bytes   int64  // response body bytes read
	took    time.Duration
	ids     int   // "id" keys in the head of the response (the probe counts reports with it)
	timeout bool  // the client gave up after its timeout
	err     error // transport failure other than a timeout (e.g. the server died)
}

// refused: the server answered, with an error (a field error beside partial
// data counts: the field asked for was not served).
func (o outcome) refused() bool {
	if o.err != nil || o.timeout || o.status == 0 {
		return false
	}
	return o.status >= 400 || o.nErrors > 0 || (o.nErrors < 0 && o.code != "")
}

type client struct {
	http *http.Client
	url  func() string // the server's current /graphql URL (it changes on restarts)
}

func newClient(url func() string) *client {
	return &client{
		http: &http.Client{Transport: &http.Transport{
			DisableCompression:  true, // count the bytes the server sends
			MaxIdleConnsPerHost: 64,
		}},
		url: url,
	}
}

// headKeep is how much of a response is kept to read its errors: gqlgen
// writes "errors" before "data".
const headKeep = 256 << 10

var codeRE = regexp.MustCompile(`"code"\s*:\s*"([A-Z_]+)"`)

// send posts query, with token as bearer when not empty, and reads the whole
// response, giving up after timeout.
func (c *client) send(ctx context.Context, query, token string, timeout time.Duration) outcome {
	body, _ := json.Marshal(map[string]any{"query": query})
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url()+"/graphql", bytes.NewReader(body))
	if err != nil {
		return outcome{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	t0 := time.Now()
	o := outcome{nErrors: -1}
	resp, err := c.http.Do(req)
	if err == nil {
		o.status = resp.StatusCode
		var head headWriter
		o.bytes, err = io.Copy(&head, resp.Body)
		resp.Body.Close()
		o.parse(head.b, o.bytes)
		o.ids = bytes.Count(head.b, []byte(`"id":`))
	}
	o.took = time.Since(t0)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
			o.timeout = true
		} else {
			o.err = err
		}
	}
	return o
}

// parse reads the errors and data of a response whose first bytes are head.
func (o *outcome) parse(head []byte, total int64) {
	if total <= int64(len(head)) {
		var r struct {
			Errors []struct {
				Extensions struct {
					Code string `json:"code"`
				} `json:"extensions"`
			} `json:"errors"`
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(head, &r) == nil {
			o.nErrors = len(r.Errors)
			if len(r.Errors) > 0 {
				o.code = r.Errors[0].Extensions.Code
			}
			o.data = len(r.Data) > 0 && string(r.Data) != "null"
			return
		}
	}
	// Too large (or cut short): read what the head says.
	if m := codeRE.FindSubmatch(head); m != nil {
		o.code = string(m[1])
	}
	o.data = bytes.Contains(head, []byte(`"data":{`))
	if !bytes.Contains(head, []byte(`"errors":`)) {
		o.nErrors = 0
	}
}

// headWriter keeps the first headKeep bytes written to it.
type headWriter struct{ b []byte }

func (h *headWriter) Write(p []byte) (int, error) {
	if room := headKeep - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// loadResult is what a load of normal queries measured.
type loadResult struct {
	requests, failed, transport int // failed: errors or a non-200 status; transport: no answer at all
	timeouts                    int
	lat                         []time.Duration // answered and timed-out requests (a timeout counts as the timeout)
	took                        time.Duration
}

func (r loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// load runs clients goroutines sending query (anonymously) back to back
// for d.
func (c *client) load(ctx context.Context, query string, clients int, d, timeout time.Duration) loadResult {
	var mu sync.Mutex
	var res loadResult
	t0 := time.Now()
	end := t0.Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var mine loadResult
			for time.Now().Before(end) && ctx.Err() == nil {
				o := c.send(ctx, query, "", timeout)
				mine.requests++
				switch {
				case o.err != nil:
					mine.transport++
					time.Sleep(20 * time.Millisecond) // the server is down: do not spin
					continue
				case o.timeout:
					mine.timeouts++
				case o.status != http.StatusOK || o.nErrors != 0 || !o.data:
					mine.failed++
				}
				mine.lat = append(mine.lat, o.took)
			}
			mu.Lock()
			res.requests += mine.requests
			res.failed += mine.failed
			res.transport += mine.transport
			res.timeouts += mine.timeouts
			res.lat = append(res.lat, mine.lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(t0)
	return res
}

// attackStats counts what the attackers sent.
type attackStats struct {
	sent, refused, timeouts, accepted, transport atomic.Int64
	bytes                                        atomic.Int64
}

// attack runs attackers goroutines looping over docs, each sent
// anonymously and with token in turn, until ctx ends.
// attack loops attackers over docs until ctx ends; as says who sends them:
// "both" (alternately anonymous and with token), "anon" or "admin".
func (c *client) attack(ctx context.Context, docs []Doc, token, as string, attackers int, timeout time.Duration, st *attackStats) *sync.WaitGroup {
	var wg sync.WaitGroup
	for a := range attackers {
		wg.Go(func() {
			for i := a * (2 * len(docs) / attackers); ctx.Err() == nil; i++ { // spread the attackers over the corpus
				d := docs[(i/2)%len(docs)]
				tok := ""
				if as == "admin" || (as == "both" && i%2 == 1) {
					tok = token
				}
				o := c.send(ctx, unique(d.Query), tok, timeout)
				if ctx.Err() != nil {
					return // cut short by the end of the phase, not by the server
				}
				st.sent.Add(1)
				st.bytes.Add(o.bytes)
				switch {
				case o.err != nil:
					st.transport.Add(1)
					time.Sleep(20 * time.Millisecond)
				case o.timeout:
					st.timeouts.Add(1)
				case o.refused():
					st.refused.Add(1)
				default:
					st.accepted.Add(1)
				}
			}
		})
	}
	return &wg
}

package postgres

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// QueryCounter counts statements (one per Query or Exec call), whatever
// they cost on the wire, so these tests count network round trips
// themselves: each time the client writes after it has read counts one
// exchange with the server.

// A statement with arguments costs one network round trip on the
// connections OpenWith makes (newConnector sets binary_parameters=yes),
// where lib/pq's
// default costs two (Parse/Describe, then Bind/Execute); a DSN that says
// binary_parameters=no keeps the default.
func TestAStatementWithArgumentsIsOneRoundTrip(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	for _, tc := range []struct {
		name string
		dsn  string
		want int
	}{
		{"OpenWith's default", dsn, 1},
		{"OpenWith's default, key=value DSN", keyValueDSN(t, dsn), 1},
		{"binary_parameters=no in the DSN", dsn + "&binary_parameters=no", 2},
		{"binary_parameters=no in a key=value DSN", keyValueDSN(t, dsn) + " binary_parameters=no", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flights := openCounted(t, tc.dsn)
			var n int
			var title string
			exchanges := flights.during(func() {
				err := flights.db.QueryRowContext(context.Background(), `SELECT $1::int + 1, $2::text`, 41, "x").Scan(&n, &title)
				if err != nil {
					t.Fatal(err)
				}
			})
			if n != 42 || title != "x" {
				t.Fatalf("got %d, %q", n, title)
			}
			if exchanges != tc.want {
				t.Errorf("round trips of one statement with arguments: %d, want %d", exchanges, tc.want)
			}
		})
	}
}

// With binary_parameters a []byte argument travels in binary format: right
// for bytea (a token hash), wrong for jsonb, which is why JSON goes as text.
func TestBinaryParametersSendBytesAsBytea(t *testing.T) {
	db := openCounted(t, pgtest.NewDSN(t)).db
	ctx := context.Background()
	var hex string
	if err := db.GetContext(ctx, &hex, `SELECT encode($1::bytea, 'hex')`, []byte{0, 1, 0xfe}); err != nil {
		t.Fatal(err)
	}
	if hex != "0001fe" {
		t.Errorf("bytea argument arrived as %s, want 0001fe", hex)
	}
	var doc string
	if err := db.GetContext(ctx, &doc, `SELECT $1::jsonb->>'a'`, nullJSON([]byte(`{"a": "b"}`))); err != nil || doc != "b" {
		t.Errorf("nullJSON argument to jsonb: %q, %v", doc, err)
	}
	if err := db.GetContext(ctx, &doc, `SELECT $1::jsonb::text`, []byte(`{"a": "b"}`)); err == nil {
		t.Errorf("a []byte of JSON to a jsonb parameter was accepted (%s): binary_parameters is not in effect", doc)
	}
}

// keyValueDSN turns pgtest's postgres://user:password@host:port/db?k=v
// into lib/pq's key=value form.
func keyValueDSN(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	kv := fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s", u.Hostname(), u.Port(), u.User.Username(), pw, strings.TrimPrefix(u.Path, "/"))
	for k, vs := range u.Query() {
		kv += " " + k + "=" + vs[0]
	}
	return kv
}

// flightCounter is a pool opened the way OpenWith opens one, whose
// connections count the client's turns to speak.
type flightCounter struct {
	db *DB
	mu sync.Mutex
	n  int
}

func openCounted(t *testing.T, dsn string) *flightCounter {
	t.Helper()
	connector, err := newConnector(dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fc := &flightCounter{}
	connector.Dialer(countingDialer{fc})
	fc.db = &DB{DB: newPool(countingConnector{connector}, Options{MaxOpen: 1}), Now: time.Now}
	t.Cleanup(func() { fc.db.Close() })
	if err := fc.db.Ping(); err != nil { // connect (and authenticate) before counting
		t.Fatal(err)
	}
	return fc
}

// during returns the round trips fn made.
func (fc *flightCounter) during(fn func()) int {
	fc.mu.Lock()
	fc.n = 0
	fc.mu.Unlock()
	fn()
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.n
}

type countingDialer struct{ fc *flightCounter }

func (d countingDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d countingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d countingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &flightConn{Conn: c, fc: d.fc}, nil
}

// flightConn counts a round trip at each write that follows a read (or
// opens the connection).
type flightConn struct {
	net.Conn
	fc      *flightCounter
	writing bool
}

func (c *flightConn) Write(b []byte) (int, error) {
	if !c.writing {
		c.writing = true
		c.fc.mu.Lock()
		c.fc.n++
		c.fc.mu.Unlock()
	}
	return c.Conn.Write(b)
}

func (c *flightConn) Read(b []byte) (int, error) {
	c.writing = false
	return c.Conn.Read(b)
}

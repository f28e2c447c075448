package benchdb

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/identity"
)

// AdminToken returns a FULL API token of the admin with email, created
// with name when missing (found again when a database is reused with
// -dsn), and the viewer it authenticates as.
func AdminToken(ctx context.Context, ids *identity.Service, email, name string) (string, *auth.Viewer, error) {
	u, err := ids.UserByEmail(ctx, email)
	if cerr.Is(err, cerr.NotFound) {
		u, err = ids.CreateUser(ctx, identity.NewUser{Email: email, Name: name, Grants: []auth.Grant{{Role: auth.Admin}}})
	}
	if err != nil {
		return "", nil, err
	}
	token, _, err := ids.CreateToken(ctx, u.ID, name, nil, auth.ScopeFull)
	if err != nil {
		return "", nil, err
	}
	v, err := ids.Authenticate(ctx, token)
	return token, v, err
}

// ServerLog is a slog handler for an in-process copydesk server: it hands
// the SQL count of each "request" line to SQL and prints warnings and
// errors to stderr, prefixed with Name, calling Warned for each.
type ServerLog struct {
	Name   string
	SQL    func(n int64) // may be nil
	Warned func()        // may be nil
}

func (h *ServerLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *ServerLog) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		if h.Warned != nil {
			h.Warned()
		}
		var s strings.Builder
		r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&s, " %s=%v", a.Key, a.Value); return true })
		fmt.Fprintf(os.Stderr, "%s: server %s: %s%s\n", h.Name, r.Level, r.Message, clip(s.String(), 600))
	}
	if r.Message == "request" && h.SQL != nil {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "sql" {
				h.SQL(a.Value.Int64())
				return false
			}
			return true
		})
	}
	return nil
}

func (h *ServerLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *ServerLog) WithGroup(string) slog.Handler      { return h }

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

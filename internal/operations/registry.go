package operations

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Options tune a Registry. The zero value applies the defaults.
type Options struct {
	// MaxAutomatic bounds the operations registered automatically (APQ),
	// across every instance: past it the least recently used are deleted.
	// Default 10,000; manifest operations do not count.
	MaxAutomatic int
	// MaxBodyBytes is the largest document stored (DefaultMaxBodyBytes).
	MaxBodyBytes int
	// CacheSize is how many operations each instance keeps in memory
	// (default 1,000), least recently used dropped.
	CacheSize int
	// CacheTTL is how long an instance trusts its in-memory copy (default
	// 1 minute): an operation unregistered or evicted on another instance
	// stops working here within it.
	CacheTTL time.Duration
	// TouchEvery is the granularity of last_used_at (default 10 minutes):
	// an operation's use is written at most once per TouchEvery, not per
	// request, so the eviction order is exact only to within it.
	TouchEvery time.Duration
	// Log receives failures to record a use (which do not fail requests).
	Log *slog.Logger
}

// The defaults of Options.
const (
	DefaultMaxAutomatic = 10000
	DefaultCacheSize    = 1000
	DefaultCacheTTL     = time.Minute
	DefaultTouchEvery   = 10 * time.Minute
)

// Registry stores persisted operations in PostgreSQL, shared by every
// instance over the same database, with an in-process LRU cache in front.
// It is safe for concurrent use.
type Registry struct {
	db    *postgres.DB
	opts  Options
	cache *expirable.LRU[string, *cached]
}

type cached struct {
	body    string
	source  Source
	touched atomic.Int64 // last_used_at as last written or read, Unix nanoseconds
}

// New returns a registry over db.
func New(db *postgres.DB, opts Options) *Registry {
	if opts.MaxAutomatic == 0 {
		opts.MaxAutomatic = DefaultMaxAutomatic
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.TouchEvery <= 0 {
		opts.TouchEvery = DefaultTouchEvery
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Registry{db: db, opts: opts, cache: expirable.NewLRU[string, *cached](opts.CacheSize, nil, opts.CacheTTL)}
}

// MaxBodyBytes is the largest document the registry stores.
func (r *Registry) MaxBodyBytes() int { return r.opts.MaxBodyBytes }

// Lookup returns the body and source of the operation registered under
// hash (lower-case hex), or ok false when there is none. A use is recorded
// in last_used_at at most once per TouchEvery.
func (r *Registry) Lookup(ctx context.Context, hash string) (body string, source Source, ok bool, err error) {
	c, hit := r.cache.Get(hash)
	if !hit {
		op, err := postgres.PersistedOperationByHash(ctx, r.db, hash)
		if cerr.Is(err, cerr.NotFound) {
			return "", "", false, nil
		}
		if err != nil {
			return "", "", false, err
		}
		c = &cached{body: op.Body, source: op.Source}
		c.touched.Store(op.LastUsedAt.UnixNano())
		r.cache.Add(hash, c)
	}
	r.touch(ctx, hash, c)
	return c.body, c.source, true, nil
}

// touch writes last_used_at when the known one is TouchEvery old. The
// first request to see it stale claims the write, so concurrent requests
// make one write between them.
func (r *Registry) touch(ctx context.Context, hash string, c *cached) {
	now := r.db.Now().UTC().Truncate(time.Microsecond)
	last := c.touched.Load()
	if now.Sub(time.Unix(0, last)) < r.opts.TouchEvery || !c.touched.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if err := postgres.TouchPersistedOperation(ctx, r.db, hash, now); err != nil {
		r.opts.Log.WarnContext(ctx, "recording the use of a persisted operation", "hash", hash, "err", err)
	}
}

// RegisterAutomatic stores body under hash as an APQ operation (the caller
// has checked that hash is its SHA-256, and that it is a valid operation),
// evicting the least recently used APQ operations past MaxAutomatic. A
// body larger than MaxBodyBytes is not stored (it reports false); one
// stored already changes nothing.
func (r *Registry) RegisterAutomatic(ctx context.Context, hash, body, name string) (bool, error) {
	if len(body) > r.opts.MaxBodyBytes {
		return false, nil
	}
	if _, hit := r.cache.Get(hash); hit {
		return true, nil
	}
	op := &Operation{Hash: hash, Body: body, Name: name}
	if _, err := postgres.InsertAutomaticOperation(ctx, r.db, op, r.opts.MaxAutomatic); err != nil {
		return false, err
	}
	// Not cached here: the next Lookup reads its source (an operation
	// that was in a manifest already stays one).
	return true, nil
}

// Checker checks one operation's text against the schema and returns its
// operation's name and type (query, mutation or subscription); graph
// provides it. Its error's message is put after the entry's label.
type Checker func(body string) (name, typ string, err error)

// Result says what registering a manifest did.
type Result struct {
	// Added counts operations newly registered (or turned from APQ into
	// manifest operations); Unchanged those registered from a manifest
	// already.
	Added, Unchanged int
	// Digest identifies the manifest (Manifest.Digest).
	Digest string
}

// MaxUnregister bounds the hashes one Unregister removes.
const MaxUnregister = 1000

// RegisterManifest registers the manifest in data: it checks that the
// viewer may before reading data (a manifest may be megabytes), parses it
// with the registry's body bound (ParseManifest) and registers it
// (Register). It returns the parsed manifest too, for its format.
func (r *Registry) RegisterManifest(ctx context.Context, data []byte, check Checker) (*Manifest, *Result, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ManageOperations, auth.Resource{}); err != nil {
		return nil, nil, err
	}
	m, err := ParseManifest(data, r.opts.MaxBodyBytes)
	if err != nil {
		return nil, nil, err
	}
	res, err := r.Register(ctx, m, check)
	return m, res, err
}

// Register registers every operation of m, after checking each with
// check, in one transaction with its audit entry ("operations.register"):
// either every operation is registered or, when one fails its check,
// none is and the error (BAD_USER_INPUT) names that entry. Admins only
// (auth.ManageOperations).
func (r *Registry) Register(ctx context.Context, m *Manifest, check Checker) (*Result, error) {
	v := auth.ViewerFrom(ctx)
	if err := auth.Check(v, auth.ManageOperations, auth.Resource{}); err != nil {
		return nil, err
	}
	ops := make([]*Operation, len(m.Entries))
	for i, e := range m.Entries {
		name, typ, err := check(e.Body)
		if err != nil {
			return nil, cerr.Errorf(cerr.Invalid, "%s: %s", e.Label, cerr.Message(err))
		}
		if e.Type != "" && typ != e.Type {
			return nil, cerr.Errorf(cerr.Invalid, "%s: the manifest says it is a %s, but the body is a %s.", e.Label, e.Type, typ)
		}
		if e.Name != "" {
			name = e.Name
		}
		ops[i] = &Operation{Hash: e.Hash, Body: e.Body, Name: name}
	}
	res := &Result{Digest: m.Digest()}
	var added []string
	err := audit.Write(ctx, r.db, func(tx *postgres.Tx) error {
		var err error
		added, err = postgres.UpsertManifestOperations(ctx, tx, ops, v.UserRef())
		return err
	}, func() *audit.Entry {
		if len(added) == 0 {
			return nil
		}
		return &audit.Entry{Action: "operations.register", SubjectType: "PersistedOperations", SubjectKey: res.Digest,
			Detail: map[string]any{"format": m.Format, "operations": len(ops), "added": added}}
	})
	if err != nil {
		return nil, err
	}
	for _, h := range added {
		r.cache.Remove(h) // an APQ copy cached here is a manifest operation now
	}
	res.Added, res.Unchanged = len(added), len(ops)-len(added)
	return res, nil
}

// Unregister deletes the operations with the given hashes, in one
// transaction with its audit entry ("operations.unregister"). Every hash
// must be registered: otherwise nothing is deleted and the error is
// NOT_FOUND with the input's index as its field ("hashes.2"). Admins only.
// Other instances stop running them within CacheTTL.
func (r *Registry) Unregister(ctx context.Context, hashes []string) (int, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ManageOperations, auth.Resource{}); err != nil {
		return 0, err
	}
	if len(hashes) == 0 {
		return 0, cerr.FieldErrorf(cerr.Invalid, "hashes", "Name at least one operation hash to unregister.")
	}
	if len(hashes) > MaxUnregister {
		return 0, cerr.FieldErrorf(cerr.Invalid, "hashes", "Unregister at most %d operations at once (got %d).", MaxUnregister, len(hashes))
	}
	want := make([]string, len(hashes))
	for i, h := range hashes {
		if !ValidHash(h) {
			return 0, cerr.FieldErrorf(cerr.Invalid, fmt.Sprintf("hashes.%d", i), "%q is not a SHA-256 in hex (64 characters 0-9, a-f).", cerr.Clip(h, 70))
		}
		want[i] = strings.ToLower(h)
	}
	var deleted []string
	err := audit.Write(ctx, r.db, func(tx *postgres.Tx) error {
		var err error
		if deleted, err = postgres.DeletePersistedOperations(ctx, tx, want); err != nil {
			return err
		}
		gone := map[string]bool{}
		for _, h := range deleted {
			gone[h] = true
		}
		for i, h := range want {
			if !gone[h] {
				return cerr.FieldErrorf(cerr.NotFound, fmt.Sprintf("hashes.%d", i), "No operation is registered under %s; nothing was unregistered.", h)
			}
		}
		return nil
	}, func() *audit.Entry {
		return &audit.Entry{Action: "operations.unregister", SubjectType: "PersistedOperations", SubjectKey: Hash(strings.Join(deleted, "\n")),
			Detail: map[string]any{"removed": deleted}}
	})
	if err != nil {
		return 0, err
	}
	for _, h := range deleted {
		r.cache.Remove(h)
	}
	return len(deleted), nil
}

// List returns registered operations newest first, at most first, before
// the one with ID beforeID (0: from the newest); source "" lists both.
// Admins only.
func (r *Registry) List(ctx context.Context, source Source, first int, beforeID int64) ([]*Operation, error) {
	if err := auth.Check(auth.ViewerFrom(ctx), auth.ManageOperations, auth.Resource{}); err != nil {
		return nil, err
	}
	return postgres.ListPersistedOperations(ctx, r.db, source, first, beforeID)
}

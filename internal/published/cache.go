package published

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
	"github.com/maypok86/otter/v2"

	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Cache keeps hot public documents in memory, bounded in bytes, so that a
// public read of a hot report costs no SQL at all. It is safe for
// concurrent use, and correct across instances: every change to a report's
// documents is announced on postgres.NotifyPublicChannel in its
// transaction, and each instance's Listen drops that report's entries when
// the announcement arrives. The announcement carries the new revision, and
// the cache refuses to keep any copy older than the newest announced — a
// read that raced the change, or one served by a replica that has not
// replayed it yet — so a stale copy can be served only between a commit
// and the moment its announcement reaches the instance (milliseconds).
// When the listener loses its connection, announcements may have been
// missed: the cache empties itself on reconnection, and entries expire
// after TTL in any case.
type Cache struct {
	docs   *otter.Cache[int64, *variants]
	slugs  *otter.Cache[string, int64] // a slug, current or former, names one report for ever
	floors *otter.Cache[int64, int64]  // the newest revision announced per report
	hits   atomic.Int64
	misses atomic.Int64
}

// variants are a report's cached documents, one per set of locales asked
// for (the translation documents differ). Immutable once cached.
type variants struct {
	revision  int64
	byLocales map[string]*editorial.PublicReport
	size      int
}

// TTL bounds how long a document stays cached without an announcement.
const TTL = 5 * time.Minute

// decodedFactor is about how much more memory a document takes decoded
// than as stored JSON (measured on the benchmark's documents: many small
// strings and pointers).
const decodedFactor = 3

// NewCache returns a cache of documents that take at most about maxBytes
// of memory (decoded: decodedFactor times their stored size).
func NewCache(maxBytes int) *Cache {
	return &Cache{
		docs: otter.Must(&otter.Options[int64, *variants]{MaximumWeight: uint64(maxBytes),
			Weigher:          func(_ int64, v *variants) uint32 { return uint32(min(decodedFactor*v.size, 1<<31)) },
			ExpiryCalculator: otter.ExpiryWriting[int64, *variants](TTL)}),
		slugs:  otter.Must(&otter.Options[string, int64]{MaximumSize: 100_000}),
		floors: otter.Must(&otter.Options[int64, int64]{MaximumSize: 100_000, ExpiryCalculator: otter.ExpiryWriting[int64, int64](2 * TTL)}),
	}
}

func localesKey(locales []string) string { return strings.Join(locales, ",") }

// Get returns the cached documents of report id (or of the report that has
// or had slug, when slug is set) with the translation documents of
// locales, or nil.
func (c *Cache) Get(id int64, slug string, locales []string) *editorial.PublicReport {
	if slug != "" {
		var ok bool
		if id, ok = c.slugs.GetIfPresent(slug); !ok {
			c.misses.Add(1)
			return nil
		}
	}
	if v, ok := c.docs.GetIfPresent(id); ok {
		if d := v.byLocales[localesKey(locales)]; d != nil {
			c.hits.Add(1)
			return d
		}
	}
	c.misses.Add(1)
	return nil
}

// GetAt returns the cached documents of report id with the translation
// documents of locales if they are at revision rev (PublicReport.Revision,
// as a list just read it), or nil.
func (c *Cache) GetAt(id int64, locales []string, rev string) *editorial.PublicReport {
	if d := c.Get(id, "", locales); d != nil && d.Revision == rev {
		return d
	}
	return nil
}

// Put caches d, read for slug (if set) with the translation documents of
// locales, unless a newer revision of the report was announced.
func (c *Cache) Put(d *editorial.PublicReport, slug string, locales []string) {
	id, rev := d.Source.Report.ID, d.SourceRevision
	if floor, ok := c.floors.GetIfPresent(id); ok && rev < floor {
		return
	}
	if slug != "" {
		c.slugs.Set(slug, id)
	}
	c.docs.Compute(id, func(old *variants, found bool) (*variants, otter.ComputeOp) {
		if found && old.revision > rev {
			return old, otter.CancelOp
		}
		next := &variants{revision: rev, byLocales: map[string]*editorial.PublicReport{}}
		if found && old.revision == rev {
			for k, v := range old.byLocales {
				next.byLocales[k], next.size = v, next.size+v.Size
			}
		}
		k := localesKey(locales)
		if next.byLocales[k] == nil {
			next.size += d.Size
		}
		next.byLocales[k] = d
		return next, otter.WriteOp
	})
}

// Announced drops report id's documents after a change announced with
// revision rev, and refuses older copies from now on.
func (c *Cache) Announced(id, rev int64) {
	c.floors.Compute(id, func(old int64, found bool) (int64, otter.ComputeOp) {
		if found && old >= rev {
			return old, otter.CancelOp
		}
		return rev, otter.WriteOp
	})
	c.docs.Invalidate(id)
}

// Clear empties the cache (after announcements may have been missed).
func (c *Cache) Clear() { c.docs.InvalidateAll() }

// Stats returns how many reads the cache answered and how many it did not.
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

// Listen keeps c current until ctx ends: it listens on
// postgres.NotifyPublicChannel of the primary database at dsn (never a
// replica: announcements are sent where the changes commit), reconnecting
// as needed and clearing c whenever the connection was lost. ready, if
// set, is closed once the first LISTEN is in place.
func Listen(ctx context.Context, dsn string, c *Cache, log *slog.Logger, ready chan<- struct{}) error {
	l := pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventDisconnected:
			log.Warn("public documents cache: lost the notification connection; reconnecting", "err", err)
		case pq.ListenerEventReconnected:
			log.Info("public documents cache: reconnected; cleared, since announcements may have been missed")
			c.Clear()
		}
	})
	defer l.Close()
	if err := l.Listen(postgres.NotifyPublicChannel); err != nil {
		return err
	}
	if ready != nil {
		close(ready)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-l.Notify:
			if n == nil { // the connection was re-established
				c.Clear()
				continue
			}
			id, rev, ok := parseAnnouncement(n.Extra)
			if !ok {
				log.Warn("public documents cache: unreadable announcement; clearing", "payload", n.Extra)
				c.Clear()
				continue
			}
			c.Announced(id, rev)
		case <-time.After(time.Minute):
			go func() { _ = l.Ping() }()
		}
	}
}

func parseAnnouncement(s string) (id, rev int64, ok bool) {
	a, b, found := strings.Cut(s, ":")
	id, err1 := strconv.ParseInt(a, 10, 64)
	rev, err2 := strconv.ParseInt(b, 10, 64)
	return id, rev, found && err1 == nil && err2 == nil
}

package published

import (
	"testing"

	"github.com/copydesk/copydesk/internal/editorial"
)

func doc(id, rev int64) *editorial.PublicReport {
	return &editorial.PublicReport{Source: &editorial.PublicSource{Report: &editorial.Report{ID: id}}, SourceRevision: rev, Size: 100}
}

// The cache never keeps a copy older than the newest change announced for
// its report: a read that raced the change, or one served by a replica
// that has not replayed it yet, is answered but not cached.
func TestTheCacheRefusesCopiesOlderThanAnAnnouncement(t *testing.T) {
	for _, c := range []struct {
		name       string
		steps      func(c *Cache)
		wantCached int64 // revision expected from Get; 0: none
	}{
		{"a fresh copy is cached", func(c *Cache) { c.Put(doc(1, 5), "s", nil) }, 5},
		{"an announcement drops it", func(c *Cache) { c.Put(doc(1, 5), "s", nil); c.Announced(1, 6) }, 0},
		{"a copy older than the announcement is not cached", func(c *Cache) { c.Announced(1, 6); c.Put(doc(1, 5), "s", nil) }, 0},
		{"the announced copy is", func(c *Cache) { c.Announced(1, 6); c.Put(doc(1, 6), "s", nil) }, 6},
		{"a late older copy does not replace a newer one", func(c *Cache) { c.Put(doc(1, 7), "s", nil); c.Put(doc(1, 6), "s", nil) }, 7},
		{"another report's announcement changes nothing", func(c *Cache) { c.Put(doc(1, 5), "s", nil); c.Announced(2, 9) }, 5},
		{"clearing empties it", func(c *Cache) { c.Put(doc(1, 5), "s", nil); c.Clear() }, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			cache := NewCache(1 << 20)
			c.steps(cache)
			for _, got := range []*editorial.PublicReport{cache.Get(0, "s", nil), cache.Get(1, "", nil)} {
				var rev int64
				if got != nil {
					rev = got.SourceRevision
				}
				if rev != c.wantCached {
					t.Errorf("cached revision %d, want %d", rev, c.wantCached)
				}
			}
		})
	}
}

// Copies read for different locales are cached side by side, and bounded
// in bytes.
func TestTheCacheKeepsOneCopyPerLocaleSetWithinItsBudget(t *testing.T) {
	c := NewCache(1 << 20)
	c.Put(doc(1, 5), "", []string{"ja"})
	c.Put(doc(1, 5), "", []string{"zh-Hant", "zh-Hans"})
	if c.Get(1, "", []string{"ja"}) == nil || c.Get(1, "", []string{"zh-Hant", "zh-Hans"}) == nil || c.Get(1, "", nil) != nil {
		t.Error("one copy per set of locales")
	}
	small := NewCache(3000)
	for id := int64(1); id <= 100; id++ {
		small.Put(doc(id, 1), "", nil)
	}
	small.docs.CleanUp()
	if w := small.docs.WeightedSize(); w > 3000 {
		t.Errorf("the cache holds %d bytes, over its budget of 3000", w)
	}
}

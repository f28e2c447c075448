package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
	"github.com/copydesk/copydesk/internal/richtext"
)

// projected is an answer reduced to what every system must agree on: the
// reports in order, each with its texts, the body as copydesk's HTML (a
// Markdown body is rendered with copydesk's own renderer), the event, tag
// and attendee names in order.
type projected struct {
	Reports []projReport
	HasNext *bool
}

type projReport struct {
	ID                  int64
	Slug, Title         string
	Subtitle, Summary   *string
	BodyHTML            string
	PublishedAt         string
	Status              string
	Version             int64
	UpdatedAt           string
	Event, EventParent  string
	Tags, Attendees     []string
	AttendeesWithPeople int
}

// Walking decoded JSON (objects are map[string]any).
func at(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any, path ...string) string { s, _ := at(v, path...).(string); return s }

func strp(v any, path ...string) *string {
	if s, ok := at(v, path...).(string); ok {
		return &s
	}
	return nil
}

func list(v any, path ...string) []any { l, _ := at(v, path...).([]any); return l }

func num(v any, path ...string) int64 {
	switch x := at(v, path...).(type) {
	case json.Number:
		n, _ := x.Int64()
		return n
	case string: // PostGraphile's BigInt, copydesk's global IDs
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n
		}
		if raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(x, "=")); err == nil {
			_, id, _ := strings.Cut(string(raw), ":")
			n, _ := strconv.ParseInt(id, 10, 64)
			return n
		}
	}
	return 0
}

// instant normalizes a timestamp (copydesk's Z, PostgreSQL's +00:00).
func instant(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "unparsable " + s
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// fromCopydesk projects copydesk's data (and pgbench (b)'s, shaped alike,
// whose body is Markdown).
func fromCopydesk(q *query, data any, markdown bool) projected {
	var p projected
	var nodes []any
	if q.bySlug {
		if r := at(data, "report"); r != nil {
			nodes = []any{r}
		}
	} else {
		nodes = list(data, "reports", "nodes")
		if h, ok := at(data, "reports", "pageInfo", "hasNextPage").(bool); ok {
			p.HasNext = &h
		}
	}
	for _, r := range nodes {
		pr := projReport{ID: num(r, "id"), Slug: str(r, "slug"), Title: str(r, "title"), Subtitle: strp(r, "subtitle"), Summary: strp(r, "summary"),
			BodyHTML: str(r, "body"), PublishedAt: instant(str(r, "publishedAt")), Status: str(r, "status"), Version: num(r, "version"),
			UpdatedAt: instant(str(r, "updatedAt")), Event: str(r, "event", "name"), EventParent: str(r, "event", "parent", "name")}
		if markdown && pr.BodyHTML != "" {
			pr.BodyHTML = richtext.HTML(pr.BodyHTML)
		}
		for _, t := range list(r, "tags") {
			pr.Tags = append(pr.Tags, strings.TrimSpace(str(t, "slug")+" "+str(t, "name")))
		}
		for _, a := range list(r, "attendees") {
			pr.addAttendee(strp(a, "role"), list(a, "participations"), str(a, "person", "name"), str(a, "organization", "name"))
		}
		p.Reports = append(p.Reports, pr)
	}
	return p
}

func (pr *projReport) addAttendee(role *string, parts []any, person, org string) {
	var ps []string
	for _, x := range parts {
		ps = append(ps, fmt.Sprint(x))
	}
	r := "-"
	if role != nil {
		r = *role
	}
	if person != "" {
		pr.AttendeesWithPeople++
	}
	pr.Attendees = append(pr.Attendees, strings.Join([]string{r, strings.Join(ps, ","), person, org}, " | "))
}

// fromPeer projects PostGraphile's data; for a localized query it applies
// copydesk's rules on the client: a translated text where there is one,
// else the source; a directory name in the locale where there is one.
func fromPeer(q *query, data any) projected {
	var p projected
	var nodes []any
	if q.bySlug {
		if r := at(data, "reportBySlug"); r != nil {
			nodes = []any{r}
		}
	} else {
		nodes = list(data, "allReports", "nodes")
		if h, ok := at(data, "allReports", "pageInfo", "hasNextPage").(bool); ok {
			p.HasNext = &h
		}
	}
	loc := q.locale
	name := func(v any) string {
		if loc != "" {
			if n := str(v, "localizedNames", loc); n != "" {
				return n
			}
		}
		return str(v, "name")
	}
	for _, r := range nodes {
		var tr any
		if l := list(r, "reportTranslationsByReportId", "nodes"); len(l) > 0 {
			tr = l[0]
		}
		text := func(k string) *string {
			if s := strp(tr, k); s != nil && *s != "" {
				return s
			}
			return strp(r, k)
		}
		pr := projReport{ID: num(r, "rowId"), Slug: str(r, "slug"), Title: deref(text("title")), Subtitle: text("subtitle"), Summary: text("summary"),
			PublishedAt: instant(str(r, "publishedAt")), Status: str(r, "status"), Version: num(r, "version"), UpdatedAt: instant(str(r, "updatedAt"))}
		if b := deref(text("body")); b != "" {
			pr.BodyHTML = richtext.HTML(b)
		}
		if e := at(r, "eventByEventId"); e != nil {
			pr.Event = name(e)
			if pe := at(e, "eventByParentId"); pe != nil {
				pr.EventParent = name(pe)
			}
		}
		for _, t := range list(r, "reportTagsByReportId", "nodes") {
			tag := at(t, "tagByTagId")
			pr.Tags = append(pr.Tags, strings.TrimSpace(str(tag, "slug")+" "+name(tag)))
		}
		for _, a := range list(r, "reportAttendeesByReportId", "nodes") {
			role := strp(a, "role")
			if l := list(a, "reportAttendeeTranslationsByAttendeeId", "nodes"); len(l) > 0 && strp(l[0], "role") != nil {
				role = strp(l[0], "role")
			}
			var person, org string
			if v := at(a, "personByPersonId"); v != nil {
				person = name(v)
			}
			if v := at(a, "organizationByOrganizationId"); v != nil {
				org = name(v)
			}
			pr.addAttendee(role, list(a, "participations"), person, org)
		}
		p.Reports = append(p.Reports, pr)
	}
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// post sends a GraphQL request and returns its data, failing on a non-200
// status or any error in the response.
func post(ctx context.Context, url, token string, body []byte) (any, error) {
	b, err := httpbench.PostRaw(ctx, url, token, body)
	if err != nil {
		return nil, err
	}
	v, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return at(v, "data"), nil
}

func clip(s string, n int) string { return httpbench.Clip(s, n) }

// answers of one sample request, by who answered.
type answer struct {
	who string
	p   projected
}

// checkAll sends sample requests of every query to every system and fails
// when any answer differs from copydesk's anonymous (or, for the newsroom
// list, admin) answer. Slug queries are also read with the admin token:
// the newsroom reads the working copy, which must equal what was published.
func (b *bench) checkAll(ctx context.Context) error {
	for i, name := range b.cfg.queries {
		q := queries[name]
		slugs := []string{""}
		if q.bySlug {
			slugs = b.pools.sample(q, b.cfg.check, uint64(100+i))
		}
		var who []string
		for _, slug := range slugs {
			got, err := b.answers(ctx, q, slug)
			if err != nil {
				return fmt.Errorf("check %s %s: %w", name, slug, err)
			}
			if err := sane(q, got[0].p); err != nil {
				return fmt.Errorf("check %s %s: copydesk's answer: %w", name, slug, err)
			}
			for _, a := range got[1:] {
				if d := cmp.Diff(got[0].p, a.p); d != "" {
					return fmt.Errorf("check %s %s: %s and %s differ (-%s +%s):\n%s", name, slug, got[0].who, a.who, got[0].who, a.who, clip(d, 6000))
				}
			}
			who = who[:0]
			for _, a := range got {
				who = append(who, a.who)
			}
		}
		logf("check %-13s %d request(s): %s agree ✓", name, len(slugs), strings.Join(who, " = "))
	}
	return nil
}

// answers asks every system for q (slug when by slug), copydesk first.
func (b *bench) answers(ctx context.Context, q *query, slug string) ([]answer, error) {
	cd := b.servers[sysCopydesk]
	tok := ""
	if !q.anon {
		tok = b.token
	}
	data, err := post(ctx, cd.URL, tok, q.body(sysCopydesk, slug))
	if err != nil {
		return nil, err
	}
	out := []answer{{map[bool]string{true: "copydesk (anonymous)", false: "copydesk (admin token)"}[q.anon], fromCopydesk(q, data, false)}}
	if q.anon && q.bySlug {
		data, err := post(ctx, cd.URL, b.token, q.body(sysCopydesk, slug))
		if err != nil {
			return nil, err
		}
		out = append(out, answer{"copydesk (admin token)", fromCopydesk(q, data, false)})
	}
	if pg := b.servers[sysPeer]; pg != nil {
		data, err := post(ctx, pg.URL, "", q.body(sysPeer, slug))
		if err != nil {
			return nil, err
		}
		out = append(out, answer{"PostGraphile", fromPeer(q, data)})
	}
	var raw []byte
	args := []any{}
	if q.bySlug {
		args = append(args, slug)
	}
	if err := b.env.DB.GetContext(ctx, &raw, q.oneSQL, args...); err != nil {
		return nil, fmt.Errorf("pgbench (b) statement: %w", err)
	}
	data, err = decode(raw)
	if err != nil {
		return nil, err
	}
	return append(out, answer{"pgbench (b) statement", fromCopydesk(q, data, true)}), nil
}

// sane fails on an answer that would make agreement meaningless: no
// report, or one without its relations, or not localized.
func sane(q *query, p projected) error {
	want := 1
	switch q.name {
	case qListPublic:
		want = publicListPage
	case qListNewsroom:
		want = newsroomPage
	}
	if len(p.Reports) != want {
		return fmt.Errorf("%d reports, want %d", len(p.Reports), want)
	}
	for _, r := range p.Reports {
		if len(r.Tags) < minTags || r.Title == "" || (q.name != qListNewsroom && r.Event == "") {
			return fmt.Errorf("report %q: %d tags, event %q", r.Title, len(r.Tags), r.Event)
		}
		if q.name != qListPublic && (len(r.Attendees) < minAtt || r.AttendeesWithPeople < minAtt) {
			return fmt.Errorf("report %q: %d attendees (%d people)", r.Title, len(r.Attendees), r.AttendeesWithPeople)
		}
		if q.locale != "" && !strings.HasPrefix(r.Title, localePrefix(q.locale)) {
			return fmt.Errorf("report %q is not in %s", r.Title, q.locale)
		}
		if q.bySlug && (r.BodyHTML == "" || r.PublishedAt == "") {
			return fmt.Errorf("report %q: no body or no publishedAt", r.Title)
		}
	}
	return nil
}

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// datasetKey names a build: the generator's version and the report count.
func datasetKey(reports int) string {
	return fmt.Sprintf("%s reports=%d seed=%d", datasetVersion, reports, seed)
}

// haveDataset reports whether db holds the dataset of key (a finished
// build: the marker is written last). A database with reports but another
// or no marker is refused: the generator writes fixed IDs.
func haveDataset(ctx context.Context, db *postgres.DB, key string) (bool, error) {
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS bench_read;
		CREATE TABLE IF NOT EXISTS bench_read.dataset (key text PRIMARY KEY, built_at timestamptz NOT NULL, took interval NOT NULL)`); err != nil {
		return false, err
	}
	var have []string
	if err := db.SelectContext(ctx, &have, `SELECT key FROM bench_read.dataset`); err != nil {
		return false, err
	}
	if len(have) == 1 && have[0] == key {
		return true, nil
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM reports LIMIT 1) x`); err != nil {
		return false, err
	}
	if n > 0 || len(have) > 0 {
		return false, fmt.Errorf("the database already holds reports (dataset %q), not the dataset %q: use another -keep directory or an empty -dsn database", have, key)
	}
	return false, nil
}

// buildDataset loads the whole dataset of n reports with COPY. approver is
// the user recorded as having approved the reports that went through the
// workflow.
func buildDataset(ctx context.Context, db *postgres.DB, n int, approver int64) error {
	t0 := time.Now()
	d, err := loadDirectory(ctx, db.DB.DB)
	if err != nil {
		return err
	}
	logf("directory: %d organizations, %d people, %d tags, %d events in %s", nOrgs, nPeople, nTags, nEvents, time.Since(t0).Round(time.Millisecond))
	t1 := time.Now()
	if err := loadReports(ctx, db.DB.DB, d, n, approver); err != nil {
		return err
	}
	for _, t := range []string{"organizations", "people", "tags", "events", "reports", "report_attendees", "report_revisions"} {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), (SELECT max(id) FROM %[1]s))`, t)); err != nil {
			return fmt.Errorf("identity of %s: %w", t, err)
		}
	}
	logf("%d reports in %s", n, time.Since(t1).Round(time.Millisecond))
	_, err = db.ExecContext(ctx, `INSERT INTO bench_read.dataset (key, built_at, took) VALUES ($1, now(), $2)`, datasetKey(n), time.Since(t0).String())
	return err
}

func loadDirectory(ctx context.Context, db *sql.DB) (*directory, error) {
	l := newLoader(ctx, db)
	orgs := l.table("organizations", "id", "name", "acronym", "country", "parent_id", "localized_names", "version", "created_at", "updated_at")
	people := l.table("people", "id", "name", "affiliation_id", "localized_names", "version", "created_at", "updated_at")
	tags := l.table("tags", "id", "slug", "name", "description", "parent_id", "localized_names", "version", "created_at", "updated_at")
	events := l.table("events", "id", "name", "localized_names", "parent_id", "starts_at", "ends_at", "time_zone", "all_day", "venue", "city", "region", "country", "format", "version", "created_at", "updated_at")
	d := &directory{orgNames: make([]string, nOrgs), personNames: make([]string, nPeople), personOrg: make([]int64, nPeople),
		tagSlugs: make([]string, nTags), tagNames: make([]string, nTags)}
	b := newBatcher()
	err := func() error {
		for id := int64(1); id <= nOrgs; id++ {
			name, row := orgRow(id)
			d.orgNames[id-1] = name
			if err := b.add(orgs, row...); err != nil {
				return err
			}
		}
		for id := int64(1); id <= nPeople; id++ {
			name, org, row := personRow(id)
			d.personNames[id-1], d.personOrg[id-1] = name, org
			if err := b.add(people, row...); err != nil {
				return err
			}
		}
		for id := int64(1); id <= nTags; id++ {
			slug, name, row := tagRow(id)
			d.tagSlugs[id-1], d.tagNames[id-1] = slug, name
			if err := b.add(tags, row...); err != nil {
				return err
			}
		}
		for id := int64(1); id <= nEvents; id++ {
			if err := b.add(events, eventRow(id)...); err != nil {
				return err
			}
		}
		return b.flush()
	}()
	return d, errors.Join(err, l.wait())
}

// reportTables are the streams of the report rows.
type reportTables struct {
	reports, slugs, tags, attendees, revisions, publications, approvals *stream
	translations, attTranslations, fields, published, publishedAtt      *stream
}

func openReportTables(l *loader) *reportTables {
	return &reportTables{
		reports: l.table("reports", "id", "slug", "source_locale", "section", "title", "subtitle", "summary", "body", "word_count", "event_id",
			"status", "status_before_archive", "version", "published_at", "archived_at", "created_at", "updated_at", "desk_id", "created_by",
			"embargo_until", "content_version"),
		slugs:           l.table("report_slugs", "slug", "report_id", "created_at"),
		tags:            l.table("report_tags", "report_id", "tag_id", "position"),
		attendees:       l.table("report_attendees", "id", "report_id", "position", "person_id", "organization_id", "delegation", "role", "participations", "note"),
		revisions:       l.table("report_revisions", "id", "report_id", "version", "snapshot", "message", "created_at"),
		publications:    l.table("report_publications", "report_id", "revision_id", "version", "first_published_at", "published_at"),
		approvals:       l.table("report_approvals", "report_id", "user_id", "version", "approved_at"),
		translations:    l.table("report_translations", "report_id", "locale", "title", "subtitle", "summary", "body", "status", "source_version", "version", "created_at", "updated_at", "edited_by"),
		attTranslations: l.table("report_attendee_translations", "attendee_id", "locale", "role", "note"),
		fields:          l.table("translation_fields", "report_id", "locale", "field", "source_version"),
		published:       l.table("published_translations", "report_id", "locale", "title", "subtitle", "summary", "body", "source_version", "version", "created_at", "approved_at"),
		publishedAtt:    l.table("published_attendee_translations", "report_id", "locale", "attendee_id", "position", "role", "note"),
	}
}

// loadReports generates reports 1..n in parallel chunks and streams their
// rows. Attendee and revision IDs run over all reports in ID order; they
// are computed up front from the counts, so that chunks are independent.
func loadReports(ctx context.Context, db *sql.DB, d *directory, n int, approver int64) error {
	firstAtt := make([]int64, n+2)
	firstRev := make([]int64, n+2)
	firstAtt[1], firstRev[1] = 1, 1
	for id := int64(1); id <= int64(n); id++ {
		firstAtt[id+1] = firstAtt[id] + int64(attendeeCount(id))
		firstRev[id+1] = firstRev[id] + int64(len((&report{ID: id, Status: statusOf(id)}).revisions()))
	}
	l := newLoader(ctx, db)
	t := openReportTables(l)
	var next, done atomic.Int64
	const chunk = 64
	stop := progress("seeding reports", n, func() int { return int(done.Load()) }, l.rows.Load)
	err := benchdb.Parallel(ctx, max(1, runtime.NumCPU()), func(ctx context.Context) error {
		b := newBatcher()
		for {
			from := next.Add(chunk) - chunk + 1
			if from > int64(n) {
				return b.flush()
			}
			for id := from; id < from+chunk && id <= int64(n); id++ {
				rep := genReport(id, firstAtt[id], d)
				if err := t.emit(b, rep, d, firstRev[id], approver); err != nil {
					return err
				}
				done.Add(1)
			}
		}
	})
	werr := l.wait()
	stop()
	return errors.Join(err, werr)
}

// emit writes every row of rep.
func (t *reportTables) emit(b *batcher, rep *report, d *directory, firstRev, approver int64) error {
	revs := rep.revisions()
	last := revs[len(revs)-1]
	var published any
	if !rep.Public.IsZero() {
		published = rep.Public
	}
	var err error
	add := func(s *stream, row ...any) { // keeps the first error; the rest is skipped
		if err == nil {
			err = b.add(s, row...)
		}
	}
	add(t.reports, rep.ID, rep.Slug, "en", nil, rep.Title, rep.Subtitle, rep.Summary, rep.Body, rep.WordCount, rep.EventID,
		string(rep.Status), nil, last.Version, published, nil, rep.Created, rep.Updated, nil, nil, nil, 1)
	add(t.slugs, rep.Slug, rep.ID, rep.Created)
	for i, tag := range rep.TagIDs {
		add(t.tags, rep.ID, tag, i)
	}
	for i, a := range rep.Attendees {
		add(t.attendees, a.ID, rep.ID, i, a.PersonID, a.OrgID, nil, a.Role, pq.Array(a.Participations), nil)
	}
	snap := rep.snapshot(d)
	for i, v := range revs {
		add(t.revisions, firstRev+int64(i), rep.ID, v.Version, snap, v.Message, v.At)
	}
	if rep.Status == editorial.Published {
		add(t.publications, rep.ID, firstRev+int64(len(revs)-1), last.Version, rep.Public, rep.Public)
	}
	if viaWorkflow(rep.ID) {
		add(t.approvals, rep.ID, approver, 2, revs[2].At)
	}
	if translated(rep.ID) {
		t.emitTranslations(add, rep)
	}
	return err
}

// emitTranslations writes the APPROVED translations of rep as the
// translation service does when the System viewer saves one APPROVED: the
// working copy, a field row per translated field, the attendees' roles, and
// the published copy readers get.
func (t *reportTables) emitTranslations(add func(*stream, ...any), rep *report) {
	at := rep.Created.Add(30 * time.Second)
	for k, loc := range targetLocales {
		title, sub, sum, body := translatedTexts(rep, k, loc)
		add(t.translations, rep.ID, loc, title, sub, sum, body, "APPROVED", 1, 1, at, at, nil)
		add(t.published, rep.ID, loc, title, sub, sum, body, 1, 1, at, at)
		for _, f := range []struct {
			name string
			set  bool
		}{{"title", true}, {"subtitle", sub != nil}, {"summary", true}, {"body", true}} {
			if f.set {
				add(t.fields, rep.ID, loc, f.name, 1)
			}
		}
		for i, a := range rep.Attendees {
			if a.Role == nil {
				continue
			}
			role := prefixed(loc, a.Role)
			add(t.attTranslations, a.ID, loc, role, nil)
			add(t.publishedAtt, rep.ID, loc, a.ID, i, role, nil)
			add(t.fields, rep.ID, loc, fmt.Sprintf("attendees.%d.role", a.ID), 1)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Audiences: the newsroom searches working copies with a token, the
// public (anonymous) the published documents.
const (
	audNewsroom = "newsroom"
	audPublic   = "public"
)

// class is one kind of search the issue asks about. The terms occur in
// the bench/read dataset (search_test.go checks it against the generator):
// English words come from bench/internal/lorem's vocabulary, every lorem
// word drawn uniformly, so a single word is in most reports; Chinese,
// Japanese and Korean words from lorem.CJKWords, drawn with a skew (the
// first words of a list the most frequent), in the translations every
// third report has.
type class struct {
	name, what string
	search     string
	filter     func(f *fixtures) map[string]any // nil: no filter
	audiences  []string
	total      bool // the request asks for totalCount
	peer       string
}

// fixtures are the directory entries the filter classes use, chosen from
// the dataset: the tag and the person found on most reports.
type fixtures struct {
	tagID, personID          int64
	tagReports, personReport int
}

const (
	termEnglish = "festivals" // stemmed: matches "festival" (lorem.Words)
	eventFrom   = "2023-07-01"
	eventTo     = "2023-07-30"
)

var both = []string{audNewsroom, audPublic}

var classes = []*class{
	{name: "en-word", what: "English word, plural of a lorem word (stemmed)", search: termEnglish, audiences: both, peer: "festival"},
	{name: "en-word+count", what: "the same with totalCount", search: termEnglish, audiences: both, total: true},
	{name: "en-phrase", what: "English quoted phrase of two lorem words", search: `"renewable energy"`, audiences: both},
	{name: "zh-2", what: "Chinese, two characters (one bigram)", search: "合作", audiences: both, peer: "合作"},
	{name: "zh-4", what: "Chinese, four characters (three bigrams as a phrase)", search: "基础设施", audiences: both},
	{name: "ja", what: "Japanese, four katakana (phrase of bigrams)", search: "コンテナ", audiences: both},
	{name: "ko", what: "Korean, two Hangul syllables (matches with a particle attached: 협력을)", search: "협력", audiences: both},
	{name: "f-status-tag", what: "search + status PUBLISHED + the most used tag", search: termEnglish, audiences: []string{audNewsroom},
		filter: func(f *fixtures) map[string]any {
			return map[string]any{"status": []string{"PUBLISHED"}, "tagIds": []string{model.GlobalID("Tag", f.tagID)}}
		}},
	{name: "f-event-date", what: "search + events from " + eventFrom + " to " + eventTo, search: termEnglish, audiences: both,
		filter: func(*fixtures) map[string]any {
			return map[string]any{"eventDate": map[string]string{"from": eventFrom, "to": eventTo}}
		}},
	{name: "f-person", what: "search + the person attending most reports", search: termEnglish, audiences: both,
		filter: func(f *fixtures) map[string]any {
			return map[string]any{"personId": model.GlobalID("Person", f.personID)}
		}},
}

func classNames() []string {
	out := make([]string, len(classes))
	for i, c := range classes {
		out[i] = c.name
	}
	return out
}

func classByName(name string) *class {
	for _, c := range classes {
		if c.name == name {
			return c
		}
	}
	return nil
}

// document is the GraphQL request of a search page.
func document(total bool) string {
	count := ""
	if total {
		count = "totalCount totalCountIsExact "
	}
	return `query Search($q: String!, $filter: ReportFilter, $order: ReportOrder, $after: String) {
  reports(search: $q, first: 20, filter: $filter, orderBy: $order, after: $after) { ` + count + `
    edges { cursor search { rank highlights { field locale html } } node { id title } }
    pageInfo { hasNextPage endCursor } } }`
}

// body is the JSON request of c (order "" is the default, RELEVANCE).
func (c *class) body(f *fixtures, total bool, order, after string) []byte {
	vars := map[string]any{"q": c.search}
	if c.filter != nil {
		vars["filter"] = c.filter(f)
	}
	if order != "" {
		vars["order"] = order
	}
	if after != "" {
		vars["after"] = after
	}
	b, err := json.Marshal(map[string]any{"query": document(total), "variables": vars})
	if err != nil {
		panic(err)
	}
	return b
}

func loadFixtures(ctx context.Context, db *postgres.DB) (*fixtures, error) {
	f := &fixtures{}
	t0 := time.Now()
	if err := db.QueryRowContext(ctx, `SELECT tag_id, count(*) FROM report_tags GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`).Scan(&f.tagID, &f.tagReports); err != nil {
		return nil, fmt.Errorf("most used tag: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT person_id, count(*) FROM report_attendees WHERE person_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`).
		Scan(&f.personID, &f.personReport); err != nil {
		return nil, fmt.Errorf("most present person: %w", err)
	}
	logf("fixtures: tag %d (on %d reports), person %d (at %d reports) in %s", f.tagID, f.tagReports, f.personID, f.personReport, time.Since(t0).Round(time.Millisecond))
	return f, nil
}

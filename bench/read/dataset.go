package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/copydesk/copydesk/bench/internal/lorem"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/richtext"
)

// The dataset: a newsroom with a large directory and -reports reports, as
// copydesk itself would have written them (checked against the services in
// dataset_test.go). Every value derives from the fixed seed and the row's
// number, so two builds with the same -reports are the same rows and a
// report's content does not depend on how many others there are.
const (
	seed        = 20240612
	nOrgs       = 10_000
	nPeople     = 50_000
	nEvents     = 2_000
	nRootEvents = 1_500 // events 1..1500 are roots; the last quarter are children of them
	nTags       = 600
	minAtt      = 5
	maxAtt      = 60
	minTags     = 8
	maxTags     = 12

	// datasetVersion changes whenever the rows built for a -reports change,
	// so that a kept dataset (-keep, -dsn) of an older build is not reused.
	datasetVersion = "read-v2"
)

// targetLocales are the locales every third report is translated into.
var targetLocales = []string{"zh-Hans", "ja", "ko"}

// epoch is when the directory was created; report i is created at
// epoch + 30 days + i × reportStep, so publication times are distinct and
// increase with the report ID.
var epoch = time.Date(2023, 1, 2, 8, 0, 0, 0, time.UTC)

const reportStep = 10 * time.Minute

// status of report id: most are published, one in 20 is a draft and one in
// 20 in review. Published reports are mostly created published (as the demo
// loader and imports do: one revision); one in 10 went through the workflow
// (create, submit, approve, publish: four revisions).
func statusOf(id int64) editorial.Status {
	switch id % 20 {
	case 7:
		return editorial.Draft
	case 13:
		return editorial.InReview
	}
	return editorial.Published
}

func viaWorkflow(id int64) bool { return statusOf(id) == editorial.Published && id%10 == 1 }

// translated: every third report has APPROVED zh-Hans, ja and ko translations.
func translated(id int64) bool { return id%3 == 0 }

// directory is the generated directory, kept in memory: reports copy
// names into their revision snapshots.
type directory struct {
	orgNames    []string // index = id - 1
	personNames []string
	personOrg   []int64
	tagSlugs    []string
	tagNames    []string
}

func rng(kind, n uint64) *rand.Rand { return rand.New(rand.NewPCG(seed+kind, n)) }

var (
	kanji  = []rune("李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
	kana   = []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン")
	hangul = []rune("가나다라마바사아자차카타파하김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민")
)

func pickRunes(r *rand.Rand, set []rune, n int) string {
	out := make([]rune, n)
	for i := range out {
		out[i] = set[r.IntN(len(set))]
	}
	return string(out)
}

// cjkNames are localized names in zh-Hans, ja and ko.
func cjkNames(r *rand.Rand) editorial.LocalizedNames {
	return editorial.LocalizedNames{
		"zh-Hans": pickRunes(r, kanji, 2+r.IntN(2)),
		"ja":      pickRunes(r, kana, 3+r.IntN(4)),
		"ko":      pickRunes(r, hangul, 2+r.IntN(2)),
	}
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// longWords are the words of lorem.Words worth naming things after.
var longWords = func() []string {
	var out []string
	for _, w := range lorem.Words {
		if len(w) > 4 && !strings.Contains(w, "-") {
			out = append(out, w)
		}
	}
	return out
}()

// orgRow, personRow, … are the directory rows, as COPY values.
func orgRow(id int64) (name string, row []any) {
	r := rng(1, uint64(id))
	name = fmt.Sprintf("%s %s %s %d", lorem.Pick(r, lorem.Places), lorem.Pick(r, lorem.OrgWords),
		[]string{"Association", "Council", "Institute", "Bureau", "Foundation", "Group"}[r.IntN(6)], id)
	names := editorial.LocalizedNames{}
	if r.IntN(5) == 0 {
		names = cjkNames(r)
	}
	var country any
	if r.IntN(2) == 0 {
		country = []string{"CN", "DE", "NL", "BE", "KR", "JP", "FR", "IT", "ES", "PL", "GR"}[r.IntN(11)]
	}
	t := epoch
	return name, []any{id, name, nil, country, nil, jsonOf(names), 1, t, t}
}

func personRow(id int64) (name string, org int64, row []any) {
	r := rng(2, uint64(id))
	name = fmt.Sprintf("%s %c. %s", lorem.Pick(r, lorem.FirstNames), 'A'+rune(r.IntN(26)), lorem.Pick(r, lorem.LastNames))
	org = 1 + r.Int64N(nOrgs)
	names := editorial.LocalizedNames{}
	if r.IntN(10) < 3 {
		names = cjkNames(r)
	}
	t := epoch.Add(time.Minute)
	return name, org, []any{id, name, org, jsonOf(names), 1, t, t}
}

func tagRow(id int64) (slug, name string, row []any) {
	r := rng(3, uint64(id))
	name = fmt.Sprintf("%s %s %d", title(lorem.Pick(r, longWords)), title(lorem.Pick(r, longWords)), id)
	slug = slugify(name)
	names := editorial.LocalizedNames{}
	if r.IntN(2) == 0 {
		names = cjkNames(r)
	}
	t := epoch.Add(2 * time.Minute)
	return slug, name, []any{id, slug, name, nil, nil, jsonOf(names), 1, t, t}
}

func eventRow(id int64) []any {
	r := rng(4, uint64(id))
	place := lorem.Pick(r, lorem.Places)
	name := fmt.Sprintf("%s %s %s %d", place, lorem.Pick(r, lorem.OrgWords),
		[]string{"Forum", "Summit", "Week", "Expo", "Dialogue"}[r.IntN(5)], 2023+id%3)
	var parent any
	if id > nRootEvents {
		parent = 1 + r.Int64N(nRootEvents)
	}
	names := editorial.LocalizedNames{}
	if r.IntN(3) == 0 {
		names = cjkNames(r)
	}
	starts := epoch.AddDate(0, 0, int(r.IntN(900)))
	t := epoch.Add(3 * time.Minute)
	return []any{id, name, jsonOf(names), parent, starts, starts.Add(8 * time.Hour), "UTC", false, nil, place, nil, nil, "IN_PERSON", 1, t, t}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// slugify is a report or tag slug from its name: lower-case ASCII words
// joined by hyphens (what the app's slugs look like for English titles).
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// report is one generated report with everything that hangs off it.
type report struct {
	ID                       int64
	Slug, Title              string
	Subtitle, Summary        *string
	Body                     string
	WordCount                int
	EventID                  int64
	Status                   editorial.Status
	TagIDs                   []int64
	Attendees                []attendee
	Created, Updated, Public time.Time // Public: publication time (zero unless published)
}

type attendee struct {
	ID, PersonID, OrgID int64
	Role                *string
	Participations      []editorial.Participation
}

var participations = []editorial.Participation{"ATTENDED", "SPEECH", "KEYNOTE", "PRESIDED", "MODERATED", "PANELIST", "PRESENTED"}

// attendeeCount is drawn from its own stream so that attendee IDs (running
// over all reports) can be computed without generating the reports.
func attendeeCount(id int64) int { return minAtt + rng(5, uint64(id)).IntN(maxAtt-minAtt+1) }

// genReport builds report id; firstAttendee is the ID of its first attendee.
func genReport(id, firstAttendee int64, d *directory) *report {
	r := rng(6, uint64(id))
	place := lorem.Pick(r, lorem.Places)
	words := strings.TrimSuffix(lorem.Sentence(r, 5+r.IntN(5)), ".")
	t := fmt.Sprintf("%s: %s", place, strings.ReplaceAll(words, ",", ""))
	rep := &report{ID: id, Title: t, Slug: slugify(t) + "-" + strconv.FormatInt(id, 36), Status: statusOf(id)}
	if len(rep.Slug) > 100 {
		rep.Slug = strings.Trim(rep.Slug[:90], "-") + "-" + strconv.FormatInt(id, 36)
	}
	if id%2 == 0 {
		s := lorem.Sentence(r, 10+r.IntN(7))
		rep.Subtitle = &s
	}
	sum := lorem.Sentence(r, 25+r.IntN(16))
	rep.Summary = &sum
	rep.Body = lorem.Markdown(uint64(id), 1500+r.IntN(2500), "")
	rep.WordCount = richtext.WordCount(rep.Body)
	rep.EventID = 1 + r.Int64N(nEvents)
	seen := map[int64]bool{}
	for k := minTags + r.IntN(maxTags-minTags+1); len(rep.TagIDs) < k; {
		if t := 1 + r.Int64N(nTags); !seen[t] {
			seen[t] = true
			rep.TagIDs = append(rep.TagIDs, t)
		}
	}
	people := map[int64]bool{}
	for k := range attendeeCount(id) {
		p := 1 + r.Int64N(nPeople)
		for people[p] {
			p = 1 + r.Int64N(nPeople)
		}
		people[p] = true
		a := attendee{ID: firstAttendee + int64(k), PersonID: p, OrgID: d.personOrg[p-1], Participations: []editorial.Participation{"ATTENDED"}}
		if r.IntN(10) > 0 {
			role := lorem.Pick(r, lorem.Roles)
			a.Role = &role
		}
		if r.IntN(3) == 0 {
			a.Participations = append(a.Participations, participations[1+r.IntN(len(participations)-1)])
		}
		rep.Attendees = append(rep.Attendees, a)
	}
	rep.Created = epoch.AddDate(0, 0, 30).Add(time.Duration(id) * reportStep)
	rep.Updated = rep.Created
	switch {
	case viaWorkflow(id):
		rep.Updated = rep.Created.Add(3 * time.Minute)
		rep.Public = rep.Updated
	case rep.Status == editorial.Published:
		rep.Public = rep.Created
	case rep.Status == editorial.InReview:
		rep.Updated = rep.Created.Add(time.Minute)
	}
	return rep
}

// revision is one row of report_revisions.
type revision struct {
	Version int
	Message string
	At      time.Time
}

// revisions are the versions the app records: a report created published
// has one; a published report that went through the workflow has four
// (create, submit, approve, publish; the content never changed, so every
// snapshot is the same); a draft one, a report in review two.
func (rep *report) revisions() []revision {
	c := rep.Created
	switch {
	case viaWorkflow(rep.ID):
		return []revision{{1, "First draft", c}, {2, "Ready for review", c.Add(time.Minute)}, {3, "Approved", c.Add(2 * time.Minute)}, {4, "Published", c.Add(3 * time.Minute)}}
	case rep.Status == editorial.Published:
		return []revision{{1, "Imported", c}}
	case rep.Status == editorial.InReview:
		return []revision{{1, "First draft", c}, {2, "Ready for review", c.Add(time.Minute)}}
	}
	return []revision{{1, "First draft", c}}
}

// snapshot is the revision snapshot of the report as the app serializes it.
func (rep *report) snapshot(d *directory) string {
	s := editorial.Snapshot{
		Slug: rep.Slug, SourceLocale: "en", Title: rep.Title, Subtitle: rep.Subtitle, Summary: rep.Summary,
		Body: rep.Body, EventID: &rep.EventID, AuthorIDs: []int64{}, Tags: make([]editorial.SnapshotTag, len(rep.TagIDs)),
		Attendees: make([]editorial.SnapshotAttendee, len(rep.Attendees)),
	}
	for i, t := range rep.TagIDs {
		s.Tags[i] = editorial.SnapshotTag{ID: t, Slug: d.tagSlugs[t-1], Name: d.tagNames[t-1]}
	}
	for i, a := range rep.Attendees {
		pn, on := d.personNames[a.PersonID-1], d.orgNames[a.OrgID-1]
		s.Attendees[i] = editorial.SnapshotAttendee{ID: a.ID, PersonID: &a.PersonID, PersonName: &pn, OrganizationID: &a.OrgID,
			OrganizationName: &on, Role: a.Role, Participations: a.Participations}
	}
	return jsonOf(s)
}

// localePrefix marks a translated text (the translation of "X" into ja is
// "【ja】X"), so the checks can tell a translation from its source.
func localePrefix(loc string) string { return "【" + loc + "】" }

// translatedTexts are the title, subtitle, summary and body of rep's
// translation into loc (the k-th target locale): text in that language
// (lorem.CJKSentence, lorem.CJKMarkdown, drawn from the report's number),
// so that a search in Chinese, Japanese or Korean finds what a newsroom's
// translations would hold, each marked with localePrefix.
func translatedTexts(rep *report, k int, loc string) (title string, sub, sum *string, body string) {
	r := rng(7, uint64(rep.ID)*4+uint64(k))
	p := localePrefix(loc)
	title = p + strings.TrimRight(lorem.CJKSentence(r, loc, 4+r.IntN(4)), "。.")
	if rep.Subtitle != nil {
		s := p + lorem.CJKSentence(r, loc, 8+r.IntN(6))
		sub = &s
	}
	s := p + lorem.CJKSentence(r, loc, 14+r.IntN(8))
	sum = &s
	body = p + " " + lorem.CJKMarkdown(uint64(rep.ID)*4+uint64(k), loc, len(rep.Body)/4)
	return title, sub, sum, body
}

func prefixed(loc string, s *string) *string {
	if s == nil {
		return nil
	}
	t := localePrefix(loc) + *s
	return &t
}

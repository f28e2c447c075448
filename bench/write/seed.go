package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/copydesk/copydesk/internal/content"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/richtext"
)

// editMark is the one word of a body that every update changes (to
// "v<number>"), in copydesk runs and in the pgbench script alike.
const editMark = "EDITMARK"

const (
	bodyBytes       = 6000
	nPeople         = 40
	nOrgs           = 12
	personAttendees = 16
	orgAttendees    = 4
	tagsPerReport   = 3
	authorsPer      = 2
)

// target is one report a writer owns.
type target struct {
	id      int64
	slug    string
	gid     string // global GraphQL ID (graphql mode)
	version int
	body    string // body template: contains editMark once
}

// bodyAt is the body the update to version v writes.
func (t *target) bodyAt(v int) string {
	return strings.Replace(t.body, editMark, "v"+strconv.Itoa(v), 1)
}

// fixture is what seed created.
type fixture struct {
	reports          []*target // in creation order: client c owns reports[slot*clients+c]
	bodyTemplate     string    // reports[0]'s body template
	snapshotTemplate string    // reports[0]'s revision snapshot as the service serializes it, body = bodyTemplate
	wordCount        int       // of bodyTemplate (unchanged by an edit)
	people, orgs     int
	attendees, tags  int
	authors          int
	serviceStmts     int64 // SQL statements of one service update (probeUpdate)
}

// seed creates the directory entries and n reports through the content
// service, each with a ~6 KB Markdown body, 3 tags, 2 authors and 20
// attendees (16 people with roles, 4 organizations), so that a revision
// snapshot has a realistic size.
func seed(ctx context.Context, svc *content.Service, n int) (*fixture, error) {
	run := strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36) // unique names with -dsn
	fx := &fixture{people: nPeople, orgs: nOrgs, attendees: personAttendees + orgAttendees, tags: tagsPerReport, authors: authorsPer}
	r := rand.New(rand.NewPCG(42, 7))

	var people, orgs []int64
	for i := range nOrgs {
		acr := strings.ToUpper(pick(r, orgWords)[:3]) + strconv.Itoa(i)
		o, err := svc.CreateOrganization(ctx, content.CreateOrganizationInput{
			Name:    fmt.Sprintf("%s Association for %s and %s", pick(r, places), pick(r, orgWords), pick(r, orgWords)),
			Acronym: &acr,
		})
		if err != nil {
			return nil, fmt.Errorf("organization: %w", err)
		}
		orgs = append(orgs, o.ID)
	}
	for i := range nPeople {
		p, err := svc.CreatePerson(ctx, content.CreatePersonInput{
			Name:          pick(r, firstNames) + " " + pick(r, lastNames),
			AffiliationID: &orgs[i%len(orgs)],
		})
		if err != nil {
			return nil, fmt.Errorf("person: %w", err)
		}
		people = append(people, p.ID)
	}

	msg := "First draft"
	for i := range n {
		body := makeBody(uint64(i), bodyBytes)
		section, subtitle := "Exchanges", fmt.Sprintf("Delegates from %s and %s signed %d agreements", pick(r, places), pick(r, places), 2+i%5)
		summary := sentence(r, 45)
		in := content.CreateReportInput{
			Title:        fmt.Sprintf("%s cooperation forum, session %d (%s)", pick(r, places), i+1, run),
			SourceLocale: "en",
			Body:         body,
			Section:      &section,
			Subtitle:     &subtitle,
			Summary:      &summary,
			Message:      &msg,
			AuthorIDs:    []int64{people[i%nPeople], people[(i+1)%nPeople]},
		}
		for k := range tagsPerReport {
			in.Tags = append(in.Tags, content.TagRef{Name: tagNames[(i+k)%len(tagNames)]})
		}
		for k := range personAttendees {
			role := roles[(i+k)%len(roles)]
			a := content.AttendeeInput{PersonID: &people[(i*7+k)%nPeople], Role: &role,
				Participations: []editorial.Participation{"ATTENDED"}}
			if k%4 == 0 {
				a.Participations = append(a.Participations, "SPEECH")
			}
			if k%5 == 0 {
				note := sentence(r, 12)
				a.Note = &note
			}
			in.Attendees = append(in.Attendees, a)
		}
		for k := range orgAttendees {
			in.Attendees = append(in.Attendees, content.AttendeeInput{OrganizationID: &orgs[(i+k)%nOrgs],
				Participations: []editorial.Participation{"HOSTED"}})
		}
		saved, err := svc.CreateReport(ctx, in)
		if err != nil {
			return nil, err
		}
		fx.reports = append(fx.reports, &target{id: saved.Report.ID, slug: saved.Report.Slug, version: saved.Report.Version, body: body})
	}

	first := fx.reports[0]
	fx.bodyTemplate = first.body
	fx.wordCount = richtext.WordCount(first.body)
	snap, err := postgres.Snapshot(ctx, svc.DB, first.id)
	if err != nil {
		return nil, err
	}
	snap.Body = first.body
	b, err := json.Marshal(snap) // as postgres.InsertRevision does
	if err != nil {
		return nil, err
	}
	fx.snapshotTemplate = string(b)
	return fx, nil
}

// reloadVersions reads the current version of every report (runs in between
// moved them on).
func reloadVersions(ctx context.Context, db *postgres.DB, fx *fixture) error {
	ids := make([]int64, len(fx.reports))
	for i, t := range fx.reports {
		ids[i] = t.id
	}
	got, err := postgres.ReportsByIDs(ctx, db, ids)
	if err != nil {
		return err
	}
	for _, t := range fx.reports {
		r, ok := got[t.id]
		if !ok {
			return fmt.Errorf("report %d vanished", t.id)
		}
		t.version = r.Version
	}
	return nil
}

// makeBody returns deterministic Markdown of about size bytes: headings,
// paragraphs with emphasis and links, lists and quotes, with editMark once
// in the first paragraph.
func makeBody(seed uint64, size int) string {
	r := rand.New(rand.NewPCG(seed, 99))
	var b strings.Builder
	b.WriteString("Delegates met on the opening day; the " + editMark + " session was chaired by the host. ")
	b.WriteString(sentence(r, 40) + "\n\n")
	for block := 0; b.Len() < size; block++ {
		switch block % 6 {
		case 0:
			b.WriteString("## " + strings.TrimSuffix(sentence(r, 3+r.IntN(4)), ".") + "\n\n")
		case 2:
			for range 3 + r.IntN(3) {
				b.WriteString("- " + sentence(r, 6+r.IntN(8)) + "\n")
			}
			b.WriteString("\n")
		case 4:
			b.WriteString("> " + sentence(r, 20+r.IntN(20)) + "\n\n")
		default:
			for range 3 + r.IntN(3) {
				s := sentence(r, 12+r.IntN(18))
				switch r.IntN(6) {
				case 0:
					w := pick(r, words)
					s = strings.Replace(s, " "+w+" ", " **"+w+"** ", 1)
				case 1:
					s += " See [the " + pick(r, words) + " notes](https://example.org/" + pick(r, words) + "/" + strconv.Itoa(r.IntN(1000)) + ")."
				}
				b.WriteString(s + " ")
			}
			b.WriteString("\n\n")
		}
	}
	return strings.TrimSpace(b.String()) + "\n"
}

func sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = pick(r, words)
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	if r.IntN(4) == 0 {
		ws[r.IntN(n)] += ","
	}
	return strings.Join(ws, " ") + "."
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

var words = strings.Fields(`the of and to in a for on with by at from that as was were is are
	delegation minister ministry forum summit agreement cooperation trade investment port logistics
	province city council mayor chamber commerce industry exchange culture education university
	students scholarship tourism festival exhibition pavilion signing ceremony memorandum partnership
	development infrastructure railway corridor energy renewable solar wind grid technology innovation
	research laboratory hospital health medicine agriculture fisheries ocean marine shipping container
	customs tariff export import market enterprise company startup fund bank finance credit insurance
	vice president secretary general director deputy consul ambassador envoy representative delegate
	visited toured attended addressed welcomed announced launched pledged discussed reviewed agreed
	expanded strengthened deepened promoted encouraged supported praised noted emphasized stressed
	friendship mutual benefit shared future sustainable green digital economy platform network
	annual biennial regional national international bilateral multilateral joint strategic practical
	new first second third further closer wider long-term year years month week session dialogue
	talks meeting banquet reception speech remarks keynote panel roundtable seminar workshop`)

var (
	firstNames = strings.Fields(`Li Wang Zhang Liu Chen Yang Zhao Huang Maria Anna Peter Jan Luca Sofia Ahmed Fatima Kenji Yuki Olga Ivan`)
	lastNames  = strings.Fields(`Wei Fang Jing Ming Hao Lin Novak Rossi Schmidt Dubois Garcia Silva Tanaka Sato Petrov Kowalski Haddad Okafor Jensen Larsen`)
	places     = strings.Fields(`Qingdao Shandong Hamburg Rotterdam Antwerp Busan Osaka Marseille Genoa Valencia Gdansk Piraeus`)
	orgWords   = strings.Fields(`Trade Shipping Culture Education Science Friendship Commerce Tourism Industry Logistics Ports Research`)
	tagNames   = []string{"Trade", "Diplomacy", "Culture", "Ports and shipping", "Education", "Investment", "Tourism", "Science"}
	roles      = []string{"Vice Minister of Commerce", "Mayor", "Secretary General of the Chamber of Commerce", "Deputy Director, Foreign Affairs Office",
		"Consul General", "President of the University", "Chief Executive Officer", "Head of Delegation", "Director of the Port Authority"}
)

// Package lorem makes the deterministic newsroom-like text the benchmarks
// seed: Markdown bodies, sentences, and names of people, places and
// organizations. The same seed always gives the same text, so runs compare.
package lorem

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Markdown returns deterministic Markdown of about size bytes: lead (may
// be empty) and a sentence, then headings, paragraphs with emphasis and
// links, lists and quotes.
func Markdown(seed uint64, size int, lead string) string {
	r := rand.New(rand.NewPCG(seed, 99))
	var b strings.Builder
	b.WriteString(lead)
	b.WriteString(Sentence(r, 40) + "\n\n")
	for block := 0; b.Len() < size; block++ {
		switch block % 6 {
		case 0:
			b.WriteString("## " + strings.TrimSuffix(Sentence(r, 3+r.IntN(4)), ".") + "\n\n")
		case 2:
			for range 3 + r.IntN(3) {
				b.WriteString("- " + Sentence(r, 6+r.IntN(8)) + "\n")
			}
			b.WriteString("\n")
		case 4:
			b.WriteString("> " + Sentence(r, 20+r.IntN(20)) + "\n\n")
		default:
			for range 3 + r.IntN(3) {
				s := Sentence(r, 12+r.IntN(18))
				switch r.IntN(6) {
				case 0:
					w := Pick(r, Words)
					s = strings.Replace(s, " "+w+" ", " **"+w+"** ", 1)
				case 1:
					s += " See [the " + Pick(r, Words) + " notes](https://example.org/" + Pick(r, Words) + "/" + strconv.Itoa(r.IntN(1000)) + ")."
				}
				b.WriteString(s + " ")
			}
			b.WriteString("\n\n")
		}
	}
	return strings.TrimSpace(b.String()) + "\n"
}

// Sentence returns n words from Words, capitalised, sometimes with a
// comma, ending with a full stop.
func Sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = Pick(r, Words)
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	if r.IntN(4) == 0 {
		ws[r.IntN(n)] += ","
	}
	return strings.Join(ws, " ") + "."
}

// Pick returns a random element of list.
func Pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// Words is the vocabulary of reports about delegations, forums and trade.
var Words = strings.Fields(`the of and to in a for on with by at from that as was were is are
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

// Names for the directory and the attendees a benchmark creates.
var (
	FirstNames = strings.Fields(`Li Wang Zhang Liu Chen Yang Zhao Huang Maria Anna Peter Jan Luca Sofia Ahmed Fatima Kenji Yuki Olga Ivan`)
	LastNames  = strings.Fields(`Wei Fang Jing Ming Hao Lin Novak Rossi Schmidt Dubois Garcia Silva Tanaka Sato Petrov Kowalski Haddad Okafor Jensen Larsen`)
	Places     = strings.Fields(`Qingdao Shandong Hamburg Rotterdam Antwerp Busan Osaka Marseille Genoa Valencia Gdansk Piraeus`)
	OrgWords   = strings.Fields(`Trade Shipping Culture Education Science Friendship Commerce Tourism Industry Logistics Ports Research`)
	Roles      = []string{"Vice Minister of Commerce", "Mayor", "Secretary General of the Chamber of Commerce", "Deputy Director, Foreign Affairs Office",
		"Consul General", "President of the University", "Chief Executive Officer", "Head of Delegation", "Director of the Port Authority"}
)

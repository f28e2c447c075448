package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/demo"
)

type localized struct {
	Report struct {
		Title  string
		Body   string
		Locale struct {
			Requested *string
			Chain     []string
			Complete  bool
			Fields    []struct{ Field, Locale string }
		}
		Attendees []struct {
			Role   *string
			Person *struct{ Name string }
		}
		Event struct{ Name string }
	}
}

const localizedQuery = `query($l: String) { report(slug: "international-technology-trade-conference-qingdao-2020", locale: $l) {
	title body locale { requested chain complete fields { field locale } }
	attendees { role person { name } } event { name } } }`

// Reading the demo report in another locale: every text comes from its
// translation, names of people from the directory in that script, and the
// response says where each value came from; a locale with no translation
// falls back along the chain to the source, and says so.
func TestReadingAReportInAnotherLocale(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	if _, err := demo.Load(context.Background(), a.db, nil); err != nil {
		t.Fatal(err)
	}
	public := a.as("")
	read := func(c *api, loc any) localized {
		var out localized
		vars := map[string]any{}
		if loc != nil {
			vars["l"] = loc
		}
		c.do(localizedQuery, vars, &out)
		return out
	}
	ja := read(public, "ja")
	if ja.Report.Title != "国際技術貿易大会・日中韓技術貿易フォーラム、中国東部の青島で開催" || !ja.Report.Locale.Complete ||
		fmt.Sprint(ja.Report.Locale.Chain) != "[ja en]" {
		t.Errorf("ja: %q %+v", ja.Report.Title, ja.Report.Locale)
	}
	for _, f := range ja.Report.Locale.Fields {
		if f.Field == "title" && f.Locale != "ja" {
			t.Errorf("ja title came from %s", f.Locale)
		}
	}
	names := map[string]bool{}
	translatedRoles := 0
	for _, at := range ja.Report.Attendees {
		if at.Person != nil {
			names[at.Person.Name] = true
		}
		if at.Role != nil && !isASCII(*at.Role) {
			translatedRoles++
		}
	}
	if translatedRoles == 0 {
		t.Error("no attendee role came back in Japanese")
	}
	if !names["後藤吉正"] || !names["宋軍"] || !names["Carl Rust"] {
		t.Errorf("a Japanese read names people in Japanese where the directory has it, else as the newsroom does: %v", names)
	}

	// Lists localize the same way as single reads.
	var list struct {
		Reports struct {
			Nodes []struct {
				Title     string
				Attendees []struct{ Person *struct{ Name string } }
			}
		}
	}
	public.do(`{ reports(first: 5, locale: "ja") { nodes { title attendees { person { name } } } } }`, nil, &list)
	if n := list.Reports.Nodes; len(n) != 1 || n[0].Title != ja.Report.Title || n[0].Attendees[0].Person == nil || n[0].Attendees[0].Person.Name != "宋軍" {
		t.Errorf("a list read in Japanese: %+v", n)
	}

	// Under a translation, names are in the translation's locale too.
	var tr struct {
		Report struct {
			Translation struct {
				Attendees []struct {
					Attendee struct{ Person *struct{ Name string } }
				}
			}
		}
	}
	public.do(`{ report(slug: "international-technology-trade-conference-qingdao-2020") { translation(locale: "ko") { attendees { attendee { person { name } } } } } }`, nil, &tr)
	if at := tr.Report.Translation.Attendees; len(at) == 0 || at[0].Attendee.Person == nil || at[0].Attendee.Person.Name != "쑹쥔" {
		t.Errorf("names under the ko translation: %+v", at)
	}

	zhHant := read(public, "zh-Hant")
	zhNames := map[string]bool{}
	for _, at := range zhHant.Report.Attendees {
		if at.Person != nil {
			zhNames[at.Person.Name] = true
		}
	}
	if !zhNames["宋军"] || !zhNames["干勇"] {
		t.Errorf("a Chinese read names Chinese people in Chinese: %v", zhNames)
	}
	if zhHant.Report.Title != "国际技术贸易大会暨中日韩技术贸易论坛在山东青岛举行" || zhHant.Report.Locale.Complete {
		t.Errorf("zh-Hant falls back to zh-Hans and says it is not complete: %q %+v", zhHant.Report.Title, zhHant.Report.Locale)
	}
	fr := read(public, "fr")
	if !strings.HasPrefix(fr.Report.Title, "International Technology Trade Conference") || fr.Report.Locale.Complete {
		t.Errorf("fr falls back to the source: %q %+v", fr.Report.Title, fr.Report.Locale)
	}
	ko := public.as("")
	ko.acceptLanguage = "ko-KR, en;q=0.5"
	if got := read(ko, nil); got.Report.Title != "국제기술무역대회 및 한중일 기술무역포럼, 중국 동부 칭다오서 개최" {
		t.Errorf("Accept-Language ko-KR: %q %+v", got.Report.Title, got.Report.Locale)
	}
	source := read(public, nil)
	if source.Report.Locale.Requested != nil || !source.Report.Locale.Complete || !strings.Contains(source.Report.Body, "\u00a0") {
		t.Errorf("no locale asked: %+v", source.Report.Locale)
	}
	if e, _ := public.fail(`{ report(slug: "x", locale: "not a locale!") { title } }`, nil); e.code() != "BAD_USER_INPUT" || e.field() != "locale" {
		t.Errorf("bad locale: %+v", e)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

package xliff

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// pieces are the fragments random strings are built from: what XML escapes
// or normalises, whitespace of every kind, CJK, Hangul, emoji (outside the
// BMP, with joiners and variation selectors), and look-alikes of markup.
var pieces = []string{
	"a", "Z", "0", " ", "  ", "\n", "\r", "\r\n", "\n\r", "\t", "\u00a0", "\u3000", "\u2028", "\u200b", "\ufeff",
	"<", ">", "&", "\"", "'", "]]>", "]]", "<![CDATA[", "<!--", "-->", "<?", "?>", "<!DOCTYPE x>",
	"&amp;", "&#x41;", "&lol;", "<pc id=\"1\">", "</target>", "xml:space",
	"中文", "日本語の文章、", "한국어 문장.", "〈", "「」", "！", "𠀋", "😀", "👩‍👩‍👧", "❤️", "\u0301", "é",
	"\ufffd", "\ufffc", "\U0010FFFD", "\ud7ff", "\ue000", "**", "# ", "- ", "`code`", "[l](u?a=1&b=2)",
}

// randomString returns a random string of valid XML characters, often with
// leading and trailing spaces and newlines.
func randomString(r *rand.Rand) string {
	var b strings.Builder
	n := r.IntN(24)
	if r.IntN(4) == 0 {
		b.WriteString([]string{" ", "\n", "\r\n", "\t ", "\u00a0"}[r.IntN(5)])
	}
	for range n {
		if r.IntN(5) == 0 {
			b.WriteRune(randomRune(r))
		} else {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
	}
	if r.IntN(4) == 0 {
		b.WriteString([]string{" ", "\n", "\n\n", " \t", "\u00a0"}[r.IntN(5)])
	}
	return b.String()
}

// randomRune returns a random character XML 1.0 allows.
func randomRune(r *rand.Rand) rune {
	for {
		var c rune
		switch r.IntN(4) {
		case 0:
			c = rune(r.IntN(0x80))
		case 1:
			c = rune(r.IntN(0x800))
		case 2:
			c = rune(r.IntN(0x10000))
		default:
			c = rune(r.IntN(utf8.MaxRune + 1))
		}
		if isXMLChar(c) {
			return c
		}
	}
}

var langs = []string{"en", "en-US", "zh-Hans", "zh-Hant-TW", "ja", "ko", "ko-KR", "fr", "es-419", "de-CH"}

func randomDocument(r *rand.Rand) Document {
	i := r.IntN(len(langs))
	j := (i + 1 + r.IntN(len(langs)-1)) % len(langs)
	doc := Document{SrcLang: langs[i], TrgLang: langs[j]}
	states := []string{StateInitial, StateTranslated, StateReviewed, StateFinal}
	reports := map[int64]bool{}
	for f := range 1 + r.IntN(3) {
		id := []int64{1, 42, math.MaxInt64, r.Int64N(math.MaxInt64) + 1}[r.IntN(4)]
		for reports[id] {
			id = r.Int64N(math.MaxInt64) + 1
		}
		reports[id] = true
		rev := []int{1, 7, math.MaxInt32, r.IntN(math.MaxInt) + 1}[r.IntN(4)]
		file := File{ID: "report-" + strconv.FormatInt(id, 10), ReportID: id, SourceRevision: rev}
		if r.IntN(2) == 0 {
			v := []int{0, 1, math.MaxInt32}[r.IntN(3)]
			file.TranslationVersion = &v
		}
		if r.IntN(3) == 0 {
			file.ID = "f." + strconv.Itoa(f) + ":_-x"
		}
		switch r.IntN(3) {
		case 0:
			file.Original = OriginalFor(id, rev)
		case 1:
			file.Original = randomString(r)
			if strings.HasPrefix(file.Original, originalPrefix) {
				file.Original = ""
			}
		}
		ids := []string{UnitTitle, UnitSubtitle, UnitSummary, UnitBody}
		for range r.IntN(4) {
			a := r.Int64N(1e6) + 1
			ids = append(ids, AttendeeRoleUnit(a), AttendeeNoteUnit(a))
		}
		r.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
		seen := map[string]bool{}
		for _, uid := range ids[:1+r.IntN(len(ids))] {
			if seen[uid] {
				continue
			}
			seen[uid] = true
			file.Units = append(file.Units, Unit{
				ID: uid, Source: randomString(r), Target: randomString(r), State: states[r.IntN(len(states))],
			})
		}
		doc.Files = append(doc.Files, file)
	}
	return doc
}

// TestRoundTripRandom is the property Unmarshal(Marshal(doc)) == doc over
// random documents, and Marshal is deterministic.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 2000
	if testing.Short() {
		n = 200
	}
	for i := range n {
		doc := randomDocument(r)
		out, err := Marshal(doc)
		if err != nil {
			t.Fatalf("#%d: Marshal: %v\n%#v", i, err, doc)
		}
		got, err := Unmarshal(out, Limits{})
		if err != nil {
			t.Fatalf("#%d: Unmarshal: %v\n%s", i, err, out)
		}
		if d := diffDocs(got, doc); d != "" {
			t.Fatalf("#%d: %s\n%s", i, d, out)
		}
		again, _ := Marshal(got)
		if !bytes.Equal(again, out) {
			t.Fatalf("#%d: Marshal(Unmarshal(Marshal(doc))) differs from Marshal(doc)", i)
		}
	}
}

// TestMarshalRejectsNonXMLCharacters checks each character XML 1.0 cannot
// carry: Marshal must refuse rather than write a document nobody can read.
func TestMarshalRejectsNonXMLCharacters(t *testing.T) {
	bad := []string{"\x00", "\x08", "\x0b", "\x0c", "\x1f", "\uFFFE", "\uFFFF", "\xed\xa0\x80" /* a surrogate */, "\xc3", "\xff"}
	for _, s := range bad {
		d := oneFile(Unit{ID: UnitBody, Source: "ok", Target: "x" + s + "y", State: StateTranslated})
		_, err := Marshal(d)
		var e *Error
		if !errors.As(err, &e) || e.Unit != UnitBody {
			t.Errorf("Marshal with %+q: got %v, want an error about unit body", s, err)
		}
	}
}

// FuzzUnmarshal checks that Unmarshal never panics, returns only *Error
// values, and that whatever it accepts, Marshal writes back as a document
// it accepts again with equal content.
//
// The seeds are kept to a few hundred bytes: the fuzzing engine minimises
// each new interesting input in time quadratic in its length, and with
// multi-kilobyte seeds (such as the golden file, which TestMarshalGolden
// covers) a worker can spend the whole -fuzztime minimising.
func FuzzUnmarshal(f *testing.F) {
	small, err := Marshal(Document{SrcLang: "en", TrgLang: "ko", Files: []File{{
		ID: "report-42", Original: OriginalFor(42, 7), ReportID: 42, SourceRevision: 7,
		Units: []Unit{{ID: UnitBody, Source: "## A\n\n1\u00a0200 <b> & ]]>\r\n", Target: "가\u00a0나 😀\n", State: StateReviewed}},
	}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add([]byte(doc(file(unit("title", "Hello", "你好")))))
	f.Add([]byte(doc(file(`<unit id="body"><segment state="final"><source>One.</source><target>一。</target></segment>` +
		`<ignorable><source> </source></ignorable><segment><source>Two.</source><target>二。</target></segment></unit>`))))
	f.Add([]byte(doc(file(unit("body", "a<pc id=\"1\">b</pc>", "c")))))
	f.Add([]byte(doc(file(`<unit id="body"><segment><source>a</source></segment></unit>`))))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`))
	f.Add([]byte(doc(`<file id="f" xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0"><mda:metadata><mda:metaGroup category="copydesk">` +
		`<mda:meta type="reportId">3</mda:meta><mda:meta type="sourceRevision">4</mda:meta></mda:metaGroup></mda:metadata>` +
		unit("attendees.5.note", "<![CDATA[x]]>&#xD;", "&amp;\r\n") + `</file>`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Unmarshal(data, Limits{})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Unmarshal returned %T %v, want an *Error", err, err)
			}
			return
		}
		out, err := Marshal(doc)
		if err != nil {
			t.Fatalf("Marshal of an accepted document: %v", err)
		}
		again, err := Unmarshal(out, Limits{})
		if err != nil {
			t.Fatalf("Unmarshal(Marshal(doc)): %v\n%s", err, out)
		}
		if d := diffDocs(again, doc); d != "" {
			t.Fatalf("round trip changed the document: %s", d)
		}
		out2, err := Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("Marshal is not stable: %v", err)
		}
	})
}

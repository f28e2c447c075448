package xliff

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestMarshalGolden pins Marshal's output for a batch of two reports.
func TestMarshalGolden(t *testing.T) {
	doc := sampleBatch("zh-Hans")
	got, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "batch-en-zh-Hans.xlf")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/xliff -run TestMarshalGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Marshal output differs from %s (rerun with -update if the change is intended):\n%s", path, got)
	}
	again, err := Marshal(doc)
	if err != nil || !bytes.Equal(again, got) {
		t.Errorf("Marshal is not deterministic")
	}
	back, err := Unmarshal(want, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffDocs(back, doc); d != "" {
		t.Errorf("Unmarshal(golden) differs from the document: %s", d)
	}
}

// TestRoundTripReport round-trips a realistic report into each target
// language and checks that the text is written byte for byte.
func TestRoundTripReport(t *testing.T) {
	for _, lang := range []string{"zh-Hans", "ja", "ko"} {
		t.Run(lang, func(t *testing.T) {
			doc := sampleBatch(lang)
			out, err := Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Unmarshal(out, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffDocs(got, doc); d != "" {
				t.Fatal(d)
			}
			// U+00A0, newlines and CJK are written as themselves, not as
			// character references; only <, >, & and CR are escaped.
			for _, want := range []string{
				"water\u00a0security",
				"\n\n- Panel A: groundwater (see [report](https://example.org/a?x=1&amp;y=2))\n",
				"`if a &lt; b &amp;&amp; c &gt; d`",
				"]]&gt; is not",
				"\tIndented line with a tab.&#xD;\nA Windows",
				"<source>  Three days, 14\u00a0countries &amp; one &lt;joint&gt; statement  </source>",
				"<target>" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(targets[lang][1]) + "</target>",
				`<unit id="body" xml:space="preserve">`,
				`trgLang="` + lang + `"`,
			} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

func TestUnmarshalValid(t *testing.T) {
	translated := func(id, src, trg string) Unit { return Unit{ID: id, Source: src, Target: trg, State: StateTranslated} }
	tests := []struct {
		name string
		in   string
		want Document
	}{
		{
			name: "minimal",
			in:   doc(file(unit("title", "Hello", "你好"))),
			want: oneFile(translated("title", "Hello", "你好")),
		},
		{
			name: "byte order mark, XLIFF 2.1, non-canonical language tags",
			in: "\uFEFF" + xliffDoc(`version="2.1" srcLang="EN" trgLang="zh-hans"`,
				file(unit("title", "Hello", "你好"))),
			want: oneFile(translated("title", "Hello", "你好")),
		},
		{
			name: "character references, CDATA, comments and processing instructions",
			in: doc(file(unit("body",
				"a&#xD;&#xA;b&#160;c<!-- note -->d<?pi x?>&lt;&amp;&gt;&quot;&apos;",
				"<![CDATA[<b>&amp;]]>&#x1F600;"))),
			want: oneFile(translated("body", "a\r\nb\u00a0cd<&>\"'", "<b>&amp;😀")),
		},
		{
			name: "raw CRLF is normalised to LF by XML",
			in:   doc(file(unit("body", "a\r\nb", "c\rd"))),
			want: oneFile(translated("body", "a\nb", "c\nd")),
		},
		{
			name: "state defaults to initial, empty target",
			in: doc(file(`<unit id="summary"><segment><source>S</source><target/></segment></unit>`,
				`<unit id="attendees.7.note"><segment state="final"><source>N</source><target>注</target></segment></unit>`)),
			want: oneFile(Unit{ID: "summary", Source: "S", State: StateInitial},
				Unit{ID: "attendees.7.note", Source: "N", Target: "注", State: StateFinal}),
		},
		{
			name: "resegmented by a CAT tool: segments and ignorables concatenate, least advanced state wins",
			in: doc(file(`<unit id="body">
				<segment state="final"><source>One.</source><target>一。</target></segment>
				<ignorable><source> </source></ignorable>
				<segment state="translated"><source>Two.</source><target>二。</target></segment>
				<ignorable><source>` + "\n\n" + `</source><target>` + "\n" + `</target></ignorable>
				<segment state="reviewed"><source>Three.</source><target>三。</target></segment>
			</unit>`)),
			want: oneFile(translated("body", "One. Two.\n\nThree.", "一。 二。\n三。")),
		},
		{
			name: "notes, originalData, skeleton, modules and extensions are skipped",
			in: xliffDoc(`xmlns:its="http://www.w3.org/2005/11/its" xmlns:x="urn:example:tool" version="2.0" srcLang="en" trgLang="ja"`,
				`<x:toolInfo name="cat"><x:deep><x:deeper>text</x:deeper></x:deep></x:toolInfo>
				<file id="report-9" original="copydesk:report/9@v3">
					<skeleton href="none"/>
					<x:settings a="b">anything <x:y/> here</x:settings>
					<notes><note>For the agency</note></notes>
					<unit id="title" its:locQualityIssuesRef="q1" translate="yes" canResegment="yes">
						<notes><note category="context">A headline</note></notes>
						<x:hint>short</x:hint>
						<originalData><data id="d1">&lt;b&gt;</data></originalData>
						<segment state="reviewed" subState="x:ok" id="s1">
							<source xml:lang="en">Title</source>
							<target xml:lang="ja">題名</target>
						</segment>
					</unit>
				</file>`),
			want: Document{SrcLang: "en", TrgLang: "ja", Files: []File{{
				ID: "report-9", Original: "copydesk:report/9@v3", ReportID: 9, SourceRevision: 3,
				Units: []Unit{{ID: "title", Source: "Title", Target: "題名", State: StateReviewed}},
			}}},
		},
		{
			name: "metadata only, other metaGroups ignored, any original kept",
			in: xliffDoc(`xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0" version="2.0" srcLang="en" trgLang="ko"`,
				`<file id="r" original="C:\exports\report.docx">
					<mda:metadata>
						<mda:metaGroup category="tool"><mda:meta type="x">1</mda:meta></mda:metaGroup>
						<mda:metaGroup category="wrapper">
							<mda:metaGroup category="copydesk">
								<mda:meta type="sourceRevision"> 12 </mda:meta>
								<mda:meta type="translationVersion">0</mda:meta>
								<mda:meta type="reportId">5</mda:meta>
							</mda:metaGroup>
						</mda:metaGroup>
					</mda:metadata>
					<unit id="attendees.3.role"><segment state="initial"><source>Chair</source><target>의장</target></segment></unit>
				</file>`),
			want: Document{SrcLang: "en", TrgLang: "ko", Files: []File{{
				ID: "r", Original: `C:\exports\report.docx`, ReportID: 5, SourceRevision: 12, TranslationVersion: new(int),
				Units: []Unit{{ID: "attendees.3.role", Source: "Chair", Target: "의장", State: StateInitial}},
			}}},
		},
		{
			name: "prefixed core namespace, single quotes, trailing comment",
			in: `<x:xliff xmlns:x='urn:oasis:names:tc:xliff:document:2.0' version='2.0' srcLang='en' trgLang='zh-Hans'>` +
				`<x:file id='report-1' original='copydesk:report/1@v1'><x:unit id='title'><x:segment state='translated'>` +
				`<x:source>Hello</x:source><x:target>你好</x:target></x:segment></x:unit></x:file></x:xliff>` + "\n<!-- end -->\n",
			want: oneFile(translated("title", "Hello", "你好")),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tt.in), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffDocs(got, tt.want); d != "" {
				t.Fatal(d)
			}
			// Whatever is accepted re-marshals to an equal document.
			out, err := Marshal(got)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			again, err := Unmarshal(out, Limits{})
			if err != nil {
				t.Fatalf("Unmarshal(Marshal): %v", err)
			}
			if d := diffDocs(again, got); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestUnmarshalInvalid(t *testing.T) {
	billionLaughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
` + doc(file(unit("title", "&lol9;", "&lol9;")))
	many := make([]string, 4)
	for i := range many {
		many[i] = unit(AttendeeRoleUnit(int64(i+1)), "r", "r")
	}
	good := doc(file(unit("title", "Hello", "你好")))

	tests := []struct {
		name      string
		in        string
		limits    Limits
		file      string
		unit      string
		msg       string // a substring of Error.Msg
		errString string // if set, a substring of Error()
	}{
		{name: "DOCTYPE with entities (billion laughs)", in: billionLaughs, msg: "<!DOCTYPE> declaration: DTDs"},
		{name: "external entity", in: `<?xml version="1.0"?><!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
			doc(file(unit("title", "&xxe;", "x"))), msg: "DTDs, DOCTYPE and ENTITY declarations are not allowed"},
		{name: "external DTD", in: `<!DOCTYPE xliff SYSTEM "http://example.org/x.dtd">` + good, msg: "<!DOCTYPE>"},
		{name: "DOCTYPE after the root", in: good + `<!DOCTYPE x>`, msg: "<!DOCTYPE>"},
		{name: "undeclared entity", in: doc(file(unit("title", "&nbsp;", "x"))), file: "report-1", msg: "invalid character entity &nbsp;"},
		{name: "oversized", in: good, limits: Limits{MaxBytes: 100}, msg: "larger than the limit of 100 bytes"},
		{name: "too many units", in: doc(file(many...)), limits: Limits{MaxUnits: 3}, msg: "more units than the limit of 3"},
		{name: "too many units across files", in: doc(file(many[0], many[1]) +
			`<file id="report-2" original="copydesk:report/2@v1">` + many[2] + many[3] + `</file>`),
			limits: Limits{MaxUnits: 3}, msg: "more units than the limit of 3"},
		{name: "too deep", in: doc(`<x:a xmlns:x="urn:x"><x:a><x:a><x:a><x:a><x:a></x:a></x:a></x:a></x:a></x:a></x:a>` + file(unit("title", "a", "b"))),
			limits: Limits{MaxDepth: 5}, msg: "deeper than the limit of 5"},
		{name: "XLIFF 1.2 namespace", in: `<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2"><file/></xliff>`,
			msg: "only XLIFF 2 (urn:oasis:names:tc:xliff:document:2.0) can be imported"},
		{name: "no namespace", in: `<xliff version="2.0" srcLang="en" trgLang="ja"/>`, msg: `root element <xliff> is in namespace ""`},
		{name: "wrong root", in: `<html xmlns="http://www.w3.org/1999/xhtml"/>`, msg: "root element is <html>"},
		{name: "wrong version", in: xliffDoc(`version="1.2" srcLang="en" trgLang="ja"`, file(unit("title", "a", "b"))), msg: `XLIFF version "1.2" is not supported`},
		{name: "no version", in: xliffDoc(`srcLang="en" trgLang="ja"`, file(unit("title", "a", "b"))), msg: "no version attribute"},
		{name: "missing target", in: doc(file(unit("title", "a", "b"),
			`<unit id="body"><segment state="initial"><source>Body</source></segment></unit>`)),
			file: "report-1", unit: "body", msg: "has no target", errString: "unit body has no target"},
		{name: "missing target in one of several segments", in: doc(file(`<unit id="body"><segment><source>a</source><target>b</target></segment>` +
			`<segment><source>c</source></segment></unit>`)), file: "report-1", unit: "body", msg: "has no target"},
		{name: "duplicate unit", in: doc(file(unit("title", "a", "b"), unit("body", "c", "d"), unit("title", "e", "f"))),
			file: "report-1", unit: "title", msg: "appears twice in the file"},
		{name: "unknown unit", in: doc(file(unit("headline", "a", "b"))), file: "report-1", unit: "headline", msg: "is not a copydesk field"},
		{name: "attendee unit with leading zero", in: doc(file(unit("attendees.07.role", "a", "b"))), file: "report-1", unit: "attendees.07.role", msg: "is not a copydesk field"},
		{name: "bad srcLang", in: xliffDoc(`version="2.0" srcLang="xx-invalid" trgLang="ja"`, file(unit("title", "a", "b"))),
			msg: `srcLang: "xx-invalid" is not a valid BCP 47 locale`},
		{name: "bad trgLang", in: xliffDoc(`version="2.0" srcLang="en" trgLang="zh_Hans"`, file(unit("title", "a", "b"))),
			msg: `trgLang: "zh_Hans" is not a valid BCP 47 locale`},
		{name: "missing trgLang", in: xliffDoc(`version="2.0" srcLang="en"`, file(unit("title", "a", "b"))), msg: "no trgLang attribute"},
		{name: "same languages", in: xliffDoc(`version="2.0" srcLang="ja" trgLang="JA"`, file(unit("title", "a", "b"))), msg: `both "ja"`},
		{name: "xml:lang disagrees", in: doc(file(`<unit id="title"><segment><source>a</source><target xml:lang="ja">b</target></segment></unit>`)),
			file: "report-1", unit: "title", msg: `xml:lang "ja", but the document's trgLang is "zh-Hans"`},
		{name: "inline pc in target", in: doc(file(unit("body", "a bold b", `a <pc id="1">粗体</pc> b`))),
			file: "report-1", unit: "body", msg: "has <pc> in its target: inline codes and markup are not supported"},
		{name: "inline ph in source", in: doc(file(unit("title", `a<ph id="1"/>b`, "x"))), file: "report-1", unit: "title", msg: "has <ph> in its source"},
		{name: "mrk annotation", in: doc(file(unit("title", "a", `<mrk id="m1" translate="no">b</mrk>`))), file: "report-1", unit: "title", msg: "has <mrk> in its target"},
		{name: "foreign element in target", in: doc(file(unit("title", "a", `<b xmlns="urn:html">b</b>`))), file: "report-1", unit: "title", msg: `<b> (namespace "urn:html")`},
		{name: "truncated XML", in: good[:len(good)-40], file: "report-1", msg: "unexpected EOF (the document is truncated)"},
		{name: "truncated in prolog", in: `<?xml version="1.0"?><xli`, msg: "malformed XML"},
		{name: "empty input", in: "", msg: "no <xliff> element"},
		{name: "mismatched tags", in: doc(file(unit("title", "a", "b</source>"))), file: "report-1", msg: "malformed XML: element <target> closed by </source>"},
		{name: "illegal character reference", in: doc(file(unit("title", "a&#1;", "b"))), file: "report-1", msg: "illegal character code U+0001"},
		{name: "invalid UTF-8", in: doc(file(unit("title", "a\xff", "b"))), file: "report-1", msg: "invalid UTF-8"},
		{name: "non-UTF-8 encoding", in: `<?xml version="1.0" encoding="ISO-8859-1"?>` + good[strings.Index(good, "<xliff"):], msg: `encoding "ISO-8859-1" declared`},
		{name: "text after root", in: good + "junk", msg: "text after </xliff>"},
		{name: "second root", in: good + good[strings.Index(good, "<xliff"):], msg: "element after </xliff>"},
		{name: "text before root", in: "junk" + good[strings.Index(good, "<xliff"):], msg: "text before the root element"},
		{name: "no file", in: doc(""), msg: "no <file>"},
		{name: "file without units", in: doc(file()), file: "report-1", msg: "has no units"},
		{name: "file without id", in: doc(`<file>` + unit("title", "a", "b") + `</file>`), msg: "<file> without id"},
		{name: "invalid file id", in: doc(`<file id="a b" original="copydesk:report/1@v1">` + unit("title", "a", "b") + `</file>`), file: "a b", msg: "invalid id"},
		{name: "duplicate file id", in: doc(file(unit("title", "a", "b")) + file(unit("title", "a", "b"))), file: "report-1", msg: "file ids must be unique"},
		{name: "duplicate report", in: doc(file(unit("title", "a", "b")) +
			`<file id="again" original="copydesk:report/1@v2">` + unit("title", "a", "b") + `</file>`), file: "again", msg: "is report 1, like file report-1"},
		{name: "no report reference", in: doc(`<file id="f">` + unit("title", "a", "b") + `</file>`), file: "f", msg: "no copydesk report reference"},
		{name: "malformed original", in: doc(`<file id="f" original="copydesk:report/x@v1">` + unit("title", "a", "b") + `</file>`), file: "f", msg: "not of the form"},
		{name: "metadata disagrees with original", in: doc(`<file id="f" original="copydesk:report/1@v1" xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0">` +
			`<mda:metadata><mda:metaGroup category="copydesk"><mda:meta type="reportId">1</mda:meta><mda:meta type="sourceRevision">2</mda:meta></mda:metaGroup></mda:metadata>` +
			unit("title", "a", "b") + `</file>`), file: "f", msg: "metadata for report 1 at version 2"},
		{name: "bad translation version", in: doc(`<file id="f" xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0">` +
			`<mda:metadata><mda:metaGroup category="copydesk"><mda:meta type="reportId">1</mda:meta><mda:meta type="sourceRevision">2</mda:meta>` +
			`<mda:meta type="translationVersion">-3</mda:meta></mda:metaGroup></mda:metadata>` +
			unit("title", "a", "b") + `</file>`), file: "f", msg: "translationVersion \"-3\": want 0 or a positive"},
		{name: "translation version twice", in: doc(`<file id="f" xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0">` +
			`<mda:metadata><mda:metaGroup category="copydesk"><mda:meta type="reportId">1</mda:meta><mda:meta type="sourceRevision">2</mda:meta>` +
			`<mda:meta type="translationVersion">1</mda:meta><mda:meta type="translationVersion">1</mda:meta></mda:metaGroup></mda:metadata>` +
			unit("title", "a", "b") + `</file>`), file: "f", msg: "translationVersion twice"},
		{name: "incomplete metadata", in: doc(`<file id="f" xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0">` +
			`<mda:metadata><mda:metaGroup category="copydesk"><mda:meta type="reportId">1</mda:meta></mda:metaGroup></mda:metadata>` +
			unit("title", "a", "b") + `</file>`), file: "f", msg: "without sourceRevision"},
		{name: "bad metadata value", in: doc(`<file id="f" xmlns:mda="urn:oasis:names:tc:xliff:metadata:2.0">` +
			`<mda:metadata><mda:metaGroup category="copydesk"><mda:meta type="reportId">-1</mda:meta></mda:metaGroup></mda:metadata>` +
			unit("title", "a", "b") + `</file>`), file: "f", msg: `reportId "-1": want a positive decimal number`},
		{name: "group", in: doc(`<file id="f" original="copydesk:report/1@v1"><group id="g">` + unit("title", "a", "b") + `</group></file>`), file: "f", msg: "<group>, which is not supported"},
		{name: "bad state", in: doc(file(`<unit id="title"><segment state="done"><source>a</source><target>b</target></segment></unit>`)),
			file: "report-1", unit: "title", msg: `state "done"`},
		{name: "reordered target", in: doc(file(`<unit id="title"><segment><source>a</source><target order="2">b</target></segment></unit>`)),
			file: "report-1", unit: "title", msg: "reordered segments are not supported"},
		{name: "target before source", in: doc(file(`<unit id="title"><segment><target>b</target><source>a</source></segment></unit>`)),
			file: "report-1", unit: "title", msg: "misplaced <target>"},
		{name: "two sources", in: doc(file(`<unit id="title"><segment><source>a</source><source>a</source><target>b</target></segment></unit>`)),
			file: "report-1", unit: "title", msg: "misplaced <source>"},
		{name: "unit without segment", in: doc(file(`<unit id="title"><notes><note>n</note></notes></unit>`)), file: "report-1", unit: "title", msg: "has no <segment>"},
		{name: "text in unit", in: doc(file(`<unit id="title">stray<segment><source>a</source><target>b</target></segment></unit>`)),
			file: "report-1", unit: "title", msg: "text outside <source> and <target>"},
		{name: "duplicate attribute", in: doc(file(`<unit id="title" id="body"><segment><source>a</source><target>b</target></segment></unit>`)),
			file: "report-1", msg: "has attribute id twice on <unit>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Unmarshal([]byte(tt.in), tt.limits)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v (%T), want an *Error", err, err)
			}
			if e.File != tt.file || e.Unit != tt.unit || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got File %q, Unit %q, Msg %q\nwant File %q, Unit %q, Msg containing %q", e.File, e.Unit, e.Msg, tt.file, tt.unit, tt.msg)
			}
			if tt.errString != "" && !strings.Contains(e.Error(), tt.errString) {
				t.Errorf("Error() = %q, want it to contain %q", e.Error(), tt.errString)
			}
			// Decode agrees with Unmarshal.
			_, err2 := Decode(strings.NewReader(tt.in), tt.limits)
			if err2 == nil || err2.Error() != err.Error() {
				t.Errorf("Decode: %v, Unmarshal: %v", err2, err)
			}
		})
	}
}

// TestBillionLaughsFailsFast checks that a document declaring entities is
// refused as soon as its DOCTYPE is read, even when it is huge.
func TestBillionLaughsFailsFast(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE x [<!ENTITY a "` + strings.Repeat("a", 1000) + `">`)
	for i := 0; i < 2000; i++ {
		b.WriteString(`<!ENTITY b` + strings.Repeat("x", 5) + ` "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">`)
	}
	b.WriteString(`]>`)
	r := &countingReader{r: io.MultiReader(strings.NewReader(b.String()), infinite{})}
	_, err := Decode(r, Limits{MaxBytes: math.MaxInt64})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "DOCTYPE") {
		t.Fatalf("got %v, want a DOCTYPE error", err)
	}
	if max := int64(b.Len()) + 64<<10; r.n > max {
		t.Errorf("read %d bytes before refusing the DOCTYPE, want at most %d", r.n, max)
	}
}

// infinite is an endless stream of spaces.
type infinite struct{}

func (infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestDecodeStopsAtMaxBytes checks that Decode reads no more than the limit
// allows from an endless input.
func TestDecodeStopsAtMaxBytes(t *testing.T) {
	good := doc(file(unit("title", "Hello", "你好")))
	for _, tail := range []io.Reader{infinite{}, strings.NewReader(strings.Repeat(" ", 1000))} {
		r := &countingReader{r: io.MultiReader(strings.NewReader(good), tail)}
		_, err := Decode(r, Limits{MaxBytes: 900})
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Msg, "larger than the limit of 900 bytes") {
			t.Fatalf("got %v, want a size error", err)
		}
		if r.n > 901 {
			t.Errorf("read %d bytes, want at most 901", r.n)
		}
	}
	// Exactly at the limit is fine.
	in := good + strings.Repeat(" ", 900-len(good))
	if _, err := Decode(strings.NewReader(in), Limits{MaxBytes: 900}); err != nil {
		t.Fatal(err)
	}
	if _, err := Unmarshal([]byte(in), Limits{MaxBytes: 900}); err != nil {
		t.Fatal(err)
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Decode(io.MultiReader(strings.NewReader(`<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0"`), failingReader{boom}), Limits{})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want it to wrap %v", err, boom)
	}
	var e *Error
	if errors.As(err, &e) {
		t.Errorf("a read error is reported as a document error: %v", err)
	}
}

func TestMarshalRejects(t *testing.T) {
	base := func() Document { return sampleBatch("ja") }
	tests := []struct {
		name   string
		mutate func(*Document)
		file   string
		unit   string
		msg    string
	}{
		{"invalid srcLang", func(d *Document) { d.SrcLang = "english" }, "", "", "srcLang:"},
		{"non-canonical trgLang", func(d *Document) { d.TrgLang = "zh-hans" }, "", "", `trgLang "zh-hans" is not in canonical form: use "zh-Hans"`},
		{"same languages", func(d *Document) { d.TrgLang = "en" }, "", "", `both "en"`},
		{"no files", func(d *Document) { d.Files = nil }, "", "", "no files"},
		{"bad file id", func(d *Document) { d.Files[0].ID = "report 42" }, "report 42", "", "invalid id"},
		{"duplicate file id", func(d *Document) { d.Files[1].ID = "report-42" }, "report-42", "", "unique"},
		{"duplicate report", func(d *Document) { d.Files[1].ReportID = 42 }, "report-43", "", "is report 42, like file report-42"},
		{"no report id", func(d *Document) { d.Files[1].ReportID = 0 }, "report-43", "", "positive report ID"},
		{"no revision", func(d *Document) { d.Files[1].SourceRevision = -1 }, "report-43", "", "positive report content version"},
		{"original disagrees", func(d *Document) { d.Files[0].SourceRevision = 8 }, "report-42", "", "has original"},
		{"malformed original", func(d *Document) { d.Files[0].Original = "copydesk:report/42" }, "report-42", "", "not of the form"},
		{"original with NUL", func(d *Document) { d.Files[1].Original = "a\x00" }, "report-43", "", "U+0000"},
		{"no units", func(d *Document) { d.Files[1].Units = nil }, "report-43", "", "no units"},
		{"unknown unit", func(d *Document) { d.Files[0].Units[0].ID = "headline" }, "report-42", "headline", "not a copydesk field"},
		{"attendee zero", func(d *Document) { d.Files[0].Units[4].ID = AttendeeRoleUnit(0) }, "report-42", "attendees.0.role", "not a copydesk field"},
		{"duplicate unit", func(d *Document) { d.Files[0].Units[1].ID = "title" }, "report-42", "title", "appears twice"},
		{"empty state", func(d *Document) { d.Files[0].Units[0].State = "" }, "report-42", "title", `state ""`},
		{"control character", func(d *Document) { d.Files[0].Units[3].Source += "\x01" }, "report-42", "body", "source contains U+0001"},
		{"U+FFFE", func(d *Document) { d.Files[0].Units[3].Target = "\uFFFE" }, "report-42", "body", "target contains U+FFFE"},
		{"invalid UTF-8", func(d *Document) { d.Files[0].Units[2].Target = "ab\xff" }, "report-42", "summary", "not valid UTF-8 at byte 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base()
			tt.mutate(&d)
			out, err := Marshal(d)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if out != nil {
				t.Error("Marshal returned output with an error")
			}
			if e.File != tt.file || e.Unit != tt.unit || !strings.Contains(e.Msg, tt.msg) || e.Line != 0 {
				t.Errorf("got %+v\nwant File %q, Unit %q, Msg containing %q", *e, tt.file, tt.unit, tt.msg)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "report-42", Unit: "body", Msg: "has no target", Line: 17}, "xliff: file report-42: unit body has no target (line 17)"},
		{Error{File: "report-42", Msg: "has no units"}, "xliff: file report-42: has no units"},
		{Error{Msg: "document has no <file>", Line: 3}, "xliff: document has no <file> (line 3)"},
		{Error{File: "a b", Unit: "x\"y", Msg: "m"}, `xliff: file "a b": unit "x\"y" m`},
		{Error{Unit: "attendees.12.role", Msg: "m"}, "xliff: unit attendees.12.role m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestParseUnitID(t *testing.T) {
	tests := []struct {
		id       string
		field    string
		attendee int64
		ok       bool
	}{
		{"title", "title", 0, true},
		{"subtitle", "subtitle", 0, true},
		{"summary", "summary", 0, true},
		{"body", "body", 0, true},
		{"attendees.12.role", "role", 12, true},
		{"attendees.9223372036854775807.note", "note", math.MaxInt64, true},
		{"attendees.9223372036854775808.note", "", 0, false},
		{"attendees.0.role", "", 0, false},
		{"attendees.-1.role", "", 0, false},
		{"attendees.012.role", "", 0, false},
		{"attendees.+12.role", "", 0, false},
		{"attendees.12.name", "", 0, false},
		{"attendees.12", "", 0, false},
		{"attendees..role", "", 0, false},
		{"Title", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		field, id, ok := ParseUnitID(tt.id)
		if field != tt.field || id != tt.attendee || ok != tt.ok {
			t.Errorf("ParseUnitID(%q) = %q, %d, %v; want %q, %d, %v", tt.id, field, id, ok, tt.field, tt.attendee, tt.ok)
		}
	}
	if got := AttendeeRoleUnit(12); got != "attendees.12.role" {
		t.Errorf("AttendeeRoleUnit(12) = %q", got)
	}
	if got := AttendeeNoteUnit(12); got != "attendees.12.note" {
		t.Errorf("AttendeeNoteUnit(12) = %q", got)
	}
}

func TestOriginal(t *testing.T) {
	if got := OriginalFor(42, 7); got != "copydesk:report/42@v7" {
		t.Errorf("OriginalFor(42, 7) = %q", got)
	}
	id, rev, ok, err := parseOriginal("copydesk:report/42@v7")
	if id != 42 || rev != 7 || !ok || err != nil {
		t.Errorf("parseOriginal = %d, %d, %v, %v", id, rev, ok, err)
	}
	if _, _, ok, err := parseOriginal("report.docx"); ok || err != nil {
		t.Errorf("parseOriginal(foreign) = %v, %v", ok, err)
	}
	for _, bad := range []string{"copydesk:report/", "copydesk:report/42", "copydesk:report/42@v", "copydesk:report/0@v1", "copydesk:report/1@v0", "copydesk:report/1@v1x", "copydesk:report/ 1@v1"} {
		if _, _, _, err := parseOriginal(bad); err == nil {
			t.Errorf("parseOriginal(%q) accepted", bad)
		}
	}
}

package richtext

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

func TestHTML(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want string
	}{
		{"empty", "", ""},
		{"paragraph", "Hello, world", "<p>Hello, world</p>\n"},
		{"headings", "# One\n\n## Two\n\n###### Six", "<h1>One</h1>\n<h2>Two</h2>\n<h6>Six</h6>\n"},
		{"emphasis", "*em* **strong** ~~gone~~", "<p><em>em</em> <strong>strong</strong> <del>gone</del></p>\n"},
		{"bullet list", "- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"ordered list", "1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n"},
		{
			"link gets rel",
			"[Xinhua](https://english.news.cn/ \"News\")",
			`<p><a href="https://english.news.cn/" title="News" rel="nofollow noopener">Xinhua</a></p>` + "\n",
		},
		{
			"relative link",
			"[report](/reports/qingdao)",
			`<p><a href="/reports/qingdao" rel="nofollow noopener">report</a></p>` + "\n",
		},
		{
			"GFM autolink",
			"see www.example.com and https://example.org/x",
			`<p>see <a href="http://www.example.com" rel="nofollow noopener">www.example.com</a> and <a href="https://example.org/x" rel="nofollow noopener">https://example.org/x</a></p>` + "\n",
		},
		{
			"email autolink",
			"<desk@example.com>",
			`<p><a href="mailto:desk@example.com" rel="nofollow noopener">desk@example.com</a></p>` + "\n",
		},
		{
			"image",
			"![Qingdao skyline](https://img.example.com/q.jpg)",
			`<p><img src="https://img.example.com/q.jpg" alt="Qingdao skyline"></p>` + "\n",
		},
		{
			"table",
			"| City | Country |\n|:--|--:|\n| 青岛 | CN |",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">City</th>\n<th align=\"right\">Country</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">青岛</td>\n<td align=\"right\">CN</td>\n</tr>\n</tbody>\n</table>\n",
		},
		{
			"fenced code keeps language class",
			"```go\nfmt.Println(\"<hi>\")\n```",
			"<pre><code class=\"language-go\">fmt.Println(&#34;&lt;hi&gt;&#34;)\n</code></pre>\n",
		},
		{"code span", "`a < b`", "<p><code>a &lt; b</code></p>\n"},
		{"blockquote", "> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>\n"},
		{"entities", "AT&amp;T &#x9752; &copy;", "<p>AT&amp;T 青 ©</p>\n"},
		{"inline raw HTML tags are dropped, text kept", "a <b>bold</b> move", "<p>a bold move</p>\n"},
		{"HTML block is dropped", "<div class=\"x\">block</div>\n\nafter", "<p>after</p>\n"},
		{"script block is dropped", "<script>alert(1)</script>\n\nText", "<p>Text</p>\n"},
		{"inline script is dropped", "Text <script>alert(1)</script> more", "<p>Text alert(1) more</p>\n"},
		{"img onerror is dropped", "x <img src=x onerror=alert(1)> y", "<p>x  y</p>\n"},
		{"javascript link keeps only its text", "[x](javascript:alert(1))", "<p>x</p>\n"},
		{"mixed-case javascript link", "[x](JaVaScRiPt:alert(1))", "<p>x</p>\n"},
		{"entity-encoded javascript link", "[x](javascript&#58;alert(1))", "<p>x</p>\n"},
		{"javascript autolink", "<javascript:alert(1)>", "<p>javascript&#58;alert(1)</p>\n"},
		{"vbscript link", "[x](vbscript:msgbox)", "<p>x</p>\n"},
		{"data link", "[x](data:text/html,hi)", "<p>x</p>\n"},
		{"javascript image", "![i](javascript:alert(1))", "<p><img alt=\"i\"></p>\n"},
		{"literal javascript: text is defused", "Type JavaScript: here", "<p>Type JavaScript&#58; here</p>\n"},
		{"raw anchor with javascript", `<a href="javascript:alert(1)">x</a>`, "<p>x</p>\n"},
		{"raw iframe", `<iframe src="https://evil.example"></iframe>`, ""},
		{"style attribute not possible", "<p style=\"color:red\">x</p>", ""},
		{"task list", "- [x] done", "<ul>\n<li> done</li>\n</ul>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.md); got != tt.want {
				t.Errorf("HTML(%q)\n got %q\nwant %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestHTMLNeverUnsafe(t *testing.T) {
	attacks := []string{
		"<script>alert(1)</script>",
		"<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
		"<img src=x onerror=alert(1)>",
		"<svg onload=alert(1)>",
		"<a href=\"javascript:alert(1)\">x</a>",
		"[x](javascript:alert(1))",
		"[x](  javascript:alert(1)  )",
		"[x](<javascript:alert(1)>)",
		"[x](java\\script:alert(1))",
		"[x][r]\n\n[r]: javascript:alert(1)",
		"![x](javascript:alert(1))",
		"<javascript:alert(1)>",
		"[x](\"onmouseover=\"alert(1))",
		"<div onclick=alert(1)>x</div>",
		"<style>body{}</style>",
		"```js\" onclick=\"alert(1)\nx\n```",
		"<object data=x></object><embed src=x>",
		"<form action=x><input></form>",
		"<meta http-equiv=refresh content=0>",
		"<<script>script>alert(1)<</script>/script>",
		"![<script>alert(1)</script>](x.png \"<script>\")",
		"[<script>](https://example.com/?q=javascript:alert(1) \"javascript:x\")",
	}
	for _, a := range attacks {
		out := strings.ToLower(HTML(a))
		for _, bad := range []string{"<script", "javascript:", "<iframe", "<style", "<svg", "<object", "<embed", "<form", "<input", "<meta", "style="} {
			if strings.Contains(out, bad) {
				t.Errorf("HTML(%q) = %q contains %q", a, out, bad)
			}
		}
		if eventHandler.MatchString(out) {
			t.Errorf("HTML(%q) = %q has an event-handler attribute", a, out)
		}
	}
}

// eventHandler matches an on…= attribute inside a tag.
var eventHandler = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)

var cjk = []string{
	"宋军在论坛上发表讲话",
	"国际技术贸易大会在青岛举行。",
	"日本の技術は「世界一」です！",
	"한국 과학 기술",
	"繁體中文：臺灣、香港",
	"ｶﾀｶﾅ　全角スペース",
	"🇨🇳🇯🇵🇰🇷 👩‍💻",
}

func TestCJKPreserved(t *testing.T) {
	for _, s := range cjk {
		if got, want := HTML(s), "<p>"+s+"</p>\n"; got != want {
			t.Errorf("HTML(%q) = %q, want %q", s, got, want)
		}
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q", s, got)
		}
		// Soft line breaks are kept, not turned into spaces.
		two := s + "\n" + s
		if got, want := HTML(two), "<p>"+two+"</p>\n"; got != want {
			t.Errorf("HTML(%q) = %q, want %q", two, got, want)
		}
		if got := Text(two); got != two {
			t.Errorf("Text(%q) = %q", two, got)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want string
	}{
		{"empty", "", ""},
		{"paragraphs", "First para.\n\nSecond para.", "First para.\n\nSecond para."},
		{"heading then text", "# Title\nBody *text* here.", "Title\n\nBody text here."},
		{"soft and hard breaks", "one\ntwo  \nthree\\\nfour", "one\ntwo\nthree\nfour"},
		{"link text kept", "See [the report](https://example.com/r \"t\") now.", "See the report now."},
		{"autolink", "Visit <https://example.com> or www.example.org.", "Visit https://example.com or www.example.org."},
		{"image alt kept", "Before ![Qingdao *skyline*](q.jpg) after", "Before Qingdao skyline after"},
		{"tight list", "- a\n- b\n  - c\n- d", "a\nb\nc\nd"},
		{"loose list", "- a\n\n- b", "a\n\nb"},
		{"list after paragraph", "Intro:\n\n1. one\n2. two\n\nOutro.", "Intro:\n\none\ntwo\n\nOutro."},
		{"task list", "- [x] done\n- [ ] todo", "done\ntodo"},
		{"blockquote", "> quoted\n> text\n\nafter", "quoted\ntext\n\nafter"},
		{"thematic break", "a\n\n---\n\nb", "a\n\nb"},
		{"code block", "```go\nx := 1\n\ny := 2\n```\nafter", "x := 1\n\ny := 2\n\nafter"},
		{"indented code", "    <b>raw</b>\n", "<b>raw</b>"},
		{"code span is literal", "`a &amp; <b>` and \\*", "a &amp; <b> and *"},
		{"entities decoded", "AT&amp;T &lt;tag&gt; &#x9752;&#23707; &copy; &nbsp;.", "AT&T <tag> 青岛 © \u00a0."},
		{"backslash escapes", `\*not em\* \# \[x\]`, "*not em* # [x]"},
		{"inline HTML tags dropped", "a <b>bold</b> <span class=x>move</span>", "a bold move"},
		{"HTML block dropped", "<div>\nhidden\n</div>\n\nshown", "shown"},
		{"script dropped", "<script>alert(1)</script>\n\nText", "Text"},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |\n|   | 4 |", "a\tb\n1\t2\n\t4"},
		{"strikethrough", "~~old~~ new", "old new"},
		{"NUL replaced", "a\x00b", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.md); got != tt.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestWordCount(t *testing.T) {
	tests := []struct {
		md   string
		want int
	}{
		{"", 0},
		{"Hello, world", 2},
		{"宋军在论坛上发表讲话", 10},
		{"日本の技術", 5},
		{"한국 과학 기술", 3},
		{"  ...  !!! — ", 0},
		{"🎉 🚀", 0},
		{"Привет, мир!", 2},
		{"Ελληνικά κείμενα", 2},
		{"don't stop", 2},
		{"China’s forum", 2},
		{"China-Japan-Korea forum", 2},
		{"a - b", 2},
		{"3.14 and 1,000 people", 4},
		{"end. Start", 2},
		{"2024年10月", 4},       // 2024, 年, 10, 月
		{"iPhone很好", 3},       // iPhone, 很, 好
		{"コーヒー", 4},           // each kana and the prolonged sound mark
		{"ｶﾀｶﾅ", 4},           // half-width katakana
		{"東京で国際会議が開かれた。", 12}, // every kanji and kana, not the full stop
		{"「青岛」是城市", 5},        // brackets do not count
		{"서울에서 국제 기술 박람회 개최", 5},
		{"Qingdao（青岛）hosts", 4},       // Qingdao, 青, 岛, hosts
		{"café naïve", 2},             // precomposed
		{"cafe\u0301 nai\u0308ve", 2}, // combining marks stay inside words
		{"नमस्ते दुनिया", 2},          // Devanagari with vowel signs
		{"**Bold** _text_ [link](https://example.com/a-b-c)", 3},
		{"# Heading\n\nBody text.", 3},
		{"`code span` here", 3},
		{"<script>var x</script>\n\nok", 1},
	}
	for _, tt := range tests {
		if got := WordCount(tt.md); got != tt.want {
			t.Errorf("WordCount(%q) = %d, want %d", tt.md, got, tt.want)
		}
	}
}

// Rendering is safe for concurrent use: eight goroutines rendering at once
// (under -race) get exactly what one caller gets alone.
func TestConcurrentUse(t *testing.T) {
	type out struct {
		html, text string
		words      int
	}
	inputs := make([]string, 8)
	want := make([]out, len(inputs))
	for i := range inputs {
		inputs[i] = "# 标题\n\n[link](https://example.com) 宋军在论坛上发表讲话 " + strings.Repeat("x", i)
		want[i] = out{HTML(inputs[i]), Text(inputs[i]), WordCount(inputs[i])}
	}
	got := make([][]out, len(inputs))
	var wg sync.WaitGroup
	for i, md := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				got[i] = append(got[i], out{HTML(md), Text(md), WordCount(md)})
			}
		}()
	}
	wg.Wait()
	for i := range inputs {
		for n, g := range got[i] {
			if g != want[i] {
				t.Fatalf("input %d, render %d concurrently = %+v, want %+v (as rendered alone)", i, n, g, want[i])
			}
		}
	}
}

func FuzzHTML(f *testing.F) {
	seeds := []string{
		"",
		"# Title\n\nHello, world",
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1))",
		"<javascript:alert(1)>",
		"| a | b |\n|---|---|\n| 1 | 2 |",
		"```go\nx\n```",
		"宋军在论坛上发表讲话\n日本の技術\n한국 과학 기술",
		"[a](<b c>) ![d](e \"f\") <f@g.h> www.i.j",
		"a\x00b\xff",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		out := HTML(md)
		if utf8.ValidString(md) && !utf8.ValidString(out) {
			t.Fatalf("HTML(%q) = %q is not valid UTF-8", md, out)
		}
		lower := strings.ToLower(out)
		if strings.Contains(lower, "<script") {
			t.Fatalf("HTML(%q) = %q contains <script", md, out)
		}
		if strings.Contains(lower, "javascript:") {
			t.Fatalf("HTML(%q) = %q contains javascript:", md, out)
		}
		txt := Text(md)
		if utf8.ValidString(md) && !utf8.ValidString(txt) {
			t.Fatalf("Text(%q) = %q is not valid UTF-8", md, txt)
		}
		if n := WordCount(md); n < 0 || n > utf8.RuneCountInString(txt) {
			t.Fatalf("WordCount(%q) = %d out of range", md, n)
		}
	})
}

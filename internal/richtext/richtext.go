// Package richtext turns the Markdown bodies of reports into safe HTML, into
// plain text, and into a word count.
//
// Markdown is CommonMark with the GitHub extensions (tables, strikethrough,
// autolinks, task lists), parsed by goldmark. Raw HTML written inside the
// Markdown is never passed through: goldmark replaces it with a comment, which
// the bluemonday sanitiser then removes along with anything else outside its
// allow-list. So "<b>bold</b>" shows as "bold", and "<script>…</script>" or
// "<img onerror=…>" disappear entirely.
//
// All functions are safe for concurrent use. Like most Markdown parsers,
// goldmark takes superlinear time on some pathological inputs (for example
// tens of thousands of unclosed "[a](" or nested ">" markers can take
// seconds), so callers should bound the size of a body before rendering it.
package richtext

import (
	"bufio"
	"bytes"
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkRel is the rel attribute every link gets.
const linkRel = "nofollow noopener"

// md is the Markdown converter; goldmark's Markdown is safe for concurrent use.
var md = goldmark.New(
	goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.Linkify,
		extension.TaskList,
	),
	goldmark.WithParserOptions(
		parser.WithASTTransformers(util.Prioritized(relTransformer{}, 1000)),
	),
	// No html.WithUnsafe: raw HTML and javascript:/vbscript:/file:/data:
	// link targets are dropped by goldmark before sanitising.
)

// policy is the sanitiser: bluemonday's UGC policy, plus the link rel set
// by relTransformer and the language class goldmark puts on fenced code.
// A built bluemonday Policy is safe for concurrent use.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^nofollow noopener$`)).OnElements("a")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]+$`)).OnElements("code")
	return p
}()

// jsScheme matches "javascript:" in any case.
var jsScheme = regexp.MustCompile(`(?i)javascript:`)

// relTransformer sets rel="nofollow noopener" on every link whose target
// the sanitiser will keep. (A link whose target is removed is unwrapped by
// the sanitiser, leaving its text, as long as it has no other attribute.)
type relTransformer struct{}

// Transform implements parser.ASTTransformer.
func (relTransformer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var href []byte
		switch n := n.(type) {
		case *ast.Link:
			href = util.URLEscape(n.Destination, true)
		case *ast.AutoLink:
			href = util.URLEscape(n.URL(source), false)
			if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(href), []byte("mailto:")) {
				href = append([]byte("mailto:"), href...)
			}
		default:
			return ast.WalkContinue, nil
		}
		if keepsHref(href) {
			n.SetAttributeString("rel", []byte(linkRel))
		}
		return ast.WalkContinue, nil
	})
}

// keepsHref reports whether goldmark renders href (already URL-escaped as
// goldmark does) and bluemonday's UGC policy keeps it: a parseable http,
// https or mailto URL, or a non-empty relative one, without whitespace.
func keepsHref(href []byte) bool {
	if gmhtml.IsDangerousURL(href) {
		return false
	}
	raw := strings.TrimSpace(string(href))
	if strings.ContainsAny(raw, " \t\n") {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "":
		return u.String() != ""
	case "http", "https", "mailto":
		return true
	}
	return false
}

// HTML returns markdown rendered as sanitised HTML, ready to embed in a page.
// It never fails: any input, including invalid UTF-8, gives some output.
//
// Rendering is CommonMark plus GFM tables, strikethrough, autolinks and task
// lists (goldmark); the result is then sanitised with bluemonday's UGC
// policy. In the output:
//   - there are no scripts, styles, iframes, forms, event-handler attributes
//     or style attributes, and raw HTML from the Markdown is dropped (its
//     text content, if inline, remains as plain text);
//   - links and images may only use http, https, mailto or relative URLs;
//     other links keep their text but lose their target;
//   - every link that keeps its target has rel="nofollow noopener";
//   - fenced code keeps class="language-xxx" on its <code> element;
//   - any literal "javascript:" left in text or attributes is written as
//     "javascript&#58;", which displays the same but cannot be mistaken
//     for a URL scheme;
//   - soft line breaks are kept as "\n" (CommonMark), so text, CJK included,
//     passes through unchanged apart from HTML escaping of & < > ".
func HTML(markdown string) string {
	var buf bytes.Buffer
	// goldmark only fails when writing to its output fails, which a
	// bytes.Buffer does not.
	_ = md.Convert([]byte(markdown), &buf)
	// Dropped raw HTML blocks leave their line breaks behind; trim them at
	// the start so that a body of nothing but raw HTML gives "".
	out := strings.TrimLeft(string(policy.SanitizeBytes(buf.Bytes())), "\n")
	return jsScheme.ReplaceAllStringFunc(out, func(m string) string {
		return m[:len(m)-1] + "&#58;"
	})
}

// Text returns the readable plain text of markdown, with all markup removed.
// It never fails.
//
//   - Paragraphs, headings, block quotes, lists, tables and code blocks are
//     separated by a blank line ("\n\n"); items of a tight list, table rows
//     and hard line breaks by "\n"; table cells by "\t". Soft line breaks
//     stay "\n". There is no leading or trailing whitespace added.
//   - Link text is kept (the URL is dropped); autolinks keep their text;
//     images are replaced by their alt text.
//   - Code spans and code blocks keep their content verbatim.
//   - Raw HTML tags and HTML blocks are dropped, as in HTML; text between
//     inline tags is kept.
//   - Backslash escapes and character references are decoded ("&amp;" →
//     "&", "&#x9752;" → "青", "\*" → "*").
//   - List markers, task-list boxes, emphasis markers and thematic breaks
//     are dropped.
func Text(markdown string) string {
	source := []byte(markdown)
	doc := md.Parser().Parse(text.NewReader(source))
	w := &textWriter{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		return w.visit(n, entering, source), nil
	})
	return w.b.String()
}

// Separators between pieces of plain text, weakest first.
const (
	sepNone = iota
	sepLine
	sepBlank
)

var sepText = [...]string{sepNone: "", sepLine: "\n", sepBlank: "\n\n"}

// textWriter accumulates plain text. Separators are held back until more
// text follows, so there are no leading, trailing or doubled separators.
type textWriter struct {
	b   strings.Builder
	sep int
	// dec is a scratch buffer for decode.
	dec bytes.Buffer
}

// separate asks for at least separator s before the next text.
func (w *textWriter) separate(s int) {
	w.sep = max(w.sep, s)
}

// write appends s after any pending separator.
func (w *textWriter) write(s string) {
	if s == "" {
		return
	}
	if w.b.Len() > 0 {
		w.b.WriteString(sepText[w.sep])
	}
	w.sep = sepNone
	w.b.WriteString(s)
}

// decode resolves backslash escapes and character references in Markdown
// text, exactly as goldmark's HTML writer does, and returns the plain text.
func (w *textWriter) decode(src []byte) string {
	w.dec.Reset()
	bw := bufio.NewWriter(&w.dec)
	gmhtml.DefaultWriter.Write(bw, src) // escapes &<>" for HTML …
	_ = bw.Flush()
	return html.UnescapeString(w.dec.String()) // … which this undoes
}

func (w *textWriter) visit(n ast.Node, entering bool, source []byte) ast.WalkStatus {
	switch n := n.(type) {
	case *ast.Paragraph, *ast.Heading, *ast.Blockquote, *ast.ThematicBreak, *east.Table:
		w.separate(sepBlank)
	case *ast.List:
		if _, nested := n.Parent().(*ast.ListItem); nested && n.IsTight {
			w.separate(sepLine)
		} else {
			w.separate(sepBlank)
		}
	case *ast.ListItem, *ast.TextBlock, *east.TableHeader, *east.TableRow:
		w.separate(sepLine)
	case *east.TableCell:
		if entering && n.PreviousSibling() != nil {
			// Written at once so that empty cells keep their columns.
			w.write("\t")
		}
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		w.separate(sepBlank)
		if entering {
			var code strings.Builder
			lines := n.Lines()
			for i := range lines.Len() {
				seg := lines.At(i)
				code.Write(seg.Value(source))
			}
			w.write(strings.TrimSuffix(code.String(), "\n"))
		}
		return ast.WalkSkipChildren
	case *ast.HTMLBlock:
		w.separate(sepBlank)
		return ast.WalkSkipChildren
	case *ast.RawHTML, *east.TaskCheckBox:
		return ast.WalkSkipChildren
	case *ast.CodeSpan:
		if entering {
			var code strings.Builder
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				if t, ok := c.(*ast.Text); ok {
					v := t.Segment.Value(source)
					if bytes.HasSuffix(v, []byte("\n")) {
						v = append(v[:len(v)-1:len(v)-1], ' ')
					}
					code.Write(v)
				}
			}
			w.write(code.String())
		}
		return ast.WalkSkipChildren
	case *ast.AutoLink:
		if entering {
			w.write(string(n.Label(source)))
		}
		return ast.WalkSkipChildren
	case *ast.Text:
		if entering {
			v := n.Segment.Value(source)
			if n.IsRaw() {
				w.write(string(v))
			} else {
				w.write(w.decode(v))
			}
			if n.HardLineBreak() || n.SoftLineBreak() {
				w.separate(sepLine)
			}
		}
	case *ast.String:
		if entering {
			if n.IsCode() || n.IsRaw() {
				w.write(string(n.Value))
			} else {
				w.write(w.decode(n.Value))
			}
		}
	}
	return ast.WalkContinue
}

// WordCount returns the number of words in the plain text (see Text) of
// markdown, counted the way an editor expects across scripts. It never fails.
//
//   - In scripts written with spaces (Latin, Cyrillic, Greek, Hangul, …) a
//     word is a run of letters, digits and combining marks: "Hello, world"
//     has 2 words, "한국 과학 기술" has 3.
//   - An apostrophe or hyphen between two such characters joins them, as do
//     "." and "," between two digits: "don't", "China-Japan-Korea", "3.14"
//     and "1,000" are one word each.
//   - Each Han ideograph, Hiragana or Katakana character (including the
//     prolonged sound mark ー) is one word, since CJK text has no spaces:
//     "宋军在论坛上发表讲话" has 10 words, "日本の技術" has 5.
//   - Punctuation, symbols, emoji and whitespace are not words.
func WordCount(markdown string) int {
	return countWords(Text(markdown))
}

// countWords implements WordCount on plain text.
func countWords(s string) int {
	count := 0
	inWord := false
	var prev rune // previous rune, if it was part of a word
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case isCJKWordChar(r):
			count++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || (inWord && unicode.IsMark(r)):
			if !inWord {
				count++
				inWord = true
			}
		case inWord && isJoiner(prev, r) && i+1 < len(rs) && joinsTo(r, rs[i+1]):
			// stay in the word
		default:
			inWord = false
		}
		prev = r
	}
	return count
}

// isCJKWordChar reports whether r counts as a word on its own.
func isCJKWordChar(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) ||
		r == 'ー' || r == 'ｰ' // prolonged sound marks (script Common)
}

// isJoiner reports whether r, following prev inside a word, may join it to
// the next character.
func isJoiner(prev, r rune) bool {
	switch r {
	case '\'', '’', '-', '‐', '‑':
		return !isCJKWordChar(prev)
	case '.', ',':
		return unicode.IsDigit(prev)
	}
	return false
}

// joinsTo reports whether joiner r is followed by a character continuing the
// word.
func joinsTo(r, next rune) bool {
	if isCJKWordChar(next) {
		return false
	}
	if r == '.' || r == ',' {
		return unicode.IsDigit(next)
	}
	return unicode.IsLetter(next) || unicode.IsDigit(next)
}

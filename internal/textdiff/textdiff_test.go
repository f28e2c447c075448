package textdiff

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// rebuild returns the old and new texts described by segs.
func rebuild(segs []Segment) (a, b string) {
	var sa, sb strings.Builder
	for _, s := range segs {
		switch s.Op {
		case Equal:
			sa.WriteString(s.Text)
			sb.WriteString(s.Text)
		case Delete:
			sa.WriteString(s.Text)
		case Insert:
			sb.WriteString(s.Text)
		}
	}
	return sa.String(), sb.String()
}

// checkInvariants reports any broken guarantee of Diff(a, b) = segs.
func checkInvariants(t *testing.T, a, b string, segs []Segment) {
	t.Helper()
	ga, gb := rebuild(segs)
	if ga != a {
		t.Errorf("Equal+Delete = %q, want a = %q", ga, a)
	}
	if gb != b {
		t.Errorf("Equal+Insert = %q, want b = %q", gb, b)
	}
	for i, s := range segs {
		if s.Text == "" {
			t.Errorf("segment %d is empty", i)
		}
		if !utf8.ValidString(s.Text) {
			t.Errorf("segment %d is not valid UTF-8: %q", i, s.Text)
		}
		if s.Op != Equal && s.Op != Insert && s.Op != Delete {
			t.Errorf("segment %d has unknown op %q", i, s.Op)
		}
		if i > 0 && segs[i-1].Op == s.Op {
			t.Errorf("segments %d and %d share op %s", i-1, i, s.Op)
		}
		if i > 0 && segs[i-1].Op == Insert && s.Op == Delete {
			t.Errorf("segment %d: Insert followed by Delete", i)
		}
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []Segment
	}{
		{
			name: "identical",
			a:    "The forum opened on Monday.",
			b:    "The forum opened on Monday.",
			want: []Segment{{Equal, "The forum opened on Monday."}},
		},
		{
			name: "both empty",
			a:    "",
			b:    "",
			want: nil,
		},
		{
			name: "empty to text",
			a:    "",
			b:    "青岛",
			want: []Segment{{Insert, "青岛"}},
		},
		{
			name: "text to empty",
			a:    "Qingdao",
			b:    "",
			want: []Segment{{Delete, "Qingdao"}},
		},
		{
			name: "English word change",
			a:    "The conference was held in Qingdao on Monday.",
			b:    "The conference was held in Shanghai on Monday.",
			want: []Segment{
				{Equal, "The conference was held in "},
				{Delete, "Qingdao"},
				{Insert, "Shanghai"},
				{Equal, " on Monday."},
			},
		},
		{
			name: "semantic cleanup groups a whole word",
			// A raw character diff would keep the shared "a" and "e";
			// semantic cleanup replaces the word as a whole.
			a: "a cat sat",
			b: "a dog sat",
			want: []Segment{
				{Equal, "a "},
				{Delete, "cat"},
				{Insert, "dog"},
				{Equal, " sat"},
			},
		},
		{
			name: "edit slides to a word boundary",
			a:    "The came.",
			b:    "The cat came.",
			want: []Segment{
				{Equal, "The "},
				{Insert, "cat "},
				{Equal, "came."},
			},
		},
		{
			name: "edit slides to a CJK sentence boundary",
			a:    "今天。大会开幕。大会闭幕。",
			b:    "今天。大会开幕。大会开幕。大会闭幕。",
			want: []Segment{
				{Equal, "今天。大会开幕。"},
				{Insert, "大会开幕。"},
				{Equal, "大会闭幕。"},
			},
		},
		{
			name: "one Chinese character changed",
			a:    "国际技术贸易大会在青岛举行",
			b:    "国际技术贸易大会在青岛召行",
			want: []Segment{
				{Equal, "国际技术贸易大会在青岛"},
				{Delete, "举"},
				{Insert, "召"},
				{Equal, "行"},
			},
		},
		{
			name: "Chinese place name changed",
			a:    "国际技术贸易大会在青岛举行。",
			b:    "国际技术贸易大会在上海举行。",
			want: []Segment{
				{Equal, "国际技术贸易大会在"},
				{Delete, "青岛"},
				{Insert, "上海"},
				{Equal, "举行。"},
			},
		},
		{
			name: "Japanese insertion",
			a:    "日本の技術",
			b:    "日本の新しい技術",
			want: []Segment{
				{Equal, "日本の"},
				{Insert, "新しい"},
				{Equal, "技術"},
			},
		},
		{
			name: "Korean deletion",
			a:    "한국 과학 기술",
			b:    "한국 기술",
			want: []Segment{
				{Equal, "한국 "},
				{Delete, "과학 "},
				{Equal, "기술"},
			},
		},
		{
			name: "characters sharing UTF-8 bytes are not split",
			// 好 is E5 A5 BD and 妹 is E5 A6 B9: a byte diff would share
			// the lead byte.
			a:    "好",
			b:    "妹",
			want: []Segment{{Delete, "好"}, {Insert, "妹"}},
		},
		{
			name: "emoji",
			a:    "Launch 🚀 today",
			b:    "Launch 🎉 today",
			want: []Segment{
				{Equal, "Launch "},
				{Delete, "🚀"},
				{Insert, "🎉"},
				{Equal, " today"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Diff(tt.a, tt.b)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Diff(%q, %q) mismatch (-want +got):\n%s", tt.a, tt.b, diff)
			}
			checkInvariants(t, tt.a, tt.b, got)
		})
	}
}

func TestDiffReconstruction(t *testing.T) {
	pairs := [][2]string{
		{"x好y", "x好好y"},
		{"我们的的书", "我们的书"},
		{"日本の技術と日本の科学", "日本の科学"},
		{"abc", "xyz"},
		{"The quick brown fox.", "The quick red fox jumps."},
		{"line one\nline two\n", "line one\nline 2\nline three\n"},
		{"宋军在论坛上发表讲话", "宋军在论坛上发表重要讲话，并回答了记者提问"},
		{"서울에서 국제 기술 박람회 개최", "부산에서 국제 기술 박람회 개최"},
		{"é", "e\u0301"},
		{"🇨🇳🇯🇵", "🇯🇵🇰🇷"},
	}
	for _, p := range pairs {
		for _, ab := range [][2]string{p, {p[1], p[0]}} {
			checkInvariants(t, ab[0], ab[1], Diff(ab[0], ab[1]))
		}
	}
}

func TestDiffInvalidUTF8(t *testing.T) {
	// Invalid bytes are replaced by U+FFFD; segments stay valid UTF-8.
	segs := Diff("a\xffb", "a\xffc")
	for _, s := range segs {
		if !utf8.ValidString(s.Text) {
			t.Fatalf("segment %q is not valid UTF-8", s.Text)
		}
	}
	a, b := rebuild(segs)
	if a != "a\uFFFDb" || b != "a\uFFFDc" {
		t.Errorf("rebuilt %q, %q; want invalid bytes replaced by U+FFFD", a, b)
	}
	if got := Diff("\xff", "\xff"); len(got) != 1 || got[0].Text != "\uFFFD" {
		t.Errorf("Diff of identical invalid text = %q", got)
	}
}

func TestDiffLong(t *testing.T) {
	// Over the line-mode threshold: many paragraphs, a few edited.
	var a, b strings.Builder
	for i := range 400 {
		p := strings.Repeat("国际技术贸易大会在青岛举行。", 3) + "Paragraph " + strings.Repeat("x", i%7) + "\n"
		a.WriteString(p)
		switch i {
		case 10:
			b.WriteString(strings.Replace(p, "青岛", "上海", 1))
		case 200:
			// paragraph deleted
		case 300:
			b.WriteString(p)
			b.WriteString("A new paragraph.\n")
		default:
			b.WriteString(p)
		}
	}
	if utf8.RuneCountInString(a.String()) <= lineModeThreshold {
		t.Fatalf("test text too short to exercise line mode")
	}
	segs := Diff(a.String(), b.String())
	checkInvariants(t, a.String(), b.String(), segs)

	// The edit inside paragraph 10 is refined to the changed characters.
	ins, del := Stats(segs)
	if want := utf8.RuneCountInString("上海") + len("A new paragraph.\n"); ins != want {
		t.Errorf("inserted = %d, want %d", ins, want)
	}
	para200 := strings.Repeat("国际技术贸易大会在青岛举行。", 3) + "Paragraph " + strings.Repeat("x", 200%7) + "\n"
	if want := utf8.RuneCountInString("青岛") + utf8.RuneCountInString(para200); del != want {
		t.Errorf("deleted = %d, want %d", del, want)
	}
}

func TestDiffLongSingleLine(t *testing.T) {
	// A long text without newlines still works (line mode degenerates).
	a := strings.Repeat("宋军在论坛上发表讲话。", 1500)
	b := strings.Replace(a, "论坛", "大会", 3)
	checkInvariants(t, a, b, Diff(a, b))
}

func TestStats(t *testing.T) {
	tests := []struct {
		name             string
		segs             []Segment
		wantIns, wantDel int
	}{
		{"nil", nil, 0, 0},
		{"equal only", []Segment{{Equal, "hello"}}, 0, 0},
		{"runes not bytes", []Segment{{Equal, "国际"}, {Delete, "青岛"}, {Insert, "上海市"}}, 3, 2},
		{"mixed", []Segment{{Delete, "cat"}, {Insert, "dog"}, {Equal, " "}, {Insert, "🎉"}}, 4, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins, del := Stats(tt.segs)
			if ins != tt.wantIns || del != tt.wantDel {
				t.Errorf("Stats = (%d, %d), want (%d, %d)", ins, del, tt.wantIns, tt.wantDel)
			}
		})
	}
}

func FuzzDiff(f *testing.F) {
	seeds := [][2]string{
		{"", ""},
		{"", "青岛"},
		{"Qingdao", ""},
		{"The conference was held in Qingdao.", "The conference was held in Shanghai."},
		{"国际技术贸易大会在青岛举行", "国际技术贸易大会在上海举行"},
		{"x好y", "x好好y"},
		{"日本の技術", "日本の新しい技術"},
		{"한국 과학 기술", "한국 기술"},
		{"a\nb\nc\n", "a\nc\nd\n"},
		{"好", "妹"},
		{"🇨🇳🇯🇵", "🇯🇵🇰🇷"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		segs := Diff(a, b)
		for i, s := range segs {
			if !utf8.ValidString(s.Text) {
				t.Fatalf("segment %d is not valid UTF-8: %q", i, s.Text)
			}
		}
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return // invalid bytes are replaced by U+FFFD; nothing to rebuild
		}
		checkInvariants(t, a, b, segs)
		ins, del := Stats(segs)
		ra, rb := utf8.RuneCountInString(a), utf8.RuneCountInString(b)
		if ra-del != rb-ins {
			t.Fatalf("Stats inconsistent: |a|=%d del=%d |b|=%d ins=%d", ra, del, rb, ins)
		}
	})
}

func TestChangesCoverWholeWords(t *testing.T) {
	cases := []struct{ a, b, want string }{
		{"The forum opened on Thursday.", "The forum closed on Friday.", "=The forum |-opened|+closed|= on |-Thursday|+Friday|=."},
		{"one cat", "one cats", "=one |-cat|+cats"},
		{"论坛于周四开幕。", "论坛于周五闭幕。", "=论坛于周|-四开|+五闭|=幕。"},
	}
	for _, c := range cases {
		var got []string
		for _, s := range Diff(c.a, c.b) {
			got = append(got, map[Op]string{Equal: "=", Insert: "+", Delete: "-"}[s.Op]+s.Text)
		}
		if g := strings.Join(got, "|"); g != c.want {
			t.Errorf("Diff(%q, %q) = %s, want %s", c.a, c.b, g, c.want)
		}
	}
}

package xliff

import (
	"strings"

	"github.com/google/go-cmp/cmp"
)

// The English source of a realistic report: Markdown with a heading, a list,
// a link, emphasis, characters XML must escape, U+00A0 (no-break spaces
// between numbers and units, and in names) and a trailing newline.
const (
	srcTitle    = "Delegations meet in Geneva on water\u00a0security"
	srcSubtitle = "  Three days, 14\u00a0countries & one <joint> statement  "
	srcSummary  = "Ministers agreed a 5\u00a0% cut in losses by 2030; observers called it \"a start\"."
	srcBody     = "## Opening session\n\n" +
		"Mr.\u00a0Li Wei opened the meeting at 09:30 before some 1\u00a0200 participants.\n" +
		"He said that *cooperation* \"is not optional\" & that the basin's\u00a0needs come first.\n\n" +
		"- Panel A: groundwater (see [report](https://example.org/a?x=1&y=2))\n" +
		"- Panel B: data sharing, `if a < b && c > d`\n\n" +
		"> Quote: ]]> is not the end of anything.\n\n" +
		"\tIndented line with a tab.\r\nA Windows line break above.\n"
	srcRole1 = "Head of delegation"
	srcNote1 = "Spoke on\u00a0behalf of the\nregional group."
	srcRole2 = "Observer"
)

// Translations of the report, by target language.
var targets = map[string][6]string{
	"zh-Hans": {
		"各代表团在日内瓦就水安全问题举行会晤",
		"  为期三天，14\u00a0个国家与一份<联合>声明  ",
		"各国部长同意到2030年将损耗减少5\u00a0%；观察员称这是“一个开端”。",
		"## 开幕会议\n\n" +
			"李伟先生于09:30在约1\u00a0200名与会者面前宣布会议开幕。\n" +
			"他表示，*合作*“不是可有可无的”，且流域的需要高于一切 & 必须优先。\n\n" +
			"- A组：地下水（见[报告](https://example.org/a?x=1&y=2)）\n" +
			"- B组：数据共享，`if a < b && c > d`\n\n" +
			"> 引文：]]> 并不意味着任何事情的结束。\n\n" +
			"\t带制表符的缩进行。\r\n上面是Windows换行。\n",
		"代表团团长",
		"代表\u00a0区域集团\n发言。",
	},
	"ja": {
		"各国代表団、水の安全保障をめぐりジュネーブで会合",
		"  3日間、14\u00a0か国、そして1つの<共同>声明  ",
		"閣僚らは2030年までに損失を5\u00a0%削減することで合意し、オブザーバーは「第一歩」と評した。",
		"## 開会セッション\n\n" +
			"李偉氏は09:30、約1\u00a0200人の参加者を前に会議の開会を宣言した。\n" +
			"同氏は、*協力*は「選択肢ではない」& 流域のニーズが最優先だと述べた。\n\n" +
			"- パネルA：地下水（[報告書](https://example.org/a?x=1&y=2)を参照）\n" +
			"- パネルB：データ共有、`if a < b && c > d`\n\n" +
			"> 引用：]]> は何の終わりでもない。\n\n" +
			"\tタブでインデントされた行。\r\n上はWindowsの改行。\n",
		"代表団長",
		"地域グループを\u00a0代表して\n発言。",
	},
	"ko": {
		"각국 대표단, 제네바에서 물 안보 논의",
		"  사흘간, 14\u00a0개국 & 하나의 <공동> 성명  ",
		"장관들은 2030년까지 손실을 5\u00a0% 줄이기로 합의했으며, 참관인들은 이를 \"시작\"이라고 평가했다.",
		"## 개회 세션\n\n" +
			"리웨이 씨는 09:30에 약 1\u00a0200명의 참가자 앞에서 회의 개회를 선언했다.\n" +
			"그는 *협력*은 \"선택 사항이 아니다\" & 유역의 필요가 최우선이라고 말했다.\n\n" +
			"- 패널 A: 지하수 ([보고서](https://example.org/a?x=1&y=2) 참조)\n" +
			"- 패널 B: 데이터 공유, `if a < b && c > d`\n\n" +
			"> 인용: ]]> 는 어떤 것의 끝도 아니다.\n\n" +
			"\t탭으로 들여쓴 줄.\r\n위는 Windows 줄바꿈.\n",
		"대표단장",
		"지역 그룹을\u00a0대표하여\n발언.",
	},
}

// sampleFile returns report 42 at content version 7 translated into lang,
// with a second attendee whose role is not translated yet.
func sampleFile(lang string) File {
	t := targets[lang]
	return File{
		ID:             "report-42",
		Original:       OriginalFor(42, 7),
		ReportID:       42,
		SourceRevision: 7,
		Units: []Unit{
			{ID: UnitTitle, Source: srcTitle, Target: t[0], State: StateFinal},
			{ID: UnitSubtitle, Source: srcSubtitle, Target: t[1], State: StateReviewed},
			{ID: UnitSummary, Source: srcSummary, Target: t[2], State: StateTranslated},
			{ID: UnitBody, Source: srcBody, Target: t[3], State: StateTranslated},
			{ID: AttendeeRoleUnit(1001), Source: srcRole1, Target: t[4], State: StateTranslated},
			{ID: AttendeeNoteUnit(1001), Source: srcNote1, Target: t[5], State: StateTranslated},
			{ID: AttendeeRoleUnit(1002), Source: srcRole2, Target: "", State: StateInitial},
		},
	}
}

// sampleBatch returns a batch of two reports from English into lang.
func sampleBatch(lang string) Document {
	return Document{
		SrcLang: "en",
		TrgLang: lang,
		Files: []File{
			sampleFile(lang),
			{
				ID:             "report-43",
				ReportID:       43,
				SourceRevision: 1,
				Units: []Unit{
					{ID: UnitTitle, Source: "Short note", Target: "", State: StateInitial},
					{ID: UnitBody, Source: "", Target: "", State: StateInitial},
				},
			},
		},
	}
}

// diffDocs returns "" if two documents are equal, else a cmp diff of them
// labelled "document mismatch (-want +got)". Like reflect.DeepEqual, it
// tells nil from empty slices.
func diffDocs(got, want Document) string {
	if d := cmp.Diff(want, got); d != "" {
		return "document mismatch (-want +got):\n" + d
	}
	return ""
}

// Helpers that build XLIFF text for the table tests.

func xliffDoc(attrs, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" ` + attrs + `>` + body + `</xliff>`
}

// doc wraps body in an <xliff> from en to zh-Hans.
func doc(body string) string {
	return xliffDoc(`version="2.0" srcLang="en" trgLang="zh-Hans"`, body)
}

// file wraps units in <file id="report-1" original="copydesk:report/1@v1">.
func file(units ...string) string {
	return `<file id="report-1" original="copydesk:report/1@v1">` + strings.Join(units, "") + `</file>`
}

// unit returns a unit with one translated segment.
func unit(id, source, target string) string {
	return `<unit id="` + id + `"><segment state="translated"><source>` + source +
		`</source><target>` + target + `</target></segment></unit>`
}

// oneFile is the Document of doc(file(units...)) for the given units.
func oneFile(units ...Unit) Document {
	return Document{SrcLang: "en", TrgLang: "zh-Hans", Files: []File{{
		ID: "report-1", Original: "copydesk:report/1@v1", ReportID: 1, SourceRevision: 1, Units: units,
	}}}
}

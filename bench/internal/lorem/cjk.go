package lorem

import (
	"math/rand/v2"
	"strings"
)

// CJK text: what a translation of a report into Chinese, Japanese or
// Korean looks like to a search index — words of the same newsroom
// vocabulary, written without spaces (Chinese, Japanese) or with particles
// attached to the words (Korean). Words are drawn with a skew (the first
// words of a vocabulary are the most frequent), so that some terms occur
// in almost every text and others in few, as in real text.

// CJKWords is the vocabulary of each CJK locale.
var CJKWords = map[string][]string{
	"zh-Hans": strings.Fields(`代表团 合作 会议 发展 交流 经济 城市 企业 国际 贸易
		投资 文化 港口 教育 市长 论坛 访问 友好 项目 技术
		物流 旅游 大学 学生 签署 协议 创新 能源 绿色 数字
		市场 银行 金融 海洋 农业 医院 研究 展览 节日 仪式
		备忘录 基础设施 伙伴关系 可持续发展 互利共赢 集装箱 海关 关税 出口 进口
		铁路 走廊 太阳能 风能 实验室 渔业 航运 平台 战略 宴会`),
	"ja": strings.Fields(`代表団 協力 会議 発展 交流 経済 都市 企業 国際 貿易
		投資 文化 港湾 教育 市長 フォーラム 訪問 友好 事業 技術
		物流 観光 大学 学生 署名 協定 イノベーション エネルギー グリーン デジタル
		市場 銀行 金融 海洋 農業 病院 研究 展示会 祭り 式典
		覚書 インフラ パートナーシップ 持続可能 相互利益 コンテナ 税関 関税 輸出 輸入
		鉄道 回廊 太陽光 風力 研究所 漁業 海運 プラットフォーム 戦略 晩餐会`),
	"ko": strings.Fields(`대표단 협력 회의 발전 교류 경제 도시 기업 국제 무역
		투자 문화 항만 교육 시장 포럼 방문 우호 사업 기술
		물류 관광 대학교 학생 서명 협정 혁신 에너지 녹색 디지털
		시장 은행 금융 해양 농업 병원 연구 전시회 축제 기념식
		양해각서 인프라 동반자관계 지속가능발전 상호이익 컨테이너 세관 관세 수출 수입
		철도 회랑 태양광 풍력 연구소 어업 해운 플랫폼 전략 만찬`),
}

// Particles that follow a word: Japanese between words, Korean attached
// to a word before the space.
var (
	jaParticles = []string{"の", "を", "に", "は", "が", "と", "で", "も"}
	koParticles = []string{"의", "을", "를", "에", "은", "는", "이", "가", "와", "에서", ""}
)

// pickSkewed draws an index of a list of n: low indexes are the most frequent.
func pickSkewed(r *rand.Rand, n int) int { return r.IntN(r.IntN(n) + 1) }

// CJKSentence returns a sentence of n words in locale (zh-Hans, ja, ko).
func CJKSentence(r *rand.Rand, locale string, n int) string {
	words := CJKWords[locale]
	var b strings.Builder
	for i := range n {
		w := words[pickSkewed(r, len(words))]
		switch locale {
		case "ja":
			b.WriteString(w)
			if i < n-1 {
				b.WriteString(jaParticles[r.IntN(len(jaParticles))])
			}
		case "ko":
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			if i < n-1 {
				b.WriteString(koParticles[r.IntN(len(koParticles))])
			}
		default:
			b.WriteString(w)
			if i < n-1 && r.IntN(6) == 0 {
				b.WriteString("，")
			}
		}
	}
	if locale == "ko" {
		return b.String() + "."
	}
	return b.String() + "。"
}

// CJKMarkdown returns deterministic Markdown in locale of about runes
// characters: headings and paragraphs.
func CJKMarkdown(seed uint64, locale string, runes int) string {
	r := rand.New(rand.NewPCG(seed, 98))
	var b strings.Builder
	n := 0
	for block := 0; n < runes; block++ {
		var s string
		if block%4 == 0 {
			s = "## " + strings.TrimRight(CJKSentence(r, locale, 2+r.IntN(3)), "。.") + "\n\n"
		} else {
			var p []string
			for range 2 + r.IntN(3) {
				p = append(p, CJKSentence(r, locale, 6+r.IntN(10)))
			}
			sep := ""
			if locale == "ko" {
				sep = " "
			}
			s = strings.Join(p, sep) + "\n\n"
		}
		b.WriteString(s)
		n += len([]rune(s))
	}
	return strings.TrimSpace(b.String()) + "\n"
}

package postgres

import (
	"errors"
	"strings"
)

// A probe is what the planner is given to find a phrase search's
// candidates: the search's tsquery with each phrase replaced by its
// rarest word. The statements then hold
//
//	document @@ probe AND ts_match_vq(document, query)
//
// in place of document @@ query: the GIN index serves the first, exactly
// and with an estimate from real statistics (times the planner's default
// third for the function), and the second (the same test as @@, which the
// planner cannot index) checks the phrase on the candidates.
//
// Why: a Chinese, Japanese or Korean word is a phrase of its bigrams
// ('コン' <-> 'ンテ' <-> 'テナ'), and PostgreSQL estimates a phrase as
// the product of its lexemes' frequencies. The bigrams of one word are
// almost perfectly correlated, so "コンテナ" was estimated at 492 of
// 100,000 reports where 23,457 match. On that estimate the planner read
// every match through a bitmap, and since a phrase is lossy in GIN,
// rechecked each one: it detoasted 23,000 documents for a page of 20
// (352 ms warm, 10 s cold). Estimated from its rarest lexeme, the planner
// reads the reports newest first and stops at the page (7.8 ms warm).
//
// The probe must hold wherever the query holds, so only phrases in a
// positive position are replaced (under a ! the query is kept as it is),
// and a phrase by a word it implies: one joined to it by <-> or &, not
// under | or !.

// probeFrequencies is the SQL of a JSON object of the fraction of locale
// documents holding each lexeme of tsquery text $text, as far as
// PostgreSQL's statistics know (most_common_elems of
// search_report_locales.document); a lexeme it does not name is rarer
// than any it does. Lexemes are read from tsquery's output, where a quote
// and a backslash are doubled.
const probeFrequencies = `(SELECT json_object_agg(m.e, m.f)
	FROM pg_stats s CROSS JOIN unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) m(e, f)
	WHERE s.schemaname = current_schema() AND s.tablename = 'search_report_locales' AND s.attname = 'document'
		AND m.e = ANY (ARRAY(SELECT regexp_replace(x[1], '([''\\])\1', '\1', 'g')
			FROM regexp_matches($text, '''((?:[^''\\]|''''|\\.)*)''', 'g') x)))`

// tsNode is a node of a parsed tsquery: an operand (op "", text as
// PostgreSQL prints it, lexeme unquoted), a negation ("!", one child) or
// an operator ("&", "|", "<->", "<N>"; two children).
type tsNode struct {
	op     string
	text   string
	lexeme string
	kids   []*tsNode
}

func (n *tsNode) phrase() bool { return strings.HasPrefix(n.op, "<") }

// prefix tells whether operand n matches a prefix ('股':*). The statistics
// name whole lexemes, so a prefix, unknown to them, would pass for the
// rarest where it matches every lexeme it begins: a phrase is probed by
// a prefix only when it has no whole word.
func (n *tsNode) prefix() bool {
	return strings.Contains(n.text[strings.LastIndexByte(n.text, '\'')+1:], "*")
}

// probeQuery returns the probe of tsquery text query (as PostgreSQL prints
// a tsquery), given the frequencies of its lexemes, and whether it differs
// from the query (it has a phrase to replace).
func probeQuery(query string, freq map[string]float64) (string, bool, error) {
	if strings.TrimSpace(query) == "" {
		return "", false, nil
	}
	p := &tsParser{s: query}
	root, err := p.parse()
	if err != nil {
		return "", false, err
	}
	changed := false
	var probe func(n *tsNode) *tsNode
	probe = func(n *tsNode) *tsNode {
		switch {
		case n.op == "&" || n.op == "|":
			return &tsNode{op: n.op, kids: []*tsNode{probe(n.kids[0]), probe(n.kids[1])}}
		case n.phrase():
			var best *tsNode
			for _, o := range impliedOperands(n, nil) {
				if best == nil || o.prefix() != best.prefix() && best.prefix() ||
					o.prefix() == best.prefix() && freq[o.lexeme] < freq[best.lexeme] {
					best = o
				}
			}
			if best == nil {
				return n
			}
			changed = true
			return best
		}
		return n // an operand, or a negation: kept
	}
	out := probe(root)
	return out.String(), changed, nil
}

// impliedOperands appends the operands that n holding implies: those
// reached through <->, <N> and &.
func impliedOperands(n *tsNode, out []*tsNode) []*tsNode {
	switch {
	case n.op == "":
		return append(out, n)
	case n.op == "&" || n.phrase():
		return impliedOperands(n.kids[1], impliedOperands(n.kids[0], out))
	}
	return out
}

// String prints n as tsquery input, every operator parenthesized.
func (n *tsNode) String() string {
	switch n.op {
	case "":
		return n.text
	case "!":
		return "!( " + n.kids[0].String() + " )"
	}
	return "( " + n.kids[0].String() + " " + n.op + " " + n.kids[1].String() + " )"
}

// tsParser parses tsquery's output: quoted operands with an optional
// ":*" and weights, ! binding tightest, then <-> and <N>, then &, then |,
// each left-associative, and parentheses.
type tsParser struct {
	s   string
	pos int
}

var errTSQuery = errors.New("unreadable tsquery")

func (p *tsParser) parse() (*tsNode, error) {
	n, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	if p.skip(); p.pos != len(p.s) {
		return nil, errTSQuery
	}
	return n, nil
}

func (p *tsParser) skip() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

// operator reads the binary operator at the position, if its level is
// level: 0 |, 1 &, 2 phrase.
func (p *tsParser) operator(level int) string {
	p.skip()
	rest := p.s[p.pos:]
	switch {
	case level == 0 && strings.HasPrefix(rest, "|"), level == 1 && strings.HasPrefix(rest, "&"):
		p.pos++
		return rest[:1]
	case level == 2 && strings.HasPrefix(rest, "<"):
		end := strings.IndexByte(rest, '>')
		if end < 2 || strings.Trim(rest[1:end], "-0123456789") != "" {
			return ""
		}
		p.pos += end + 1
		return rest[:end+1]
	}
	return ""
}

func (p *tsParser) binary(level int) (*tsNode, error) {
	next := func() (*tsNode, error) {
		if level == 2 {
			return p.unary()
		}
		return p.binary(level + 1)
	}
	left, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op := p.operator(level)
		if op == "" {
			return left, nil
		}
		right, err := next()
		if err != nil {
			return nil, err
		}
		left = &tsNode{op: op, kids: []*tsNode{left, right}}
	}
}

func (p *tsParser) unary() (*tsNode, error) {
	p.skip()
	if p.pos >= len(p.s) {
		return nil, errTSQuery
	}
	switch p.s[p.pos] {
	case '!':
		p.pos++
		kid, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &tsNode{op: "!", kids: []*tsNode{kid}}, nil
	case '(':
		p.pos++
		n, err := p.binary(0)
		if err != nil {
			return nil, err
		}
		if p.skip(); p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return nil, errTSQuery
		}
		p.pos++
		return n, nil
	case '\'':
		return p.operand()
	}
	return nil, errTSQuery
}

// operand reads 'lexeme' (a quote or backslash in it doubled, as
// tsqueryout writes them) and its ":*AB" suffix.
func (p *tsParser) operand() (*tsNode, error) {
	start := p.pos
	p.pos++
	var lex strings.Builder
	for {
		if p.pos >= len(p.s) {
			return nil, errTSQuery
		}
		c := p.s[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.s):
			lex.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case c == '\'' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '\'':
			lex.WriteByte('\'')
			p.pos += 2
			continue
		case c == '\'':
			p.pos++
		default:
			lex.WriteByte(c)
			p.pos++
			continue
		}
		break
	}
	if p.pos < len(p.s) && p.s[p.pos] == ':' {
		p.pos++
		for p.pos < len(p.s) && strings.IndexByte("*ABCDabcd", p.s[p.pos]) >= 0 {
			p.pos++
		}
	}
	return &tsNode{text: p.s[start:p.pos], lexeme: lex.String()}, nil
}

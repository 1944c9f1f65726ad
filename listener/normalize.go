package listener

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/earshot/earshot/mention"
)

// futureSlack is how far in the future a published time may be before it is
// clamped to now (clock skew of the feed's server).
const futureSlack = 5 * time.Minute

// normalize turns a raw item into a mention. It does not set ID, Source,
// Baseline or BrandOnly.
func normalize(r *rawItem, f *feed, fallbackLang string, now time.Time) mention.Mention {
	m := mention.Mention{
		Title:      htmlToText(r.title, mention.MaxTitleBytes),
		Text:       htmlToText(r.html, mention.MaxTextBytes),
		Author:     foldSpace(r.author, mention.MaxTitleBytes),
		URL:        canonicalURL(r.link, f.link),
		FirstSeen:  now,
		Published:  clampPublished(r.published, now),
		Engagement: r.eng,
	}
	m.Lang = guessLang(m.Title+" "+m.Text, firstNonEmpty(fallbackLang, f.lang))
	return m
}

// clampPublished returns p, or now when p is missing or in the future.
func clampPublished(p, now time.Time) time.Time {
	if p.IsZero() || p.After(now.Add(futureSlack)) {
		return now
	}
	return p.UTC()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// htmlToText returns the text of an HTML fragment: no tags, entities
// decoded, script and style dropped, whitespace folded to single spaces,
// cut at about limit bytes on a rune boundary.
func htmlToText(s string, limit int) string {
	if !strings.ContainsAny(s, "<&") {
		return foldSpace(s, limit)
	}
	if !strings.Contains(s, "<") {
		return foldSpace(html.UnescapeString(s), limit)
	}
	var b strings.Builder
	b.Grow(min(len(s), limit))
	w := spaceFolder{b: &b, limit: limit}
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for !w.full() {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimRight(b.String(), " ")
		case html.TextToken:
			if skip == 0 {
				w.write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				if z.Token().Type == html.StartTagToken {
					skip++
				}
			default:
				if isBlock(a) {
					w.space()
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch a := atom.Lookup(name); a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				if skip > 0 {
					skip--
				}
			default:
				if isBlock(a) {
					w.space()
				}
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Br, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Tr, atom.Td, atom.Th,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Pre,
		atom.Hr, atom.Table, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Img:
		return true
	}
	return false
}

// spaceFolder writes text with whitespace runs folded to one space and no
// leading space.
type spaceFolder struct {
	b       *strings.Builder
	limit   int
	pending bool
}

func (w *spaceFolder) full() bool { return w.b.Len() >= w.limit }

func (w *spaceFolder) space() {
	if w.b.Len() > 0 {
		w.pending = true
	}
}

func (w *spaceFolder) write(p []byte) {
	for len(p) > 0 && !w.full() {
		c := p[0]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f {
				if isASCIISpace(c) {
					w.space()
				}
				p = p[1:]
				continue
			}
			j := 1
			for j < len(p) && p[j] > ' ' && p[j] < 0x7f {
				j++
			}
			if w.pending {
				w.b.WriteByte(' ')
				w.pending = false
			}
			w.b.Write(p[:min(j, w.limit-w.b.Len())])
			p = p[j:]
			continue
		}
		r, n := utf8.DecodeRune(p)
		p = p[n:]
		if unicode.IsSpace(r) || r == 0xa0 {
			w.space()
			continue
		}
		if r == utf8.RuneError || isHiddenControl(r) { // an invalid byte, or U+FFFD standing for one
			continue
		}
		if w.pending {
			w.b.WriteByte(' ')
			w.pending = false
		}
		w.b.WriteRune(r)
	}
}

// isHiddenControl reports whether r is a control character beyond ASCII
// (C1: a terminal reads U+009B as an escape sequence) or a bidirectional
// control, which can make a text read otherwise than it is (U+202E turns
// the rest of a line around). Feed text loses them, like ASCII controls.
func isHiddenControl(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// foldSpace folds whitespace in plain text and drops its control
// characters (see spaceFolder.write).
func foldSpace(s string, limit int) string {
	clean := len(s) <= limit
	for i := 0; clean && i < len(s); i++ {
		c := s[i]
		if c < ' ' || c == 0x7f || c >= utf8.RuneSelf ||
			(c == ' ' && (i == 0 || i == len(s)-1 || s[i+1] == ' ')) {
			clean = false
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), limit))
	w := spaceFolder{b: &b, limit: limit}
	w.write([]byte(s))
	return b.String()
}

// trackingParams are query parameters that identify a campaign or click,
// not the page. utm_* is matched by prefix.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"yclid": true, "mc_cid": true, "mc_eid": true, "igshid": true, "igsh": true, "si": true,
	"_hsenc": true, "_hsmi": true, "mkt_tok": true, "ref_src": true, "ref_url": true,
	"oly_anon_id": true, "oly_enc_id": true, "vero_id": true, "wt_mc": true, "wt.mc_id": true,
	"cmpid": true, "ocid": true, "spm": true, "share_id": true, "rss": false,
	"ved": true, "usg": true, "ei": true, "sa": true, "cd": true, "cad": true, "rct": true,
}

// redirectWrappers maps hosts of click-tracking redirectors to the query
// parameters that hold the real URL.
var redirectWrappers = map[string][]string{
	"www.google.com":        {"url", "q"},
	"google.com":            {"url", "q"},
	"news.google.com":       {"url"},
	"www.bing.com":          {"url", "r"},
	"bing.com":              {"url", "r"},
	"l.facebook.com":        {"u"},
	"lm.facebook.com":       {"u"},
	"out.reddit.com":        {"url"},
	"duckduckgo.com":        {"uddg"},
	"l.instagram.com":       {"u"},
	"www.linkedin.com":      {"url"},
	"slack-redir.net":       {"url"},
	"href.li":               {},
	"t.umblr.com":           {"z"},
	"exit.sc":               {"url"},
	"www.youtube.com":       {"q"},
	"away.vk.com":           {"to"},
	"click.linksynergy.com": {"murl"},
}

// canonicalURL resolves link against base, unwraps redirect wrappers
// (Google Alerts' google.com/url?url=..., Bing News' apiclick, ...), drops
// tracking parameters and the fragment, lowercases scheme and host, drops
// default ports and sorts the query. Unparseable links come back trimmed.
func canonicalURL(link, base string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		// Kept for what it says, as text (control characters, which
		// make url.Parse fail, dropped).
		return foldSpace(link, mention.MaxTextBytes)
	}
	if !u.IsAbs() && base != "" {
		if b, err := url.Parse(base); err == nil {
			u = b.ResolveReference(u)
		}
	}
	for range 3 { // wrappers can nest
		inner, ok := unwrap(u)
		if !ok {
			break
		}
		u = inner
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if h, p, ok := strings.Cut(u.Host, ":"); ok && ((u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443")) {
		u.Host = h
	}
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "utm_") || trackingParams[lk] {
				q.Del(k)
			}
		}
		u.RawQuery = encodeSorted(q)
	}
	if u.Path == "" && u.Host != "" {
		u.Path = "/"
	}
	return u.String()
}

// unwrap returns the target of a redirect wrapper URL.
func unwrap(u *url.URL) (*url.URL, bool) {
	params, ok := redirectWrappers[strings.ToLower(u.Hostname())]
	if !ok {
		return nil, false
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, "google.com") && u.Path != "/url" {
		return nil, false
	}
	if strings.HasSuffix(host, "bing.com") && !strings.Contains(u.Path, "apiclick") && !strings.HasPrefix(u.Path, "/ck/") {
		return nil, false
	}
	if host == "www.youtube.com" && u.Path != "/redirect" {
		return nil, false
	}
	if host == "www.linkedin.com" && !strings.HasPrefix(u.Path, "/redir") {
		return nil, false
	}
	q := u.Query()
	for _, p := range params {
		v := q.Get(p)
		if v == "" {
			continue
		}
		inner, err := url.Parse(v)
		if err == nil && (inner.Scheme == "http" || inner.Scheme == "https") && inner.Host != "" {
			return inner, true
		}
	}
	return nil, false
}

// encodeSorted encodes q with sorted keys (url.Values.Encode sorts too, but
// keeps empty values as "k=" which is fine).
func encodeSorted(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			if v != "" {
				b.WriteByte('=')
				b.WriteString(url.QueryEscape(v))
			}
		}
	}
	return b.String()
}

// Stop words that tell German from English in short social texts.
var (
	deWords = map[string]bool{
		"der": true, "die": true, "das": true, "und": true, "ist": true, "nicht": true, "ich": true,
		"mit": true, "sie": true, "es": true, "auf": true, "für": true, "ein": true, "eine": true,
		"zu": true, "den": true, "von": true, "wir": true, "auch": true, "noch": true, "aber": true,
		"schon": true, "seit": true, "wie": true, "bei": true, "mein": true, "meine": true, "kein": true,
		"keine": true, "hat": true, "habe": true, "wird": true, "sind": true, "war": true, "dass": true,
		"nach": true, "oder": true, "wenn": true, "mir": true, "mich": true, "uns": true, "im": true,
		"dem": true, "des": true, "sich": true, "immer": true, "jetzt": true, "heute": true, "leider": true,
	}
	enWords = map[string]bool{
		"the": true, "and": true, "is": true, "not": true, "with": true, "you": true, "it": true,
		"of": true, "to": true, "for": true, "on": true, "was": true, "this": true, "that": true,
		"my": true, "have": true, "has": true, "are": true, "be": true, "but": true, "they": true,
		"their": true, "from": true, "at": true, "by": true, "or": true, "an": true, "we": true,
		"our": true, "will": true, "been": true, "can": true, "still": true, "no": true, "your": true,
		"what": true, "just": true, "about": true, "after": true, "why": true, "does": true, "i": true,
	}
)

// guessLang returns "de", "en" or "other" from stop words in text, falling
// back to the feed's or source's language when the text says too little.
func guessLang(text, fallback string) string {
	de, en, words := 0, 0, 0
	text = text[:min(len(text), 2000)]
	for len(text) > 0 && words < 200 {
		i := strings.IndexFunc(text, isWordRune)
		if i < 0 {
			break
		}
		text = text[i:]
		j := strings.IndexFunc(text, func(r rune) bool { return !isWordRune(r) })
		if j < 0 {
			j = len(text)
		}
		w := text[:j]
		text = text[j:]
		words++
		if len(w) > 6 {
			if strings.ContainsAny(w, "äöüßÄÖÜ") {
				de++
			}
			continue
		}
		var buf [24]byte
		lw := append(buf[:0], w...)
		for k, c := range lw {
			if c >= 'A' && c <= 'Z' {
				lw[k] = c + 'a' - 'A'
			}
		}
		switch {
		case deWords[string(lw)]:
			de++
		case enWords[string(lw)]:
			en++
		case strings.ContainsAny(w, "äöüßÄÖÜ"):
			de++
		}
	}
	switch {
	case de >= 2 && de > en:
		return "de"
	case en >= 2 && en > de:
		return "en"
	}
	base, _, _ := strings.Cut(strings.ToLower(fallback), "-")
	switch base {
	case "de", "en":
		return base
	case "":
		if words >= 8 {
			return "other"
		}
		return ""
	}
	return "other"
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || r == '\'' }

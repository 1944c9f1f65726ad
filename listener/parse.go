package listener

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"

	"github.com/earshot/earshot/mention"
)

// errNotFeedType means the body is neither RSS, Atom nor JSON Feed.
var errNotFeedType = errors.New("neither RSS, Atom nor JSON Feed")

// feed is a parsed feed, reduced to what a mention needs.
type feed struct {
	lang  string
	link  string
	items []rawItem
}

// rawItem is one feed item before normalising. html fields may hold markup.
type rawItem struct {
	guid      string
	link      string
	title     string
	html      string
	author    string
	published time.Time
	eng       mention.Engagement
}

// parseBody parses a fetched body: parseFeed, a variable so that a test can
// stand in a parser that panics.
var parseBody = parseFeed

// ParserPanicError is a feed parser's panic on one body: a bug in a parser
// that this body found. It fails that feed's poll, not the daemon, which a
// restart would not help (the next poll fetches the same body).
type ParserPanicError struct {
	Value any
	Stack []byte // the panicking goroutine's stack, for the log
}

func (e *ParserPanicError) Error() string {
	return fmt.Sprintf("the feed parser failed on this body: %v", e.Value)
}

// parseSafely is parseBody, with a parser's panic returned as a
// *ParserPanicError.
func parseSafely(body []byte, contentType string, maxSize int64) (f *feed, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, &ParserPanicError{Value: p, Stack: debug.Stack()}
		}
	}()
	return parseBody(body, contentType, maxSize)
}

// parseFeed parses an RSS, Atom or JSON feed fetched under a max_size of
// maxSize. It uses gofeed's format parsers directly and skips gofeed's
// universal translator, which costs a full HTML parse of every item looking
// for an image. A body nested too deeply or with too many elements for
// maxSize is refused before it is parsed (checkXMLShape), so that a parse
// costs memory in proportion to maxSize.
func parseFeed(body []byte, contentType string, maxSize int64) (*feed, error) {
	body = fixCharset(body, contentType)
	head := body[:min(len(body), 4096)]
	typ := gofeed.DetectFeedType(bytes.NewReader(head))
	var shape error
	switch typ {
	case gofeed.FeedTypeRSS, gofeed.FeedTypeAtom:
		shape = checkXMLShape(body, maxFeedUnits(maxSize))
	case gofeed.FeedTypeJSON:
		shape = checkJSONShape(body, maxFeedUnits(maxSize))
	}
	if shape != nil {
		return nil, &NotFeedError{ContentType: mediaType(contentType), Err: shape}
	}
	switch typ {
	case gofeed.FeedTypeRSS:
		f, err := (&rss.Parser{}).Parse(bytes.NewReader(body))
		if err != nil {
			return nil, &NotFeedError{ContentType: mediaType(contentType), Err: fmt.Errorf("rss: %w", err)}
		}
		return fromRSS(f), nil
	case gofeed.FeedTypeAtom:
		f, err := (&atom.Parser{}).Parse(bytes.NewReader(body))
		if err != nil {
			return nil, &NotFeedError{ContentType: mediaType(contentType), Err: fmt.Errorf("atom: %w", err)}
		}
		return fromAtom(f, body), nil
	case gofeed.FeedTypeJSON:
		f, err := (&jsonfeed.Parser{}).Parse(bytes.NewReader(body))
		if err != nil {
			return nil, &NotFeedError{ContentType: mediaType(contentType), Err: fmt.Errorf("json feed: %w", err)}
		}
		return fromJSON(f), nil
	}
	return nil, &NotFeedError{ContentType: mediaType(contentType), Err: errNotFeedType}
}

// fixCharset makes the body readable by the XML decoder:
//   - a body that is valid UTF-8 is UTF-8, whatever its XML declaration or
//     Content-Type claim (a false "ISO-8859-1" would double-encode every
//     umlaut), so the declaration is rewritten to utf-8;
//   - a body that declares UTF-8 in its XML declaration but is not valid
//     UTF-8 gets U+FFFD for its invalid bytes (which the normaliser drops),
//     so that one broken item does not fail the whole feed; one that
//     declares another encoding is left to the decoder's charset reader;
//   - a body without such a declaration, that the Content-Type calls UTF-8
//     or does not name, gets U+FFFD too when it reads as UTF-8 with a few
//     broken bytes (mostlyUTF8);
//   - otherwise it is transcoded using the Content-Type charset, or
//     windows-1252 as the web's usual fallback.
func fixCharset(body []byte, contentType string) []byte {
	decl, enc := xmlDeclEncoding(body)
	isUTF8 := strings.EqualFold(enc, "utf-8") || strings.EqualFold(enc, "utf8")
	if utf8.Valid(body) {
		if enc != "" && !isUTF8 {
			out := make([]byte, 0, len(body))
			out = append(out, `<?xml version="1.0" encoding="utf-8"?>`...)
			return append(out, body[decl:]...)
		}
		return body
	}
	if isUTF8 {
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if enc != "" {
		return body
	}
	e, name, certain := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || !certain {
		if mostlyUTF8(body) {
			return bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
	}
	if name == "utf-8" {
		e, _ = charset.Lookup("windows-1252")
	}
	out, _, err := transform.Bytes(e.NewDecoder(), body)
	if err != nil {
		return body
	}
	return out
}

// mostlyUTF8 reports whether body reads as UTF-8 with a few broken bytes
// rather than as a single-byte encoding: it has at least as many valid
// multi-byte sequences as invalid bytes (in Latin-1 text every umlaut is an
// invalid byte).
func mostlyUTF8(body []byte) bool {
	multi, bad := 0, 0
	for i := 0; i < len(body); {
		if body[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		} else {
			multi++
		}
		i += n
	}
	return multi >= bad
}

// xmlDeclEncoding finds an XML declaration at the start of body. It returns
// the declaration's end offset and its encoding ("" if none).
func xmlDeclEncoding(body []byte) (int, string) {
	b := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	off := len(body) - len(b)
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	off += len(b) - len(trimmed)
	if !bytes.HasPrefix(trimmed, []byte("<?xml")) {
		return 0, ""
	}
	end := bytes.Index(trimmed[:min(len(trimmed), 512)], []byte("?>"))
	if end < 0 {
		return 0, ""
	}
	decl := trimmed[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return off + end + 2, ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest = bytes.TrimLeft(bytes.TrimPrefix(rest, []byte("=")), " \t\r\n")
	if len(rest) < 2 || (rest[0] != '"' && rest[0] != '\'') {
		return off + end + 2, ""
	}
	q := rest[0]
	j := bytes.IndexByte(rest[1:], q)
	if j < 0 {
		return off + end + 2, ""
	}
	return off + end + 2, string(rest[1 : 1+j])
}

func fromRSS(f *rss.Feed) *feed {
	out := &feed{lang: f.Language, link: f.Link, items: make([]rawItem, 0, len(f.Items))}
	for _, it := range f.Items {
		r := rawItem{title: it.Title, link: it.Link}
		if it.GUID != nil {
			r.guid = it.GUID.Value
			if r.link == "" && it.GUID.IsPermalink != "false" && strings.HasPrefix(r.guid, "http") {
				r.link = r.guid
			}
		}
		if r.link == "" && len(it.Links) > 0 {
			r.link = it.Links[0]
		}
		r.html = it.Content
		if r.html == "" {
			r.html = it.Description
		}
		switch dc := it.DublinCoreExt; {
		case it.Author != "":
			r.author = it.Author
		case dc != nil && len(dc.Creator) > 0:
			r.author = dc.Creator[0]
		case dc != nil && len(dc.Author) > 0:
			r.author = dc.Author[0]
		case it.ITunesExt != nil:
			r.author = it.ITunesExt.Author
		}
		if it.PubDateParsed != nil {
			r.published = *it.PubDateParsed
		} else if dc := it.DublinCoreExt; dc != nil && len(dc.Date) > 0 {
			r.published = parseLooseDate(dc.Date[0])
		}
		r.eng = hnEngagement(it.Description)
		out.items = append(out.items, r)
	}
	return out
}

// fromAtom converts f, parsed from body. Text constructs of type text,
// whose entities gofeed decoded, stay text: "a <b> tag" is no markup.
func fromAtom(f *atom.Feed, body []byte) *feed {
	out := &feed{lang: f.Language, items: make([]rawItem, 0, len(f.Entries))}
	if l := atomLink(f.Links); l != "" {
		out.link = l
	}
	// gofeed keeps the type of an entry's content, not of its title and
	// summary: those are read from the body, only where the type could
	// matter (a title or summary with "<" or "&" in it).
	var types []atomTypes
	for _, e := range f.Entries {
		if strings.ContainsAny(e.Title, "<&") || (e.Content == nil || e.Content.Value == "") && strings.ContainsAny(e.Summary, "<&") {
			types = atomTextTypes(body, len(f.Entries))
			break
		}
	}
	for i, e := range f.Entries {
		r := rawItem{guid: e.ID, title: e.Title, link: atomLink(e.Links)}
		if i < len(types) && types[i].titlePlain {
			r.title = htmlEscapeText(r.title)
		}
		if e.Content != nil && e.Content.Value != "" {
			r.html = e.Content.Value
			if atomPlain(e.Content.Type) {
				r.html = htmlEscapeText(r.html)
			}
		} else {
			r.html = e.Summary
			if i < len(types) && types[i].summaryPlain {
				r.html = htmlEscapeText(r.html)
			}
		}
		if len(e.Authors) > 0 {
			r.author = e.Authors[0].Name
		} else if len(f.Authors) > 0 {
			r.author = f.Authors[0].Name
		}
		switch {
		case e.PublishedParsed != nil:
			r.published = *e.PublishedParsed
		case e.UpdatedParsed != nil:
			r.published = *e.UpdatedParsed
		}
		if g := extChild(e.Extensions, "media", "group"); g != nil {
			if r.html == "" {
				if d := g.Children["description"]; len(d) > 0 {
					r.html = d[0].Value
				}
			}
			if c := g.Children["community"]; len(c) > 0 {
				if s := c[0].Children["statistics"]; len(s) > 0 {
					r.eng.Views, _ = strconv.Atoi(s[0].Attrs["views"])
				}
				if s := c[0].Children["starRating"]; len(s) > 0 {
					r.eng.Likes, _ = strconv.Atoi(s[0].Attrs["count"])
				}
			}
		}
		out.items = append(out.items, r)
	}
	return out
}

func fromJSON(f *jsonfeed.Feed) *feed {
	out := &feed{lang: f.Language, link: f.HomePageURL, items: make([]rawItem, 0, len(f.Items))}
	for _, it := range f.Items {
		r := rawItem{guid: it.ID, title: it.Title, link: it.URL}
		if r.link == "" {
			r.link = it.ExternalURL
		}
		switch {
		case it.ContentHTML != "":
			r.html = it.ContentHTML
		case it.ContentText != "":
			r.html = htmlEscapeText(it.ContentText)
		default:
			r.html = htmlEscapeText(it.Summary)
		}
		switch {
		case it.Author != nil:
			r.author = it.Author.Name
		case len(it.Authors) > 0:
			r.author = it.Authors[0].Name
		}
		if it.DatePublished != "" {
			r.published = parseLooseDate(it.DatePublished)
		} else if it.DateModified != "" {
			r.published = parseLooseDate(it.DateModified)
		}
		out.items = append(out.items, r)
	}
	return out
}

// atomPlain reports whether an Atom content of type typ is plain text (the
// default, "text", or a text/ media type other than HTML).
func atomPlain(typ string) bool {
	typ = strings.ToLower(strings.TrimSpace(typ))
	return typ == "" || typ == "text" || strings.HasPrefix(typ, "text/") && typ != "text/html"
}

// atomTypes says whether an entry's title and summary are plain text.
type atomTypes struct{ titlePlain, summaryPlain bool }

// atomTextTypes reads the types of the title and summary of each of the
// entries of the Atom feed in body, in order. It returns nil when the body
// does not read as n entries: their titles and summaries are then read
// as HTML. A scan of the markup only (encoding/xml, reading all of it,
// cost a quarter of the feed's parse): comments, CDATA sections,
// processing instructions and declarations are skipped, tags counted.
func atomTextTypes(body []byte, n int) []atomTypes {
	types := make([]atomTypes, 0, n)
	depth := 0
	inEntry, entry := false, []byte(nil) // an entry is open at depth 2, with this prefix
	var seen [2]bool
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := body[i:]
		skip := func(end string) bool {
			k := bytes.Index(rest, []byte(end))
			i += k + len(end)
			return k >= 0
		}
		var ok bool
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			ok = skip("-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			ok = skip("]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			ok = skip("?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			ok = skip(">")
		case bytes.HasPrefix(rest, []byte("</")):
			if depth == 2 {
				inEntry = false
			}
			depth--
			ok = skip(">")
		default:
			prefix, local, attrs, _, end, closed := xmlTag(rest)
			if end < 0 {
				return nil
			}
			i += end
			ok, depth = true, depth+1
			switch {
			case depth == 2 && string(local) == "entry":
				inEntry, entry = true, prefix
				types = append(types, atomTypes{titlePlain: true, summaryPlain: true})
				seen = [2]bool{}
			case depth == 3 && inEntry && bytes.Equal(entry, prefix) && (string(local) == "title" || string(local) == "summary"):
				k := 0
				if string(local) == "summary" {
					k = 1
				}
				if seen[k] {
					break
				}
				seen[k] = true
				// Atom 0.3's mode="escaped" (without a type) is HTML.
				typ, mode := xmlAttr(attrs, "type"), xmlAttr(attrs, "mode")
				plain := atomPlain(typ) && (typ != "" || mode == "")
				if k == 0 {
					types[len(types)-1].titlePlain = plain
				} else {
					types[len(types)-1].summaryPlain = plain
				}
			}
			if closed {
				if depth == 2 {
					inEntry = false
				}
				depth--
			}
		}
		if !ok {
			return nil
		}
	}
	if len(types) != n {
		return nil
	}
	return types
}

// xmlTag reads the start tag at the beginning of b: its name's prefix and
// local part, its attributes' text and how many there are (the "=" signs
// outside quoted values), where it ends (after its ">"; -1 if it does
// not) and whether it closes itself ("/>").
func xmlTag(b []byte) (prefix, local, attrs []byte, nattr, end int, closed bool) {
	k := 1
	for k < len(b) && !isXMLSpace(b[k]) && b[k] != '>' && b[k] != '/' {
		k++
	}
	local = b[1:k]
	if c := bytes.IndexByte(local, ':'); c >= 0 {
		prefix, local = local[:c], local[c+1:]
	}
	start := k
	var quote byte
	for ; k < len(b); k++ {
		switch c := b[k]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			nattr++
		case c == '>':
			return prefix, local, b[start:k], nattr, k + 1, k > start && b[k-1] == '/'
		}
	}
	return nil, nil, nil, 0, -1, false
}

// xmlAttr returns the value of the attribute name (no prefix) in attrs,
// the text of a start tag after its name ("" when it has none).
func xmlAttr(attrs []byte, name string) string {
	for len(attrs) > 0 {
		attrs = bytes.TrimLeftFunc(attrs, func(r rune) bool { return r < utf8.RuneSelf && isXMLSpace(byte(r)) })
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 {
			return ""
		}
		key := (bytes.TrimRightFunc(attrs[:eq], func(r rune) bool { return r < utf8.RuneSelf && isXMLSpace(byte(r)) }))
		v := bytes.TrimLeftFunc(attrs[eq+1:], func(r rune) bool { return r < utf8.RuneSelf && isXMLSpace(byte(r)) })
		if len(v) == 0 || v[0] != '"' && v[0] != '\'' {
			return ""
		}
		e := bytes.IndexByte(v[1:], v[0])
		if e < 0 {
			return ""
		}
		if string(key) == name {
			return string(v[1 : 1+e])
		}
		attrs = v[2+e:]
	}
	return ""
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// atomLink picks the alternate link, else the first.
func atomLink(links []*atom.Link) string {
	for _, l := range links {
		if l.Rel == "" || l.Rel == "alternate" {
			return l.Href
		}
	}
	if len(links) > 0 {
		return links[0].Href
	}
	return ""
}

// extChild returns the first ns:name extension element.
func extChild(e ext.Extensions, ns, name string) *ext.Extension {
	if m, ok := e[ns]; ok {
		if l := m[name]; len(l) > 0 {
			return &l[0]
		}
	}
	return nil
}

// hnEngagement reads hnrss's "Points: 12" and "# Comments: 3".
func hnEngagement(desc string) mention.Engagement {
	var e mention.Engagement
	if i := strings.Index(desc, "Points: "); i >= 0 {
		e.Points = atoiPrefix(desc[i+len("Points: "):])
	}
	if i := strings.Index(desc, "# Comments: "); i >= 0 {
		e.Comments = atoiPrefix(desc[i+len("# Comments: "):])
	}
	return e
}

// atoiPrefix parses the leading digits of s.
func atoiPrefix(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1e9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// dateLayouts are tried on dates gofeed's format parsers leave unparsed.
var dateLayouts = []string{
	time.RFC3339Nano, time.RFC3339, time.RFC1123Z, time.RFC1123, time.RFC822Z, time.RFC822,
	"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02",
}

// parseLooseDate parses a date in one of the common feed formats; zero if
// none fits.
func parseLooseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// htmlEscapeText escapes plain text so htmlToText returns it unchanged.
func htmlEscapeText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;").Replace(s)
}

package listener

import (
	"strings"
	"testing"
	"time"
)

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain  text\n here ", "plain text here"},
		{"Fish &amp; Chips &quot;hot&quot;", `Fish & Chips "hot"`},
		{"<p>Hello <b>ACME</b>,</p><p>my parcel&nbsp;is late.</p>", "Hello ACME, my parcel is late."},
		{"<div>a<br>b<script>alert('x')</script><style>p{}</style>c</div>", "a bc"},
		{"<p>unclosed <i>tags", "unclosed tags"},
		{"<img src=x onerror=alert(1)>caption", "caption"},
		{"", ""},
		// Control characters are dropped, also on the plain-text path: a
		// terminal escape (ESC, C1 CSI), a title escape, a bidi override.
		{"Acme \x1b[31mred\x1b[0m \x1b]0;PWNED\x07 \u009b8m end", "Acme [31mred[0m ]0;PWNED 8m end"},
		{"Acme \u202eevil\u202c &amp; \u2066more\u2069", "Acme evil & more"},
		{"<p>Acme\x1b[8m hidden</p>", "Acme[8m hidden"},
	}
	for _, tc := range tests {
		if got := htmlToText(tc.in, 1000); got != tc.want {
			t.Errorf("htmlToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("<p>wörd wörd</p>", 10000)
	if got := htmlToText(long, 100); len(got) > 104 {
		t.Errorf("text not capped: %d bytes", len(got))
	}
}

// TestNormalizeControls: what a feed gives as its author stays one line
// (no forged lines in a printed alert), and a link that is no URL keeps
// no control characters.
func TestNormalizeControls(t *testing.T) {
	r := rawItem{title: "t", html: "x", author: " eve\nowner:    mallory\x1b[8m ", link: "https://example.com/\x1b[31m\u202ea"}
	m := normalize(&r, &feed{}, "", time.Now())
	if m.Author != "eve owner: mallory[8m" {
		t.Errorf("author %q", m.Author)
	}
	if strings.ContainsAny(m.URL, "\x1b\u202e") {
		t.Errorf("url %q", m.URL)
	}
}

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ in, base, want string }{
		{"https://Example.COM:443/a?utm_source=x&b=2&a=1&fbclid=z#frag", "", "https://example.com/a?a=1&b=2"},
		{"https://www.google.com/url?rct=j&sa=t&url=https://news.example/story%3Fid%3D7%26utm_medium%3Dfeed&ct=ga&cd=CAIyGg&usg=AOv", "", "https://news.example/story?id=7"},
		{"http://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1&url=https%3a%2f%2fnews.example%2fa&c=1", "", "https://news.example/a"},
		{"https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example%2Fp&h=AT0", "", "https://shop.example/p"},
		{"/post/1", "https://blog.example/feed", "https://blog.example/post/1"},
		{"https://www.google.com/search?q=acme", "", "https://www.google.com/search?q=acme"},
		{"https://example.com", "", "https://example.com/"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := canonicalURL(tc.in, tc.base); got != tc.want {
			t.Errorf("canonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGuessLang(t *testing.T) {
	tests := []struct{ text, fallback, want string }{
		{"Mein Paket von ACME ist seit zwei Wochen nicht angekommen!", "", "de"},
		{"My parcel from ACME still has not arrived and the support is useless", "", "en"},
		{"Größte Enttäuschung", "", "de"},
		{"ACME", "de-DE", "de"},
		{"ACME", "", ""},
		{"Mon colis ACME n'est jamais arrivé, service client injoignable depuis deux semaines", "", "other"},
		{"Mon colis ACME", "fr", "other"},
	}
	for _, tc := range tests {
		if got := guessLang(tc.text, tc.fallback); got != tc.want {
			t.Errorf("guessLang(%q, %q) = %q, want %q", tc.text, tc.fallback, got, tc.want)
		}
	}
}

func TestClampPublished(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if got := clampPublished(time.Time{}, now); !got.Equal(now) {
		t.Errorf("missing: %v", got)
	}
	if got := clampPublished(now.Add(time.Hour), now); !got.Equal(now) {
		t.Errorf("future: %v", got)
	}
	if p := now.Add(2 * time.Minute); !clampPublished(p, now).Equal(p) {
		t.Error("small clock skew clamped")
	}
}

func TestJSONFeed(t *testing.T) {
	body := `{"version":"https://jsonfeed.org/version/1.1","title":"j","home_page_url":"https://j.example/","items":[
{"id":"1","url":"/posts/1","title":"ACME & me","content_text":"Plain <text> here","date_published":"2026-11-18T10:00:00Z","authors":[{"name":"Ana"}]}]}`
	f, err := parseFeed([]byte(body), "application/feed+json", testMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	m := normalize(&f.items[0], f, "", time.Now())
	if m.URL != "https://j.example/posts/1" || m.Title != "ACME & me" || m.Text != "Plain <text> here" || m.Author != "Ana" ||
		!m.Published.Equal(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("json feed item = %+v", m)
	}
}

// TestAtomTextContent: an Atom content of type text (or no type, its
// default) is text: a literal "<b>" stays; html content is markup.
func TestAtomTextContent(t *testing.T) {
	body := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-11-18T10:00:00Z</updated>
<entry><id>urn:1</id><title>one</title><updated>2026-11-18T10:00:00Z</updated><content type="text">use the &lt;b&gt; tag &amp; more</content></entry>
<entry><id>urn:2</id><title>two</title><updated>2026-11-18T10:00:00Z</updated><content>I &lt;3 ACME</content></entry>
<entry><id>urn:3</id><title>three</title><updated>2026-11-18T10:00:00Z</updated><content type="html">&lt;p&gt;&lt;b&gt;bold&lt;/b&gt; &amp;amp; more&lt;/p&gt;</content></entry>
</feed>`
	f, err := parseFeed([]byte(body), "application/atom+xml", testMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"use the <b> tag & more", "I <3 ACME", "bold & more"}
	for i, w := range want {
		if m := normalize(&f.items[i], f, "", time.Now()); m.Text != w {
			t.Errorf("entry %d: text %q, want %q", i+1, m.Text, w)
		}
	}
}

// TestAtomTextTitleAndSummary: the title and summary of an entry follow
// their own type (text by default) though gofeed does not keep it; a
// body the type scan cannot read as the same entries is read as HTML.
func TestAtomTextTitleAndSummary(t *testing.T) {
	body := `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">&lt;b&gt;feed&lt;/b&gt;</title><id>urn:f</id><updated>2026-11-18T10:00:00Z</updated>
<entry><id>urn:1</id><title>use the &lt;b&gt; tag &amp; more</title><updated>2026-11-18T10:00:00Z</updated><summary>I &lt;3 ACME</summary></entry>
<entry><id>urn:2</id><title type="html">&lt;b&gt;ACME&lt;/b&gt; &amp;amp; co</title><updated>2026-11-18T10:00:00Z</updated><summary type="html">&lt;p&gt;a &lt;i&gt;b&lt;/i&gt;&lt;/p&gt;</summary></entry>
<entry><id>urn:3</id><title type="text"><![CDATA[x <y> z]]></title><updated>2026-11-18T10:00:00Z</updated><source><title type="html">s</title></source><summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>in <b>xhtml</b></p></div></summary></entry>
<entry><id>urn:4</id><title>a &lt; b</title><updated>2026-11-18T10:00:00Z</updated><summary>&amp;lt;</summary></entry>
</feed>`
	f, err := parseFeed([]byte(body), "application/atom+xml", testMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ title, text string }{
		{"use the <b> tag & more", "I <3 ACME"},
		{"ACME & co", "a b"},
		{"x <y> z", "in xhtml"},
		{"a < b", "&lt;"},
	}
	for i, w := range want {
		if m := normalize(&f.items[i], f, "", time.Now()); m.Title != w.title || m.Text != w.text {
			t.Errorf("entry %d: title %q text %q, want %q and %q", i+1, m.Title, m.Text, w.title, w.text)
		}
	}
	if types := atomTextTypes([]byte(body), 3); types != nil {
		t.Errorf("types for 3 entries of a body with 4: %v", types)
	}
}

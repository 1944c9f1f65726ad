package listener

import (
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/earshot/earshot/mention"
)

// FuzzParseFeed feeds arbitrary bodies to the feed parser and the
// normaliser, as a hostile or broken source would: no panic, and every
// mention made of what parses is valid UTF-8 within the text limits.
func FuzzParseFeed(f *testing.F) {
	feeds, _ := filepath.Glob("../deploy/examples/feeds/*")
	for _, p := range feeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><item><title>Pr`+"\xfc"+`fung</title><description>&lt;p&gt;a&lt;/p&gt;</description></item></channel></rss>`), "text/xml; charset=iso-8859-1")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">&lt;b&gt;x&lt;/b&gt;</title><content type="xhtml"><div>y</div></content><link href="/a"/></entry></feed>`), "application/atom+xml")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><!-- <entry> --><entry><title>a &lt;b&gt;</title><summary type='html'><![CDATA[<i>s</i>]]></summary></entry><a:entry xmlns:a="http://www.w3.org/2005/Atom"><a:title type="text">&amp;</a:title></a:entry></feed>`), "application/atom+xml")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>x</p>","date_published":"2026-01-01T00:00:00Z"}]}`), "application/feed+json")
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		fd, err := parseFeed(body, contentType, testMaxSize)
		if err != nil {
			return
		}
		for i := range fd.items {
			m := normalize(&fd.items[i], fd, "", now)
			if !utf8.ValidString(m.Title) || !utf8.ValidString(m.Text) {
				t.Fatalf("item %d: not UTF-8: %q / %q", i, m.Title, m.Text)
			}
			if len(m.Text) > mention.MaxTextBytes || len(m.Title) > mention.MaxTitleBytes {
				t.Fatalf("item %d: title %d, text %d bytes", i, len(m.Title), len(m.Text))
			}
			if m.Published.After(now.Add(futureSlack)) {
				t.Fatalf("item %d: published %v in the future", i, m.Published)
			}
		}
	})
}

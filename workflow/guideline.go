package workflow

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// ReplyData is what a guideline's reply template can use:
// {{.Author}}, {{.Owner}}, {{.Title}}, {{.URL}} and the rest.
type ReplyData struct {
	// Author of the mention, as the feed names them.
	Author string
	// Owner is the first name of the case's owner (from Slack when known,
	// else the configured name or e-mail's local part).
	Owner     string
	Source    string
	URL       string
	Title     string
	Text      string
	Topic     string
	Severity  string
	Lang      string
	Published time.Time
}

// replyData fills ReplyData from a verdict and the owner's display name.
func replyData(v *mention.Verdict, owner string) ReplyData {
	m := &v.Mention
	lang := v.Lang
	if lang == "" {
		lang = m.Lang
	}
	return ReplyData{
		Author: m.Author, Owner: owner, Source: m.Source, URL: m.URL, Title: m.Title,
		Text: m.Text, Topic: v.Topic(), Severity: string(v.Severity), Lang: lang,
		Published: m.Published,
	}
}

// guideline is a config.Guideline with its reply template parsed.
type guideline struct {
	name string
	cfg  config.Guideline
	tmpl *template.Template // nil: no template
}

// compileGuideline parses g's template and tries it on sample data, so that
// a misspelt field ({{.Autor}}) is reported when the config is loaded rather
// than when the first complaint arrives.
func compileGuideline(name string, g config.Guideline) (*guideline, error) {
	out := &guideline{name: name, cfg: g}
	if strings.TrimSpace(g.Template) == "" {
		return out, nil
	}
	path := "guidelines." + name + ".template"
	t, err := template.New(name).Option("missingkey=error").Parse(g.Template)
	if err != nil {
		return nil, config.Errorf(path, "%w", err)
	}
	sample := ReplyData{Author: "Alex", Owner: "Anna", Source: "example", URL: "https://example.com/",
		Title: "title", Text: "text", Topic: "delivery", Severity: "high", Lang: "en"}
	if err := t.Execute(&bytes.Buffer{}, sample); err != nil {
		return nil, config.Errorf(path, "%w (fields: .Author .Owner .Source .URL .Title .Text .Topic .Severity .Lang .Published)", err)
	}
	out.tmpl = t
	return out, nil
}

// reply renders the reply template for d; "" when the guideline has none.
func (g *guideline) reply(d ReplyData) (string, error) {
	if g == nil || g.tmpl == nil {
		return "", nil
	}
	var b bytes.Buffer
	if err := g.tmpl.Execute(&b, d); err != nil {
		return "", fmt.Errorf("render guideline %s: %w", g.name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

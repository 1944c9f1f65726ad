package workflow

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}

func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<" readable: the golden files show what Slack gets
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func goldenCase() *Case {
	v := complaint("golden-1")
	return &Case{ID: CaseID("golden-1", "delivery"), State: StateAlerted, Route: "delivery", Guideline: "delivery",
		Owner: "anna@acme.de", Deputy: "ben@acme.de", EscalateTo: "UBOSS", Channel: "#social-care", Verdict: v,
		Created: testTime, Escalation: Escalation{RemindAt: testTime.Add(90 * time.Minute), DueAt: testTime.Add(2 * time.Hour)}}
}

func TestAlertBlocksGolden(t *testing.T) {
	router, err := NewRouter(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	g := router.guidelines["delivery"]
	c := goldenCase()
	reply, err := g.reply(replyData(&c.Verdict, "Anna"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("full", func(t *testing.T) {
		golden(t, "alert_full.golden.json", indentJSON(t, alertBlocks(alertView{Case: c, OwnerID: "UANNA", DeputyID: "UBEN",
			Guideline: g, Reply: reply, Loc: berlin})))
	})
	t.Run("minimal", func(t *testing.T) {
		// No guideline, no link, no author, owner not resolved.
		m := goldenCase()
		m.Deputy, m.Guideline = "", ""
		m.Verdict.Mention.URL, m.Verdict.Mention.Author, m.Verdict.Mention.Title = "", "", ""
		m.Verdict.Severity, m.Verdict.Topics = "", nil
		golden(t, "alert_minimal.golden.json", indentJSON(t, alertBlocks(alertView{Case: m})))
	})
	t.Run("undated", func(t *testing.T) {
		// A feed item without a date: Published is when it was found.
		m := goldenCase()
		m.Verdict.Mention.FirstSeen = m.Verdict.Mention.Published
		b := indentJSON(t, alertBlocks(alertView{Case: m, Loc: berlin}))
		if !bytes.Contains(b, []byte("*First seen:*")) || bytes.Contains(b, []byte("*Published:*")) {
			t.Errorf("an undated item shows its date as published:\n%s", b)
		}
	})
	t.Run("injection", func(t *testing.T) {
		golden(t, "alert_injection.golden.json", indentJSON(t, alertBlocks(alertView{
			Case: injectedCase("<!channel> & <@U0123ABCD> <https://evil.example|login>", "javascript:alert(1)"), OwnerID: "UANNA"})))
	})
	t.Run("group", func(t *testing.T) {
		other := goldenCase()
		other.Verdict = complaint("golden-2")
		other.Verdict.Mention.Author = "<!here>"
		golden(t, "group.golden.json", indentJSON(t, groupBlocks([]*Case{c, other})))
	})
	t.Run("console", func(t *testing.T) {
		golden(t, "alert_console.golden.txt", []byte(consoleAlert(alertView{Case: c, Guideline: g, Reply: reply, Loc: berlin})))
	})
}

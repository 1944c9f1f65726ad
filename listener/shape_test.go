package listener

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShapeLimitsKeepRealFeeds: the demo's feeds, and generated feeds as
// large as the default max_size allows, pass the shape check and parse.
func TestShapeLimitsKeepRealFeeds(t *testing.T) {
	paths, err := filepath.Glob("../deploy/examples/feeds/*")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no demo feeds: %v", err)
	}
	bodies := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bodies[filepath.Base(p)] = b
	}
	size := int(testMaxSize) - 64<<10
	bodies["rss at max_size"] = benchRSS(size)
	bodies["atom at max_size"] = benchAtom(size, "html")
	for name, body := range bodies {
		f, err := parseFeed(body, "", testMaxSize)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(f.items) == 0 {
			t.Errorf("%s: no items", name)
		}
	}
}

func TestCheckXMLShape(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("<a>", n) + strings.Repeat("</a>", n) }
	for _, tc := range []struct {
		name, body string
		nodes      int
		want       string // "" for no error
	}{
		{"at the depth limit", deep(maxFeedDepth), 1000, ""},
		{"past the depth limit", deep(maxFeedDepth + 1), 1000, "nested deeper than 128 elements"},
		{"deep but closed again", strings.Repeat(deep(100), 5), 1000, ""},
		{"self-closing tags do not nest", "<r>" + strings.Repeat("<a/>", 200) + "</r>", 1000, ""},
		// 1 + 100 * (1 + 3 + 3) + 100 * 8 + 100 * 8 = 2301
		{"at the limit", "<r>" + strings.Repeat(`<a b="1" c='>'/>`, 100) + strings.Repeat("<x:a/>", 100) + strings.Repeat("<item></item>", 100) + "</r>", 2301, ""},
		{"past the limit", "<r>" + strings.Repeat(`<a b="1" c='>'/>`, 100) + strings.Repeat("<x:a/>", 100) + strings.Repeat("<item></item>", 100) + "</r>", 2300, "more than 2300 units"},
		{"markup in CDATA, comments and declarations is text",
			`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><r><![CDATA[` + deep(500) + `]]><!--` + deep(500) + `--><?pi <a><a>?></r>`, 10, ""},
		{"quoted = is no attribute", `<r a="x=y=z" b='=='/>`, 7, ""},
		{"truncated tag", "<r><a b=\"", 10, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkXMLShape([]byte(tc.body), tc.nodes)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			case err != nil && !errors.As(err, new(*ShapeError)):
				t.Errorf("err %T, want *ShapeError", err)
			}
		})
	}
}

func TestCheckJSONShape(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string
	}{
		{"ordinary", `{"items":[{"id":"1","tags":["a","b"]},{"id":"2"}]}`, ""},
		{"at the limit", `[` + strings.Repeat(`{},`, 10) + `[1,1,1,1,1,1,1,1]]`, ""}, // 1 + 10 * 9 + 1 + 8
		{"brackets and commas in strings", `{"t":"` + strings.Repeat(`[{,\"`, 500) + `"}`, ""},
		{"deep", strings.Repeat("[", maxFeedDepth+1) + strings.Repeat("]", maxFeedDepth+1), "nested deeper"},
		{"many values", `{"t":[` + strings.Repeat(`1,`, 200) + `1]}`, "more than 100 units"},
		{"many objects", `[` + strings.Repeat(`{},`, 12) + `{}]`, "more than 100 units"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			units := 100
			if tc.name == "deep" {
				units = 1000
			}
			err := checkJSONShape([]byte(tc.body), units)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

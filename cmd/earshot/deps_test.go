package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRules keeps the data flow visible in the imports: the
// message package is stdlib only, no stage imports another stage, the
// classifier never pulls in Slack, feed parsing or cron, and config imports
// no earshot package but the message type.
func TestDependencyRules(t *testing.T) {
	const mod = "github.com/earshot/earshot/"
	for _, tc := range []struct {
		pkg       string
		forbidden []string
		stdOnly   bool
	}{
		{pkg: "mention", stdOnly: true},
		{pkg: "config", forbidden: []string{mod + "listener", mod + "classifier", mod + "workflow", mod + "cmd"}},
		{pkg: "classifier", forbidden: []string{mod + "listener", mod + "workflow", "github.com/slack-go/slack", "github.com/mmcdole/gofeed", "github.com/robfig/cron"}},
		{pkg: "listener", forbidden: []string{mod + "classifier", mod + "workflow", "github.com/slack-go/slack"}},
		{pkg: "workflow", forbidden: []string{mod + "listener", mod + "classifier", "github.com/mmcdole/gofeed"}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", mod+tc.pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list: %v\n%s", err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if dep == mod+tc.pkg {
					continue
				}
				if tc.stdOnly {
					t.Errorf("%s imports %s; it must import only the standard library", tc.pkg, dep)
				}
				for _, f := range tc.forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s depends on %s", tc.pkg, dep)
					}
				}
			}
		})
	}
}

package classifier

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the classifier free of the other stages and of
// their libraries: it judges mentions, it does not fetch, schedule or talk to
// Slack. (NATS is allowed: stage.go consumes mentions from JetStream.)
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	forbidden := []string{
		"github.com/slack-go/", "github.com/mmcdole/gofeed", "github.com/robfig/cron",
		"github.com/earshot/earshot/listener", "github.com/earshot/earshot/workflow",
		"github.com/earshot/earshot/cmd",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasPrefix(dep, f) {
				t.Errorf("classifier depends on %s", dep)
			}
		}
	}
}

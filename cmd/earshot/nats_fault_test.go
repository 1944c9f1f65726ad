package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// natsServerBinary builds nats-server from the module version earshot
// embeds, as NATS releases it and as earshot's image is built: static and
// stripped (BenchmarkFootprint compares the two).
func natsServerBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(filepath.Dir(buildBinary(t)), "nats-server")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "github.com/nats-io/nats-server/v2")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	return bin
}

// startNATS runs an external nats-server with JetStream on conf and waits
// until it is ready.
func startNATS(t *testing.T, bin, conf string) *proc {
	t.Helper()
	p := startProc(t, bin, "-c", conf)
	waitLine(t, p.stderr.lines, regexp.MustCompile(`Server is ready`), "nats-server ready")
	return p
}

// TestExternalNATSRestart runs earshot against an external nats-server,
// kills the server with SIGKILL while critical mentions flow, restarts it on
// the same store, and checks that the daemon reconnects and every mention
// is alerted once.
func TestExternalNATSRestart(t *testing.T) {
	natsBin := natsServerBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	_, p, _ := strings.Cut(port, ":")
	conf := filepath.Join(dir, "nats.conf")
	writeFile(t, conf, fmt.Sprintf("server_name: n1\nlisten: 127.0.0.1:%s\njetstream {\n  store_dir: %q\n  sync_interval: always\n}\n", p, filepath.Join(dir, "nats")))
	srv := startNATS(t, natsBin, conf)

	const total = 24
	feed, _ := growingFeed(total)
	defer feed.Close()
	es := startEarshot(t, complaintsConfig(t, dir, feed.URL, fmt.Sprintf(`nats: {url: "nats://%s"}
http: {listen: "off"}
listener: {jitter: 0s}
slack: {per_channel_rate: 1000}
`, port)))
	waitLine(t, es.stdout.lines, alertTitle, "first alert")
	srv.kill()
	waitLine(t, es.stderr.lines, regexp.MustCompile(`nats disconnected`), "disconnect noticed")
	startNATS(t, natsBin, conf)
	back := time.Now()
	waitLine(t, es.stderr.lines, regexp.MustCompile(`nats reconnected`), "reconnect")
	t.Logf("reconnected %v after the server came back", time.Since(back).Round(time.Millisecond))
	until(t, 90*time.Second, "every mention alerted", func() bool { return len(alertCounts(es)) == total }, es.stdout.changed)
	dups := duplicateCount(alertCounts(es))
	t.Logf("%d mentions alerted after a NATS server crash, 0 lost, %d duplicates; all delivered %v after the server came back",
		total, dups, time.Since(back).Round(time.Millisecond))
	if dups > 0 {
		t.Errorf("%d duplicate alerts: an acknowledged write was lost or redelivered", dups)
	}
	es.stop(t)
}

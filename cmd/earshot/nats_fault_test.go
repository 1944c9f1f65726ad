package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// natsServerBinary builds nats-server from the module version earshot
// embeds.
func natsServerBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(filepath.Dir(earshotBinary(t)), "nats-server")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, out)
	}
	return bin
}

// startNATS runs an external nats-server with JetStream on conf and waits
// until it is ready.
func startNATS(t *testing.T, bin, conf string) (*exec.Cmd, chan error) {
	t.Helper()
	cmd := exec.Command(bin, "-c", conf)
	out := newLineWriter()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitLine(t, out.lines, regexp.MustCompile(`Server is ready`), "nats-server ready")
	return cmd, done
}

// TestExternalNATSRestart runs earshot against an external nats-server,
// kills the server with SIGKILL while critical mentions flow, restarts it on
// the same store, and checks that the daemon reconnects and every mention
// is alerted.
func TestExternalNATSRestart(t *testing.T) {
	bin, natsBin := earshotBinary(t), natsServerBinary(t)
	dir := t.TempDir()
	port := freePort(t)
	_, p, _ := strings.Cut(port, ":")
	conf := filepath.Join(dir, "nats.conf")
	writeFile(t, conf, fmt.Sprintf("server_name: n1\nlisten: 127.0.0.1:%s\njetstream {\n  store_dir: %q\n  sync_interval: always\n}\n", p, filepath.Join(dir, "nats")))
	srv, srvDone := startNATS(t, natsBin, conf)
	defer func() {
		if srv.ProcessState == nil {
			_ = srv.Process.Kill()
			<-srvDone
		}
	}()

	const total = 24
	feed, _ := growingFeed(total)
	defer feed.Close()
	cfgPath := filepath.Join(dir, "earshot.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`nats: {url: "nats://%s"}
http: {listen: "off"}
brand: {terms: [ACME]}
listener: {jitter: 0s}
sources:
  - {name: complaints, url: "%s", every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: U123ABC, channel: "#care", respond_within: 1h}
slack: {per_channel_rate: 1000}
`, port, feed.URL))
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	stdout, stderr := newLineWriter(), newLineWriter()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-done
		}
	}()

	waitLine(t, stdout.lines, alertTitle, "first alert")
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srvDone
	waitLine(t, stderr.lines, regexp.MustCompile(`nats disconnected`), "disconnect noticed")
	srv, srvDone = startNATS(t, natsBin, conf)
	back := time.Now()
	waitLine(t, stderr.lines, regexp.MustCompile(`nats reconnected`), "reconnect")
	t.Logf("reconnected %v after the server came back", time.Since(back).Round(time.Millisecond))

	deadline := time.After(90 * time.Second)
	for {
		seen := map[int]int{}
		for _, m := range alertTitle.FindAllStringSubmatch(stdout.String(), -1) {
			i, _ := strconv.Atoi(m[1])
			seen[i]++
		}
		if len(seen) == total {
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			t.Logf("%d mentions alerted after a NATS server crash, 0 lost, %d duplicates; all delivered %v after the server came back",
				total, dups, time.Since(back).Round(time.Millisecond))
			if dups > 0 {
				t.Errorf("%d duplicate alerts: an acknowledged write was lost or redelivered", dups)
			}
			break
		}
		select {
		case <-stdout.lines:
		case err := <-done:
			t.Fatalf("daemon exited: %v\n%s", err, stderr)
		case <-deadline:
			t.Fatalf("only %d of %d mentions alerted after the restart\nstderr:\n%s", len(seen), total, stderr)
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("no clean stop within 20s")
	}
}

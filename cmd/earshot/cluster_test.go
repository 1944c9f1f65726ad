package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// waitJetStream waits until the cluster behind addr answers JetStream
// requests.
func waitJetStream(t *testing.T, addr string) {
	t.Helper()
	nc, err := nats.Connect("nats://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := js.AccountInfo(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("jetstream cluster not ready: %v", err)
		}
	}
}

// TestClusterScaleOut runs two earshot instances, started together, on a
// three-server NATS cluster with R3 streams and buckets; then one server
// and one instance are killed with SIGKILL while critical mentions flow.
// Every mention is alerted, none twice but for the one the killed instance
// may have posted without recording it.
func TestClusterScaleOut(t *testing.T) {
	bin, natsBin := earshotBinary(t), natsServerBinary(t)
	dir := t.TempDir()
	var clients, routes []string
	var clusterPorts []string
	for range 3 {
		clients = append(clients, freePort(t))
		clusterPorts = append(clusterPorts, freePort(t))
	}
	for _, p := range clusterPorts {
		routes = append(routes, "nats-route://"+p)
	}
	servers := make([]*exec.Cmd, 3)
	serverDone := make([]chan error, 3)
	for i := range 3 {
		conf := filepath.Join(dir, fmt.Sprintf("n%d.conf", i))
		writeFile(t, conf, fmt.Sprintf(`server_name: n%d
listen: %s
cluster {
  name: earshot
  listen: %s
  routes: [%s]
}
jetstream {
  store_dir: %q
  sync_interval: always
}
`, i, clients[i], clusterPorts[i], strings.Join(routes, ", "), filepath.Join(dir, fmt.Sprintf("n%d", i))))
		servers[i], serverDone[i] = startNATS(t, natsBin, conf)
	}
	// A cluster that is just up has not elected its JetStream leader yet; a
	// deployment starts earshot later than that. (earshot would retry.)
	t0 := time.Now()
	waitJetStream(t, clients[0])
	t.Logf("jetstream ready after %v", time.Since(t0))
	defer func() {
		for i, s := range servers {
			if s.ProcessState == nil {
				_ = s.Process.Kill()
				<-serverDone[i]
			}
		}
	}()

	const total = 30
	feed, _ := growingFeed(total)
	defer feed.Close()
	var urls []string
	for _, c := range clients {
		urls = append(urls, "nats://"+c)
	}
	cfgPath := filepath.Join(dir, "earshot.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`nats: {url: "%s", replicas: 3}
http: {listen: "off"}
brand: {terms: [ACME]}
listener: {jitter: 0s}
sources:
  - {name: complaints, url: "%s", every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: U123ABC, channel: "#care", respond_within: 1h}
slack: {per_channel_rate: 1000}
`, strings.Join(urls, ","), feed.URL))

	type instance struct {
		cmd            *exec.Cmd
		stdout, stderr *lineWriter
		done           chan error
	}
	start := func() *instance {
		in := &instance{cmd: exec.Command(bin, "run", "--config", cfgPath), stdout: newLineWriter(), stderr: newLineWriter(), done: make(chan error, 1)}
		in.cmd.Stdout, in.cmd.Stderr = in.stdout, in.stderr
		if err := in.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { in.done <- in.cmd.Wait() }()
		return in
	}
	a, b := start(), start() // together: both create the same streams at once
	defer func() {
		if t.Failed() {
			t.Logf("a:\n%s\nb:\n%s", a.stderr, b.stderr)
		}
	}()
	defer func() {
		for _, in := range []*instance{a, b} {
			if in.cmd.ProcessState == nil {
				_ = in.cmd.Process.Kill()
				<-in.done
			}
		}
	}()
	waitLine(t, a.stderr.lines, regexp.MustCompile(`earshot running`), "instance a running")
	waitLine(t, b.stderr.lines, regexp.MustCompile(`earshot running`), "instance b running")
	t.Logf("instances running after %v", time.Since(t0))

	count := func() map[int]int {
		seen := map[int]int{}
		for _, in := range []*instance{a, b} {
			for _, m := range alertTitle.FindAllStringSubmatch(in.stdout.String(), -1) {
				i, _ := strconv.Atoi(m[1])
				seen[i]++
			}
		}
		return seen
	}
	// Wait for the flow to start, then lose one server and one instance.
	deadline := time.After(90 * time.Second)
	for len(count()) < 3 {
		select {
		case <-a.stdout.lines:
		case <-b.stdout.lines:
		case <-deadline:
			t.Fatalf("no alerts\na:\n%s\nb:\n%s", a.stderr, b.stderr)
		}
	}
	t.Logf("flowing after %v", time.Since(t0))
	lost := time.Now()
	_ = servers[1].Process.Signal(syscall.SIGKILL)
	<-serverDone[1]
	_ = b.cmd.Process.Signal(syscall.SIGKILL)
	<-b.done
	for {
		seen := count()
		if len(seen) == total {
			dups := 0
			for _, n := range seen {
				dups += n - 1
			}
			t.Logf("%d mentions alerted across 2 instances after losing a server and an instance: 0 lost, %d duplicates; all delivered %v after the loss",
				total, dups, time.Since(lost).Round(time.Millisecond))
			if dups > 1 {
				t.Errorf("%d duplicate alerts, want at most 1 (from the killed instance): %v", dups, seen)
			}
			break
		}
		select {
		case <-a.stdout.lines:
		case err := <-a.done:
			t.Fatalf("instance a exited: %v\n%s", err, a.stderr)
		case <-deadline:
			t.Fatalf("%d of %d alerted\na:\n%s", len(seen), total, a.stderr)
		}
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-a.done:
		if err != nil {
			t.Errorf("stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("no clean stop within 20s")
	}
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
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
	natsBin := natsServerBinary(t)
	dir := t.TempDir()
	var clients, clusterPorts, routes, urls []string
	for range 3 {
		clients = append(clients, freePort(t))
		clusterPorts = append(clusterPorts, freePort(t))
	}
	for i := range 3 {
		routes = append(routes, "nats-route://"+clusterPorts[i])
		urls = append(urls, "nats://"+clients[i])
	}
	servers := make([]*proc, 3)
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
		servers[i] = startNATS(t, natsBin, conf)
	}
	// A cluster that is just up has not elected its JetStream leader yet; a
	// deployment starts earshot later than that. (earshot would retry.)
	t0 := time.Now()
	waitJetStream(t, clients[0])
	t.Logf("jetstream ready after %v", time.Since(t0))

	const total = 30
	feed, _ := growingFeed(total)
	defer feed.Close()
	cfg := complaintsConfig(t, dir, feed.URL, fmt.Sprintf(`nats: {url: "%s", replicas: 3}
http: {listen: "off"}
listener: {jitter: 0s}
slack: {per_channel_rate: 1000}
`, strings.Join(urls, ",")))
	a, b := startEarshot(t, cfg), startEarshot(t, cfg) // together: both create the same streams at once
	waitLine(t, a.stderr.lines, regexp.MustCompile(`earshot running`), "instance a running")
	waitLine(t, b.stderr.lines, regexp.MustCompile(`earshot running`), "instance b running")
	t.Logf("instances running after %v", time.Since(t0))

	// Once the flow has started, lose one server and one instance.
	until(t, 90*time.Second, "three alerts", func() bool { return len(alertCounts(a, b)) >= 3 }, a.stdout.changed, b.stdout.changed)
	t.Logf("flowing after %v", time.Since(t0))
	lost := time.Now()
	servers[1].kill()
	b.kill()
	until(t, 90*time.Second, "every mention alerted", func() bool { return len(alertCounts(a, b)) == total }, a.stdout.changed)
	dups := duplicateCount(alertCounts(a, b))
	t.Logf("%d mentions alerted across 2 instances after losing a server and an instance: 0 lost, %d duplicates; all delivered %v after the loss",
		total, dups, time.Since(lost).Round(time.Millisecond))
	if dups > 1 {
		t.Errorf("%d duplicate alerts, want at most 1 (from the killed instance): %v", dups, alertCounts(a, b))
	}
	a.stop(t)
}

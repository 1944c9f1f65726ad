package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// idleFlag is how long BenchmarkFootprint lets each process idle after it
// is ready before reading its resident memory.
var idleFlag = flag.Duration("footprint.idle", 2*time.Second, "how long BenchmarkFootprint lets a started process idle before reading its memory")

// startMeasured starts bin with args, waits for a line matching ready on
// its output, and returns the time that took and the process's resident
// memory after it idled for -footprint.idle. The process is stopped
// (SIGTERM) before it returns.
func startMeasured(b *testing.B, ready *regexp.Regexp, bin string, args ...string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	out := newLineWriter()
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		// Stopped as a service manager stops it, so that the restart
		// that follows is an ordinary one, not a crash recovery.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		t := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() })
		_ = cmd.Wait()
		t.Stop()
	}()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l := <-out.lines:
			if !ready.MatchString(l) {
				continue
			}
			took := time.Since(start)
			<-time.After(*idleFlag)
			st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
			if err != nil {
				b.Skipf("no /proc: %v", err)
			}
			m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(st)
			kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
			return took, kb << 10
		case <-deadline:
			b.Fatalf("%s not ready in 30s:\n%s", bin, out.String())
		}
	}
}

// BenchmarkFootprint compares earshot's start-up time and idle resident
// memory (all roles, embedded NATS with JetStream, streams and buckets
// created, the built-in classifier packs compiled) with a bare nats-server
// with JetStream from the same module version, in the same run: first on a
// fresh store, then restarted on the same store, which is how a daemon
// usually starts. Both binaries are built as they are released: earshot
// with the Dockerfile's flags, nats-server likewise static and stripped.
// ns/op is one round of all four starts; the ratios are the figures to
// read.
func BenchmarkFootprint(b *testing.B) {
	bin, natsBin := buildBinary(b), natsServerBinary(b)
	// Per-iteration samples; the figures are their medians, which the
	// other work on a shared machine moves less than sums.
	type samples struct {
		time []time.Duration
		rss  []int64
	}
	var natsFresh, esFresh, natsRestart, esRestart samples
	add := func(s *samples) func(time.Duration, int64) {
		return func(d time.Duration, r int64) { s.time = append(s.time, d); s.rss = append(s.rss, r) }
	}
	natsReady, esReady := regexp.MustCompile(`Server is ready`), regexp.MustCompile(`earshot running`)
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		conf := filepath.Join(dir, "nats.conf")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf("listen: 127.0.0.1:-1\njetstream {store_dir: %q, sync_interval: always}\n", filepath.Join(dir, "nats"))), 0o600); err != nil {
			b.Fatal(err)
		}
		cfg := filepath.Join(dir, "earshot.yaml")
		if err := os.WriteFile(cfg, []byte("data_dir: "+filepath.Join(dir, "data")+"\nhttp: {listen: '127.0.0.1:0'}\nbrand: {terms: [ACME]}\nroutes: [{match: {}, owner: U123ABC}]\n"), 0o600); err != nil {
			b.Fatal(err)
		}
		add(&natsFresh)(startMeasured(b, natsReady, natsBin, "-c", conf))
		add(&esFresh)(startMeasured(b, esReady, bin, "run", "--config", cfg))
		add(&natsRestart)(startMeasured(b, natsReady, natsBin, "-c", conf))
		add(&esRestart)(startMeasured(b, esReady, bin, "run", "--config", cfg))
	}
	ms := func(s samples) float64 { return float64(median(s.time)) / 1e6 }
	mib := func(s samples) float64 { return float64(median(s.rss)) / (1 << 20) }
	b.ReportMetric(ms(natsFresh), "nats-start-ms")
	b.ReportMetric(ms(esFresh), "earshot-start-ms")
	b.ReportMetric(ms(natsRestart), "nats-restart-ms")
	b.ReportMetric(ms(esRestart), "earshot-restart-ms")
	b.ReportMetric(mib(natsRestart), "nats-rss-MiB")
	b.ReportMetric(mib(esRestart), "earshot-rss-MiB")
	b.ReportMetric(ms(esFresh)/ms(natsFresh), "start-ratio")
	b.ReportMetric(ms(esRestart)/ms(natsRestart), "restart-ratio")
	b.ReportMetric(mib(esRestart)/mib(natsRestart), "rss-ratio")
}

// median returns the median of xs (the upper one of an even count).
func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

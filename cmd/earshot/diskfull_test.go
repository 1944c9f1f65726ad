package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips when the
// test may not mount (not root, no tmpfs).
func smallDisk(t *testing.T, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a small disk here: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fillDisk writes a file that leaves about leave bytes free under dir.
func fillDisk(t *testing.T, dir string, leave int64) string {
	t.Helper()
	free, err := freeBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for n := free - leave; n > 0; n -= int64(len(chunk)) {
		if _, err := f.Write(chunk[:min(int64(len(chunk)), n)]); err != nil {
			break // full already
		}
	}
	return path
}

// TestDiskFull fills the disk under the store while critical mentions
// flow: the daemon says so clearly, stays up, and delivers everything once
// space is free again.
func TestDiskFull(t *testing.T) {
	bin := earshotBinary(t)
	disk := smallDisk(t, 64<<20)
	const total = 24
	feed, limit := growingFeed(total)
	limit.Store(3)
	defer feed.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "earshot.yaml")
	writeFile(t, cfgPath, fmt.Sprintf(`data_dir: %s
http: {listen: "off"}
store: {max_bytes: 2MiB}
brand: {terms: [ACME]}
listener: {jitter: 0s, max_backoff: 2s}
sources:
  - {name: complaints, url: "%s", every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: U123ABC, channel: "#care", respond_within: 1h}
slack: {per_channel_rate: 1000}
`, filepath.Join(disk, "data"), feed.URL))
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
	filler := fillDisk(t, disk, 0)
	limit.Store(total) // new mentions arrive while the disk is full
	defer func() {
		if t.Failed() {
			t.Log(stderr.String())
		}
	}()
	waitLine(t, stderr.lines, regexp.MustCompile(`disk under data_dir is full`), "the disk-full report")
	select {
	case err := <-done:
		t.Fatalf("daemon exited on a full disk: %v", err)
	default:
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	waitLine(t, stderr.lines, regexp.MustCompile(`store writable again`), "recovery")
	t.Logf("store writable %v after space was freed", time.Since(freed).Round(time.Millisecond))

	deadline := time.After(90 * time.Second)
	for {
		seen := map[int]bool{}
		for _, m := range alertTitle.FindAllStringSubmatch(stdout.String(), -1) {
			i, _ := strconv.Atoi(m[1])
			seen[i] = true
		}
		if len(seen) == total {
			t.Logf("%d mentions alerted, 0 lost; all delivered %v after space was freed", total, time.Since(freed).Round(time.Millisecond))
			break
		}
		select {
		case <-stdout.lines:
		case err := <-done:
			t.Fatalf("daemon exited: %v\n%s", err, stderr)
		case <-deadline:
			t.Fatalf("%d of %d alerted after the disk was freed\n%s", len(seen), total, stderr)
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

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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
	earshotBinary(t) // skips in -short before the mount
	disk := smallDisk(t, 64<<20)
	const total = 24
	feed, limit := growingFeed(total)
	defer feed.Close()
	limit.Store(3)
	es := startEarshot(t, complaintsConfig(t, t.TempDir(), feed.URL, fmt.Sprintf(`data_dir: %s
http: {listen: "off"}
store: {max_bytes: 2MiB}
listener: {jitter: 0s, max_backoff: 2s}
slack: {per_channel_rate: 1000}
`, filepath.Join(disk, "data"))))
	waitLine(t, es.stdout.lines, alertTitle, "first alert")
	filler := fillDisk(t, disk, 0)
	limit.Store(total) // new mentions arrive while the disk is full
	waitLine(t, es.stderr.lines, regexp.MustCompile(`disk under data_dir is full`), "the disk-full report")
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	waitLine(t, es.stderr.lines, regexp.MustCompile(`store writable again`), "recovery")
	t.Logf("store writable %v after space was freed", time.Since(freed).Round(time.Millisecond))
	until(t, 90*time.Second, "every mention alerted after the disk was freed", func() bool { return len(alertCounts(es)) == total }, es.stdout.changed)
	t.Logf("%d mentions alerted, 0 lost; all delivered %v after space was freed", total, time.Since(freed).Round(time.Millisecond))
	es.stop(t)
}

package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// startWatch runs a Watcher on path and returns a channel that receives once per
// reported change.
func startWatch(t *testing.T, path string) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan struct{}, 10)
	done := make(chan error, 1)
	w, err := NewWatcher(path, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- w.Run(ctx, func() { changes <- struct{}{} }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch: %v", err)
		}
	})
	return changes
}

func waitChange(t *testing.T, changes <-chan struct{}) {
	t.Helper()
	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported")
	}
}

func TestWatchRenameSave(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	if err := os.WriteFile(path, []byte("shadow: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	changes := startWatch(t, path)
	// The way editors save: write a temporary file, rename it over.
	tmp := filepath.Join(dir, ".earshot.yaml.swp")
	if err := os.WriteFile(tmp, []byte("shadow: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	waitChange(t, changes)
	// Writing in place is seen too.
	if err := os.WriteFile(path, []byte("shadow: false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitChange(t, changes)
}

func TestWatchSymlinkSwap(t *testing.T) {
	// The Kubernetes ConfigMap layout: earshot.yaml -> ..data/earshot.yaml,
	// ..data -> ..v1, swapped atomically to ..v2.
	dir := t.TempDir()
	for v, content := range map[string]string{"..v1": "shadow: false\n", "..v2": "shadow: true\n"} {
		if err := os.Mkdir(filepath.Join(dir, v), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v, "earshot.yaml"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "earshot.yaml")
	if err := os.Symlink(filepath.Join("..data", "earshot.yaml"), path); err != nil {
		t.Fatal(err)
	}
	changes := startWatch(t, path)
	if err := os.Symlink("..v2", filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	waitChange(t, changes)
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "shadow: true\n" {
		t.Fatalf("after swap read %q, %v", b, err)
	}
}

package config

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watcher reports changes of the config file. It watches the file's folder,
// not the file: editors save by writing a new file and renaming it over the
// old one, and Kubernetes swaps a symlink to a new folder; both replace the
// inode a file watch would follow.
type Watcher struct {
	path   string
	settle time.Duration
	w      *fsnotify.Watcher
	last   [32]byte
}

// NewWatcher starts watching the folder of path. Changes made after it
// returns are reported by Run. Events are debounced by settle.
func NewWatcher(path string, settle time.Duration) (*Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch config: %w", err)
	}
	dir := filepath.Dir(path)
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch config folder %s: %w", dir, err)
	}
	return &Watcher{path: path, settle: settle, w: w, last: fileSum(path)}, nil
}

// Run calls onChange whenever the file's content changes, until ctx is done.
// A change whose bytes equal the last seen content is ignored, and so is a
// moment when the file is missing (mid-swap).
func (cw *Watcher) Run(ctx context.Context, onChange func()) error {
	defer cw.w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case _, ok := <-cw.w.Events:
			if !ok {
				return nil
			}
			timer.Reset(cw.settle)
		case err, ok := <-cw.w.Errors:
			if !ok {
				return nil
			}
			return fmt.Errorf("watch config folder %s: %w", filepath.Dir(cw.path), err)
		case <-timer.C:
			if sum := fileSum(cw.path); sum != cw.last && sum != ([32]byte{}) {
				cw.last = sum
				onChange()
			}
		}
	}
}

func fileSum(path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return [32]byte{}
	}
	return sha256.Sum256(b)
}

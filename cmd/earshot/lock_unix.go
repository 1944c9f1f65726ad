//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// errStoreInUse says another process holds the embedded store.
var errStoreInUse = errors.New("store in use by another earshot process")

// lockStore takes an exclusive lock on the embedded store, so that two
// processes never run a NATS server on the same files. The lock goes away
// with the process, however it ends.
func lockStore(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "earshot.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data_dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data_dir %s: %w", dir, errStoreInUse)
		}
		return nil, fmt.Errorf("lock data_dir %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

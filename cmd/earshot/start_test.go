//go:build unix

package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exitCode waits up to timeout for the process to end by itself and returns
// its exit code.
func (p *proc) exitCode(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case err := <-p.done:
		p.err, p.exited = err, true
	case <-time.After(timeout):
		t.Fatalf("%s still running after %v", p.name, timeout)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// TestNATSListenTaken runs the daemon with nats.listen on an address another
// process holds: it must exit at once, non-zero, naming nats.listen and the
// address (it waited two minutes for a server that could never start).
func TestNATSListenTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "earshot.yaml")
	writeFile(t, path, fmt.Sprintf("data_dir: %s\nnats: {listen: %q}\nhttp: {listen: \"off\"}\nbrand: {terms: [ACME]}\n",
		filepath.Join(dir, "data"), ln.Addr()))
	p := startEarshot(t, path)
	if code := p.exitCode(t, 20*time.Second); code != exitFailed {
		t.Errorf("exit code %d, want %d", code, exitFailed)
	}
	log := p.stderr.String()
	if want := "nats.listen " + ln.Addr().String(); !strings.Contains(log, "earshot not started") || !strings.Contains(log, want) ||
		!strings.Contains(log, "address already in use") {
		t.Errorf("the log does not say that %s is taken:\n%s", want, log)
	}
}

// TestStopDuringStart stops the daemon while its embedded server recovers
// a store that never finishes loading (a stream's metadata file is a FIFO
// nobody writes to, as a stalled disk would be): SIGTERM and SIGINT end it
// at once and cleanly (they were ignored until the start gave up after two
// minutes).
func TestStopDuringStart(t *testing.T) {
	bin := earshotBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "data")
			mustOpenBroker(t, testConfig(t, "data_dir: "+data+"\n")).close()
			meta := filepath.Join(data, "jetstream", "$G", "streams", "EARSHOT_EVENTS", "meta.inf")
			if err := os.Remove(meta); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(meta, 0o600); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "earshot.yaml")
			writeFile(t, path, "data_dir: "+data+"\nhttp: {listen: \"off\"}\nlog: {level: debug}\nbrand: {terms: [ACME]}\n")
			p := startProc(t, bin, "run", "--config", path)
			waitLine(t, p.stderr.lines, regexp.MustCompile(`Starting JetStream`), "store recovery")
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.exitCode(t, 20*time.Second); code != exitOK {
				t.Errorf("exit code %d after %v during the start, want %d", code, sig, exitOK)
			}
			if log := p.stderr.String(); !strings.Contains(log, "earshot stopped during start-up") {
				t.Errorf("the log does not say that the start was stopped:\n%s", log)
			}
		})
	}
}

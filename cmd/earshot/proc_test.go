package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// proc is a process under test: the earshot binary or a nats-server.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *lineWriter
	done           chan error
	exited         bool
	err            error
}

// startProc starts bin with args. When the test ends the process is
// killed if it still runs, and its log is shown if the test failed.
func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(bin), cmd: exec.Command(bin, args...), stdout: newLineWriter(), stderr: newLineWriter(), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of %s (pid %d):\n%s", p.name, p.cmd.Process.Pid, p.stderr)
		}
	})
	return p
}

// startEarshot runs `earshot run --config cfg` and waits until it runs.
func startEarshot(t *testing.T, cfg string) *proc {
	t.Helper()
	p := startProc(t, earshotBinary(t), "run", "--config", cfg)
	return p
}

func (p *proc) wait() error {
	if !p.exited {
		p.err, p.exited = <-p.done, true
	}
	return p.err
}

// kill ends the process with SIGKILL, as a crash would.
func (p *proc) kill() {
	if !p.exited {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.wait()
	}
}

// stop sends SIGTERM and expects a clean exit within 20 s.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.err, p.exited = err, true
		if err != nil {
			t.Errorf("%s after SIGTERM: %v", p.name, err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s still running 20s after SIGTERM", p.name)
	}
}

// until waits until cond holds, checking again whenever one of the
// channels signals (a process printed, a stand-in was called); it fails
// after timeout.
func until(t *testing.T, timeout time.Duration, what string, cond func() bool, wake ...<-chan struct{}) {
	t.Helper()
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(time.After(timeout))}}
	for _, w := range wake {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(w)})
	}
	for !cond() {
		if i, _, _ := reflect.Select(cases); i == 0 {
			t.Fatalf("no %s within %v", what, timeout)
		}
	}
}

// alertCounts counts, per complaint number, the alerts the processes
// printed on the console.
func alertCounts(ps ...*proc) map[int]int {
	seen := map[int]int{}
	for _, p := range ps {
		for _, m := range alertTitle.FindAllStringSubmatch(p.stdout.String(), -1) {
			i, _ := strconv.Atoi(m[1])
			seen[i]++
		}
	}
	return seen
}

// duplicateCount is how many alerts beyond the first each complaint got.
func duplicateCount(seen map[int]int) int {
	d := 0
	for _, n := range seen {
		d += max(n-1, 0)
	}
	return d
}

// complaintsConfig writes a config that polls the complaints feed at
// feedURL every second and alerts every critical mention on one route;
// top holds the lines that differ between tests (store, NATS, HTTP).
func complaintsConfig(t *testing.T, dir, feedURL, top string) string {
	t.Helper()
	path := filepath.Join(dir, "earshot.yaml")
	writeFile(t, path, top+fmt.Sprintf(`brand: {terms: [ACME]}
sources:
  - {name: complaints, url: %q, every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: U123ABC, channel: "#care", respond_within: 1h}
`, feedURL))
	return path
}

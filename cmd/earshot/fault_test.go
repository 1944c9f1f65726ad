package main

import (
	"debug/elf"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// buildOnce builds the earshot binary once per test run.
var buildOnce struct {
	sync.Once
	path string
	err  error
	out  []byte
}

func earshotBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return buildBinary(t)
}

func buildBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "earshot-bin-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "earshot")
		env, args, err := dockerBuild("../../deploy/Dockerfile", buildOnce.path)
		if err != nil {
			buildOnce.err = err
			return
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), env...)
		buildOnce.out, buildOnce.err = cmd.CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("go build: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.path
}

// dockerBuild reads the go build command of the Dockerfile at path (its
// environment and arguments, run from the repository root), so that the
// tests run the binary the image ships: static, stripped, trimmed. The
// image's version and platform variables become "test" and the host's; the
// output goes to out.
func dockerBuild(path, out string) (env, args []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	joined := strings.ReplaceAll(string(b), "\\\n", " ")
	var line string
	for l := range strings.Lines(joined) {
		if strings.HasPrefix(l, "RUN ") && strings.Contains(l, " go build ") {
			line = l
		}
	}
	if line == "" {
		return nil, nil, fmt.Errorf("%s: no RUN line with go build", path)
	}
	words, err := shellWords(line)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	vars := strings.NewReplacer("${VERSION}", "test", "${TARGETOS}", runtime.GOOS, "${TARGETARCH}", runtime.GOARCH)
	at := slices.Index(words, "go")
	if at < 0 || at+1 >= len(words) || words[at+1] != "build" {
		return nil, nil, fmt.Errorf("%s: go build not found in %q", path, line)
	}
	for _, w := range words[1:at] {
		if k, _, ok := strings.Cut(w, "="); ok && !strings.HasPrefix(w, "--") && strings.ToUpper(k) == k {
			env = append(env, vars.Replace(w))
		}
	}
	for i := at + 1; i < len(words); i++ {
		if words[i] == "-o" {
			args = append(args, "-o", out)
			i++
			continue
		}
		args = append(args, vars.Replace(words[i]))
	}
	return env, args, nil
}

// shellWords splits a shell command line into words, honouring double
// and single quotes (enough for a Dockerfile's RUN line).
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if in {
		words = append(words, w.String())
	}
	return words, nil
}

// growingFeed serves an RSS feed of complaints that grows by three items
// per request, up to total: a stream of critical mentions. The returned
// limit, when set above zero, holds the feed at that many items.
func growingFeed(total int) (*httptest.Server, *atomic.Int64) {
	var n, limit atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		k := min(3*int(n.Add(1)), total)
		if l := int(limit.Load()); l > 0 {
			k = min(k, l)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>complaints</title>`)
		for i := 1; i <= k; i++ {
			fmt.Fprintf(w, `<item><title>ACME order item-%d still not delivered</title><guid>item-%d</guid>
<link>https://example.com/complaints/%d</link><description>Paid weeks ago, ACME order item-%d still not delivered, support ignores me. Never again!</description>
<pubDate>Tue, 24 Nov 2026 10:%02d:00 GMT</pubDate></item>`, i, i, i, i, i%60)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	return srv, &limit
}

var alertTitle = regexp.MustCompile(`title:\s+ACME order item-(\d+) still not delivered`)

// TestKillNine kills the daemon with SIGKILL at random points while
// critical mentions flow, restarts it on the same store, and checks that
// every mention is alerted, with at most one duplicate per crash.
func TestKillNine(t *testing.T) {
	const total, crashes = 24, 4
	feed, _ := growingFeed(total)
	defer feed.Close()
	dir := t.TempDir()
	cfg := complaintsConfig(t, dir, feed.URL, fmt.Sprintf(`data_dir: %s
http: {listen: "off"}
listener: {jitter: 0s}
slack: {per_channel_rate: 1000}
`, filepath.Join(dir, "data")))

	rng := rand.New(rand.NewPCG(1, 2))
	var runs []*proc
	for c := 0; c < crashes; c++ {
		p := startEarshot(t, cfg)
		runs = append(runs, p)
		// Crash after a random number of alerts of this run (1..4).
		k := 1 + rng.IntN(4)
		until(t, 60*time.Second, fmt.Sprintf("%d alerts in run %d", k, c), func() bool {
			n := 0
			for _, c := range alertCounts(p) {
				n += c
			}
			return n >= k
		}, p.stdout.changed)
		p.kill()
	}
	// The last run delivers the rest, then stops cleanly.
	last := startEarshot(t, cfg)
	runs = append(runs, last)
	start := time.Now()
	until(t, 90*time.Second, "every mention alerted", func() bool { return len(alertCounts(runs...)) == total }, last.stdout.changed)
	deliveredIn := time.Since(start)
	last.stop(t)
	seen := alertCounts(runs...)
	dups := duplicateCount(seen)
	t.Logf("%d mentions, %d crashes: 0 lost, %d duplicate alerts; the last restart delivered the rest in %v",
		total, crashes, dups, deliveredIn.Round(time.Millisecond))
	if dups > crashes {
		t.Errorf("%d duplicate alerts after %d crashes, want at most one per crash; seen %v", dups, crashes, seen)
	}
}

// TestBinaryIsTheImages checks that the fault suite runs the binary the
// container image ships: built with the Dockerfile's flags, so static (no
// program interpreter), with the version set through -ldflags.
func TestBinaryIsTheImages(t *testing.T) {
	bin := earshotBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Skipf("not an ELF binary: %v", err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: not the static binary the image ships", bin)
		}
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test") {
		t.Errorf("earshot version = %q, %v; want the version the Dockerfile's -ldflags set (test)", out, err)
	}
}

func TestShellWords(t *testing.T) {
	for in, want := range map[string][]string{
		`go build -ldflags "-s -w -X main.version=${VERSION}" -o /out/earshot ./cmd/earshot`: {"go", "build", "-ldflags", "-s -w -X main.version=${VERSION}", "-o", "/out/earshot", "./cmd/earshot"},
		`RUN  A=1   'b c'd`: {"RUN", "A=1", "b cd"},
		``:                  nil,
	} {
		got, err := shellWords(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := shellWords(`a "b`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/earshot/earshot/mention"
)

// lineWriter is an io.Writer that hands every complete line to a channel,
// so a test can wait for a line instead of sleeping.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	all   bytes.Buffer
	lines chan string
	// changed signals every write, for waiters that look at all of it.
	changed chan struct{}
}

func newLineWriter() *lineWriter {
	return &lineWriter{lines: make(chan string, 1000), changed: make(chan struct{}, 1)}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.buf.Write(p)
	select {
	case w.changed <- struct{}{}:
	default:
	}
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		select {
		case w.lines <- strings.TrimRight(line, "\n"):
		default: // nobody is waiting for this many lines
		}
	}
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// waitLine waits for a line matching re and returns it.
func waitLine(t *testing.T, lines <-chan string, re *regexp.Regexp, what string) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l := <-lines:
			if re.MatchString(l) {
				return l
			}
		case <-deadline:
			t.Fatalf("no %s within 60s", what)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

const e2eFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>Lumora is great</title><guid>praise-1</guid><link>https://example.com/praise</link>
<description>I love my new Lumora vacuum, fast delivery and friendly support. Highly recommended!</description>
<pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Lumora order still not delivered</title><guid>complaint-1</guid><link>https://example.com/complaint</link>
<description>Paid three weeks ago and my Lumora order is still not delivered. Support ignores my emails. Never again!</description>
<pubDate>Tue, 24 Nov 2026 11:00:00 GMT</pubDate></item>
</channel></rss>
`

// TestEndToEnd runs the daemon in process on a feed with one complaint and
// one praise: the complaint goes through listener, classifier and workflow
// to the console notifier, the praise does not.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "feed.xml"), []byte(e2eFeed), 0o600); err != nil {
		t.Fatal(err)
	}
	natsAddr := freePort(t)
	cfgPath := filepath.Join(dir, "earshot.yaml")
	cfg := fmt.Sprintf(`data_dir: %s
nats: {listen: "%s"}
http: {listen: "127.0.0.1:0"}
brand: {terms: [Lumora]}
listener: {jitter: 0s}
sources:
  - {name: feed, url: "file:feed.xml", every: 1s, alert_backlog: true}
routes:
  - {match: {}, owner: anna@lumora.example, channel: "#care", respond_within: 1h, guideline: general}
guidelines:
  general: {summary: "Thank, answer as a person."}
slack: {signing_secret: "8f742231b10e8888abcd99yyyzzz85a5"}
`, filepath.Join(dir, "data"), natsAddr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, []string{"run", "--config", cfgPath}, strings.NewReader(""), stdout, stderr) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if code := <-exit; code != exitOK {
			t.Errorf("exit code %d, want 0; stderr:\n%s", code, stderr)
		}
	}
	defer stop()

	started := waitLine(t, stderr.lines, regexp.MustCompile(`earshot running`), "start")
	httpAddr := regexp.MustCompile(`http=(\S+)`).FindStringSubmatch(started)[1]
	// Slack interactions are served on http.listen and refuse unsigned requests.
	resp, err := http.Post("http://"+httpAddr+"/slack/interactions", "application/x-www-form-urlencoded", strings.NewReader("payload=%7B%7D"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned POST /slack/interactions = %d, want 401", resp.StatusCode)
	}
	nc, err := nats.Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// Read the verdicts from the stream, which holds them even if they were
	// published before this subscription started.
	got := map[string]bool{}
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	replay, err := js.SubscribeSync(mention.VerdictsPrefix+">", nats.DeliverAll(), nats.AckNone())
	if err != nil {
		t.Fatal(err)
	}
	defer replay.Unsubscribe()
	for len(got) < 2 {
		msg, err := replay.NextMsg(60 * time.Second)
		if err != nil {
			t.Fatalf("waiting for verdicts: %v (have %v)\nstderr:\n%s", err, got, stderr)
		}
		v, err := mention.DecodeVerdict(msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		got[v.Mention.Title] = v.Criticism
	}
	if !got["Lumora order still not delivered"] || got["Lumora is great"] {
		t.Errorf("verdicts = %v, want only the complaint flagged", got)
	}
	waitLine(t, stdout.lines, regexp.MustCompile(`Lumora order still not delivered`), "alert on the console")
	if out := stdout.String(); strings.Contains(out, "Lumora is great") {
		t.Errorf("praise alerted:\n%s", out)
	}
	waitLine(t, stderr.lines, regexp.MustCompile(`alert sent`), "delivery record")
	nc.Close()
	stop()

	// The report reads the store the daemon left behind.
	out := filepath.Join(dir, "report")
	code, rstdout, rstderr := runCLI(t, "", "report", "--config", cfgPath, "--since", "1d", "--out", out)
	if code != exitOK {
		t.Fatalf("report: exit %d\n%s%s", code, rstdout, rstderr)
	}
	summary, err := os.ReadFile(filepath.Join(out, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Mentions | 2 |", "| Critical mentions | 1 |", "| Cases opened | 1 |"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary.md does not contain %q:\n%s", want, summary)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "mentions.png")); err != nil {
		t.Errorf("no chart: %v", err)
	}
}

// TestBinaryDemo builds the real binary, runs the bundled demo, waits for
// alerts on the terminal and their count in /metrics, then stops it with
// SIGTERM and expects exit code 0 within a few seconds.
func TestBinaryDemo(t *testing.T) {
	bin := earshotBinary(t)
	cmd := exec.Command(bin, "run", "--config", filepath.Join("..", "..", "deploy", "examples", "demo.yaml"))
	cmd.Env = append(os.Environ(), "EARSHOT_DATA_DIR="+t.TempDir(), "EARSHOT_HTTP_LISTEN=127.0.0.1:0",
		"EARSHOT_SLACK_BOT_TOKEN=", "EARSHOT_SLACK_APP_TOKEN=", "EARSHOT_SLACK_SIGNING_SECRET=")
	stdout, stderr := newLineWriter(), newLineWriter()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-waited
		}
	}()

	started := waitLine(t, stderr.lines, regexp.MustCompile(`earshot running`), "start")
	addr := regexp.MustCompile(`http=(\S+)`).FindStringSubmatch(started)
	if addr == nil {
		t.Fatalf("no http address in %q", started)
	}
	waitLine(t, stdout.lines, regexp.MustCompile(`(?i)still not delivered`), "demo alert")
	// The counter follows the log line that records the delivery.
	waitLine(t, stderr.lines, regexp.MustCompile(`alert sent`), "delivery record")
	if !regexp.MustCompile(`(?i)slack (is )?not configured`).MatchString(stderr.String()) {
		t.Errorf("the log does not say Slack is not configured:\n%s", stderr)
	}

	resp, err := http.Get("http://" + addr[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkExposition(t, body)
	m := regexp.MustCompile(`(?m)^earshot_alerts_sent_total(?:\{[^}]*\})? (\d+)`).FindAllSubmatch(body, -1)
	sent := 0
	for _, x := range m {
		n, _ := strconv.Atoi(string(x[1]))
		sent += n
	}
	if sent < 1 {
		t.Errorf("earshot_alerts_sent_total = %d after an alert was printed", sent)
	}
	for _, series := range []string{`earshot_stream_messages{stream="EARSHOT_MENTIONS"}`, `earshot_consumer_pending_messages{stage="classifier"}`,
		`earshot_consumer_ack_pending_messages{stage="workflow"}`, `earshot_mentions_published_total{source="reviews"}`, `earshot_verdicts_total{criticism="true"}`} {
		if !strings.Contains(string(body), series) {
			t.Errorf("/metrics has no %s", series)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s = %d, want 200", path, resp.StatusCode)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLine(t, stderr.lines, regexp.MustCompile(`config reloaded.*trigger=SIGHUP`), "reload on SIGHUP")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("after SIGTERM: %v\nstderr:\n%s", err, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM\nstderr:\n%s", stderr)
	}
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "level=ERROR") {
			t.Errorf("error logged: %s", sc.Text())
		}
	}
}

// exposedLine is a series and its value in the text exposition format.
var exposedLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",? ?)*\})? [-+0-9.eEInfNa]+$`)

// checkExposition checks /metrics' body line by line: comments, or a
// series and a number; at most one TYPE line per metric.
func checkExposition(t *testing.T, body []byte) {
	t.Helper()
	typed := map[string]bool{}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSuffix(line, "\n")
		if name, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, _, _ = strings.Cut(name, " ")
			if typed[name] {
				t.Errorf("/metrics: a second TYPE line for %s", name)
			}
			typed[name] = true
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			// Every series says what it counts (promtool lint), the
			// runtime's and the process's too.
			if name, help, _ := strings.Cut(rest, " "); help == "" {
				t.Errorf("/metrics: no help text for %s", name)
			}
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if !exposedLine.MatchString(line) {
			t.Errorf("/metrics: not a series and a value: %q", line)
		}
	}
	if len(typed) == 0 {
		t.Error("/metrics has no TYPE lines")
	}
}

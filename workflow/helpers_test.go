package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/slack-go/slack/slacktest"
	"go.uber.org/goleak"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// jsEnv is an embedded JetStream server with the workflow's streams and
// cases bucket, as the lead's wiring creates them.
type jsEnv struct {
	js    jetstream.JetStream
	cases jetstream.KeyValue
}

func startJS(t testing.TB) *jsEnv {
	t.Helper()
	s, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(s))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nc.Close()
		s.Shutdown()
		s.WaitForShutdown()
	})
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, subj := range map[string]string{mention.VerdictsStream: mention.VerdictsPrefix + ">", mention.EventsStream: mention.EventsPrefix + ">"} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subj}, Storage: jetstream.FileStorage}); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: mention.CasesBucket, Storage: jetstream.FileStorage, History: 5})
	if err != nil {
		t.Fatal(err)
	}
	return &jsEnv{js: js, cases: kv}
}

func (e *jsEnv) publish(t *testing.T, v mention.Verdict) {
	t.Helper()
	b, err := v.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.Publish(context.Background(), mention.VerdictSubject(v.Topic()), b); err != nil {
		t.Fatal(err)
	}
}

// testConfig is a small config with a delivery route, a catch-all and
// their guidelines.
func testConfig() *config.Config {
	return &config.Config{
		Routes: []config.Route{
			{Name: "delivery", Match: config.Match{Topic: config.StringList{"delivery"}}, Owner: "anna@acme.de",
				Deputy: "ben@acme.de", EscalateTo: "UBOSS", Channel: "#social-care",
				RespondWithin: config.Duration(2 * time.Hour), RemindBefore: config.Duration(30 * time.Minute), Guideline: "delivery"},
			{Name: "general", Owner: "anna@acme.de", Channel: "#social-care", RespondWithin: config.Duration(4 * time.Hour), Guideline: "general"},
		},
		Guidelines: map[string]config.Guideline{
			"delivery": {
				Summary: "Apologise, ask for the order number by direct message, never promise a date.",
				Steps:   []string{"Reply in public within 2 hours, with your first name.", "Move details to a direct message."},
				Template: "Hallo {{.Author}}, das tut uns leid. Schreib uns bitte deine Bestellnummer per DM,\n" +
					"dann kümmere ich mich persönlich darum. Viele Grüße, {{.Owner}}",
				Do:   []string{"Use your first name."},
				Dont: []string{"Promise a delivery date."},
			},
			"general": {Summary: "Thank, answer as a person, no marketing phrases."},
		},
		Slack: config.Slack{PerChannelRate: 1, AdminChannel: "#earshot-admin"},
	}
}

var testTime = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC) // a Tuesday

// complaint returns a critical delivery verdict with the cue spans set.
func complaint(id string) mention.Verdict {
	title := "ACME Lieferung"
	text := "Mein Paket von ACME ist seit zwei Wochen nicht angekommen!"
	body := title + "\n" + text
	cue := strings.Index(body, "nicht angekommen")
	return mention.Verdict{
		Mention: mention.Mention{ID: id, Source: "google-news-de", URL: "https://example.com/post/" + id,
			Title: title, Text: text, Author: "Kim", Published: testTime, FirstSeen: testTime.Add(5 * time.Minute), Lang: "de"},
		Criticism: true, Score: 2, Severity: mention.SeverityHigh, Topics: []string{"delivery"}, Lang: "de",
		Rules: []mention.Match{{Rule: "lieferprobleme", Topic: "delivery", Criticism: true, Weight: 2,
			Spans: []mention.Span{{Start: cue, End: cue + len("nicht angekommen")}}}},
		Classified: testTime,
	}
}

func praise(id string) mention.Verdict {
	return mention.Verdict{
		Mention:   mention.Mention{ID: id, Source: "google-news-de", Title: "ACME ist super", Text: "Schneller Versand!"},
		Criticism: false, Topics: []string{"delivery"},
	}
}

// signal is a buffer that tells waiters about every write.
type signal struct {
	mu  sync.Mutex
	buf bytes.Buffer
	ch  chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{}, 1)} }

func (s *signal) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	return s.buf.Write(p)
}

func (s *signal) notify() {
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

func (s *signal) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until cond holds, re-checking whenever ch signals, and
// fails after timeout.
func waitFor(t *testing.T, ch <-chan struct{}, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// post is one message the Slack stand-in received.
type post struct {
	Method   string
	Channel  string
	TS       string
	ThreadTS string
	Text     string
	Blocks   string
	Values   url.Values
}

// fakeSlack is the Slack Web API stand-in: slacktest's server with our own
// handlers for chat.postMessage, chat.update and users.lookupByEmail, and
// a hook that can answer with errors.
type fakeSlack struct {
	srv *slacktest.Server
	mu  sync.Mutex
	// posts are the successful calls, in order.
	posts []post
	calls int
	// fail, when set, may answer a chat.* call instead of the handler.
	fail    func(call int, values url.Values, w http.ResponseWriter) bool
	users   map[string]string // e-mail -> user ID
	lookups int
	seq     int
	changed chan struct{}
	// socket, when set, serves the Socket Mode websocket that
	// apps.connections.open points to.
	socket http.HandlerFunc
}

var channelIDs = map[string]string{"#social-care": "CSOCIAL", "#earshot-admin": "CADMIN"}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{users: map[string]string{"anna@acme.de": "UANNA", "ben@acme.de": "UBEN"}, changed: make(chan struct{}, 1)}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.chat("chat.postMessage"))
		c.Handle("/chat.update", f.chat("chat.update"))
		c.Handle("/users.lookupByEmail", f.lookup)
		c.Handle("/chat.postEphemeral", f.chat("chat.postEphemeral"))
		c.Handle("/views.open", f.viewsOpen)
		c.Handle("/apps.connections.open", f.connectionsOpen)
		c.Handle("/socket", func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			h := f.socket
			f.mu.Unlock()
			if h == nil {
				http.NotFound(w, r)
				return
			}
			h(w, r)
		})
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

func (f *fakeSlack) url() string { return f.srv.GetAPIURL() }

func (f *fakeSlack) chat(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		vals, _ := url.ParseQuery(string(body))
		f.mu.Lock()
		defer f.mu.Unlock()
		defer func() {
			select {
			case f.changed <- struct{}{}:
			default:
			}
		}()
		f.calls++
		if f.fail != nil && f.fail(f.calls, vals, w) {
			return
		}
		ch := vals.Get("channel")
		if id, ok := channelIDs[ch]; ok {
			ch = id
		}
		ts := vals.Get("ts")
		if method == "chat.postMessage" {
			f.seq++
			ts = fmt.Sprintf("1700000000.%06d", f.seq)
		}
		f.posts = append(f.posts, post{Method: method, Channel: ch, TS: ts, ThreadTS: vals.Get("thread_ts"),
			Text: vals.Get("text"), Blocks: vals.Get("blocks"), Values: vals})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": ch, "ts": ts})
	}
}

// viewsOpen records a views.open call (a JSON body) as a post with the
// trigger ID in TS and the view in Blocks.
func (f *fakeSlack) viewsOpen(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TriggerID string          `json:"trigger_id"`
		View      json.RawMessage `json:"view"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	f.posts = append(f.posts, post{Method: "views.open", TS: req.TriggerID, Blocks: string(req.View)})
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "view": map[string]any{"id": "V1"}})
}

// connectionsOpen answers apps.connections.open with the stand-in's
// websocket URL.
func (f *fakeSlack) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	u := strings.Replace(f.srv.GetAPIURL(), "http://", "ws://", 1)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": strings.TrimSuffix(u, "/") + "/socket"})
}

// calls returns the successful calls of one method.
func (f *fakeSlack) method(name string) []post {
	var out []post
	for _, p := range f.snapshot() {
		if p.Method == name {
			out = append(out, p)
		}
	}
	return out
}

func (f *fakeSlack) lookup(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.lookups++
	id, ok := f.users[r.Form.Get("email")]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "users_not_found"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": map[string]any{
		"id": id, "name": strings.ToLower(id), "real_name": "Anna Schmidt",
		"profile": map[string]any{"first_name": strings.TrimPrefix(strings.ToLower(id), "u"), "real_name": "Anna Schmidt"}}})
}

// snapshot returns the successful calls so far.
func (f *fakeSlack) snapshot() []post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]post(nil), f.posts...)
}

// runWorkflow runs w until the test ends and checks that Run returns nil.
func runWorkflow(t *testing.T, w *Workflow) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitCase waits, through a KV watch, until the stored case id satisfies cond.
func (e *jsEnv) waitCase(t *testing.T, id string, cond func(c *Case) bool) *Case {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	w, err := e.cases.Watch(ctx, casePrefix+id)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for case %s", id)
		case entry := <-w.Updates():
			if entry == nil {
				continue // end of the initial values
			}
			var c Case
			if err := json.Unmarshal(entry.Value(), &c); err != nil {
				t.Fatal(err)
			}
			if cond(&c) {
				return &c
			}
		}
	}
}

// waitGone waits, through a KV watch, until key is deleted or absent.
func (e *jsEnv) waitGone(t *testing.T, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	w, err := e.cases.Watch(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	present := false
	for {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s to go", key)
		case entry := <-w.Updates():
			switch {
			case entry == nil && !present:
				return // absent when the watch began
			case entry == nil:
			case entry.Operation() != jetstream.KeyValuePut:
				return
			default:
				present = true
			}
		}
	}
}

// refuseChannel makes f answer every post to channel with the terminal
// Slack error code, as Slack does for a channel that is misspelt
// (channel_not_found) or that the bot was not invited to.
func refuseChannel(f *fakeSlack, channel, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = func(_ int, v url.Values, w http.ResponseWriter) bool {
		if v.Get("channel") != channel {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":false,"error":%q}`, code)
		return true
	}
}

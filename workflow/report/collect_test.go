package report

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
	"github.com/earshot/earshot/workflow"
)

// natsStore is an embedded NATS server with JetStream on a store dir and a
// client connected in process, with earshot's streams and cases bucket.
type natsStore struct {
	srv   *server.Server
	nc    *nats.Conn
	js    jetstream.JetStream
	cases jetstream.KeyValue
}

// startNATS starts the server; with create it also creates the streams
// and the bucket, as the daemon does.
func startNATS(t *testing.T, dir string, create bool) *natsStore {
	t.Helper()
	srv, err := server.NewServer(&server.Options{JetStream: true, StoreDir: dir, DontListen: true, NoSigs: true})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s := &natsStore{srv: srv, nc: nc, js: js}
	t.Cleanup(s.stop)
	if !create {
		return s
	}
	ctx := t.Context()
	for name, subj := range map[string]string{mention.VerdictsStream: mention.VerdictsPrefix + ">", mention.EventsStream: mention.EventsPrefix + ">"} {
		if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subj}, Storage: jetstream.FileStorage}); err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
	}
	s.cases, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: mention.CasesBucket, History: 5, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatalf("cases bucket: %v", err)
	}
	return s
}

// stop closes the client and shuts the server down; it may run twice.
func (s *natsStore) stop() {
	s.nc.Close()
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}

func (s *natsStore) store() Store { return Store{JS: s.js, Cases: s.cases} }

func publishVerdicts(t *testing.T, js jetstream.JetStream, vs ...mention.Verdict) {
	t.Helper()
	for _, v := range vs {
		b, err := v.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := js.Publish(t.Context(), mention.VerdictSubject(v.Topic()), b); err != nil {
			t.Fatalf("publish verdict: %v", err)
		}
	}
}

func putCase(t *testing.T, kv jetstream.KeyValue, c workflow.Case) {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), "case."+c.ID, b); err != nil {
		t.Fatalf("put case: %v", err)
	}
}

// fillStore writes 10 verdicts, health events among other events, an
// undecodable verdict, and cases (one deleted, one foreign key).
func fillStore(t *testing.T, s *natsStore) {
	t.Helper()
	now := time.Now()
	for i := range 10 {
		topic := []string{"delivery", "service"}[i%2]
		publishVerdicts(t, s.js, verdict(vspec{at: now, source: "reddit", author: "u/kim", title: "t", topic: topic, critical: i%3 == 0, score: 1, rules: []string{"r1"}}))
	}
	if _, err := s.js.Publish(t.Context(), mention.VerdictsPrefix+"junk", []byte(`{"v":99}`)); err != nil {
		t.Fatal(err)
	}
	for i, st := range []mention.HealthState{mention.HealthFailing, mention.HealthUp} {
		b, _ := mention.SourceHealth{Source: "reddit", State: st, Changed: now.Add(time.Duration(i) * time.Second)}.Encode()
		if _, err := s.js.Publish(t.Context(), mention.HealthSubject, b); err != nil {
			t.Fatal(err)
		}
		if _, err := s.js.Publish(t.Context(), mention.EventsPrefix+"other", []byte(`{"v":1,"something":"else"}`)); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range []string{"a1", "a2", "a3"} {
		putCase(t, s.cases, kase(cspec{id: id, route: "delivery", owner: "U1", created: now.Add(-time.Duration(i) * time.Minute),
			v: vspec{at: now, source: "reddit", topic: "delivery", critical: true, rules: []string{"r1"}}}))
	}
	putCase(t, s.cases, kase(cspec{id: "gone", route: "delivery", owner: "U1", created: now}))
	if err := s.cases.Delete(t.Context(), "case.gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.cases.Put(t.Context(), "incident.x", []byte(`not a case`)); err != nil {
		t.Fatal(err)
	}
}

func TestCollect(t *testing.T) {
	s := startNATS(t, t.TempDir(), true)
	fillStore(t, s)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()

	// Everything, to learn the stored timestamps.
	all, err := Collect(ctx, s.store(), time.Now().Add(-time.Hour), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Verdicts) != 10 || all.Skipped != 1 {
		t.Fatalf("verdicts = %d, skipped = %d; want 10 and 1", len(all.Verdicts), all.Skipped)
	}
	if len(all.Cases) != 3 {
		t.Errorf("cases = %d, want 3 (deleted and foreign keys left out)", len(all.Cases))
	}
	if len(all.Health) != 2 || all.Health[1].State != mention.HealthUp {
		t.Errorf("health = %+v, want failing then up", all.Health)
	}

	// The period [At of the 6th, At of the 9th) holds the 6th to 8th
	// verdict; the previous period of equal length ends at the 6th.
	from, to := all.Verdicts[5].At, all.Verdicts[8].At
	d, err := Collect(ctx, s.store(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !d.PrevFrom.Equal(from.Add(-to.Sub(from))) {
		t.Errorf("prev from = %v, want %v", d.PrevFrom, from.Add(-to.Sub(from)))
	}
	var wantCur, wantPrev int
	for _, v := range all.Verdicts {
		switch {
		case !v.At.Before(from) && v.At.Before(to):
			wantCur++
		case !v.At.Before(d.PrevFrom) && v.At.Before(from):
			wantPrev++
		}
	}
	if wantCur < 3 {
		t.Fatalf("fixture: %d verdicts in the period, want at least 3", wantCur)
	}
	if got := len(d.Verdicts); got != wantCur+wantPrev {
		t.Errorf("collected %d verdicts, want %d in the period and %d before", got, wantCur, wantPrev)
	}
	for _, v := range d.Verdicts {
		if v.At.Before(d.PrevFrom) || !v.At.Before(to) {
			t.Errorf("verdict %d at %v outside [%v, %v)", v.Seq, v.At, d.PrevFrom, to)
		}
	}
	r := Compute(d, fixtureConfig(), from, to, time.UTC)
	if r.Current.Mentions != wantCur || r.Previous.Mentions != wantPrev {
		t.Errorf("report mentions = %d (previous %d), want %d (%d)", r.Current.Mentions, r.Previous.Mentions, wantCur, wantPrev)
	}
}

// TestCollectEmpty checks that Collect returns at once, without waiting
// for messages, when nothing is stored in the period or at all.
func TestCollectEmpty(t *testing.T) {
	s := startNATS(t, t.TempDir(), true)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	d, err := Collect(ctx, s.store(), time.Now().Add(-time.Hour), time.Now())
	if err != nil || len(d.Verdicts)+len(d.Cases)+len(d.Health) != 0 {
		t.Fatalf("empty store: %+v, %v", d, err)
	}
	fillStore(t, s)
	later := time.Now().Add(time.Hour)
	d, err = Collect(ctx, s.store(), later, later.Add(time.Hour))
	if err != nil || len(d.Verdicts) != 0 {
		t.Fatalf("period after the last message: %d verdicts, %v", len(d.Verdicts), err)
	}
	if len(d.Cases) != 3 {
		t.Errorf("cases = %d, want the 3 created before the period's end", len(d.Cases))
	}
	d, err = Collect(ctx, Store{JS: s.js}, time.Now().Add(-time.Hour), later)
	if err != nil || len(d.Cases) != 3 {
		t.Errorf("without a bucket handle: %d cases, %v; want 3", len(d.Cases), err)
	}
	if _, err := Collect(ctx, s.store(), later, later); err == nil {
		t.Error("empty period: no error")
	}
}

// TestCollectAfterRestart reads a store written by one server instance
// after starting another on the same store dir, as `earshot report` reads
// what the daemon wrote.
func TestCollectAfterRestart(t *testing.T) {
	dir := t.TempDir()
	first := startNATS(t, dir, true)
	fillStore(t, first)
	first.stop()

	s := startNATS(t, dir, false)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	d, err := Collect(ctx, Store{JS: s.js}, time.Now().Add(-time.Hour), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Verdicts) != 10 || len(d.Cases) != 3 || len(d.Health) != 2 {
		t.Errorf("after restart: %d verdicts, %d cases, %d health events; want 10, 3, 2", len(d.Verdicts), len(d.Cases), len(d.Health))
	}
}

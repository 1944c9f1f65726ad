package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

func testConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "earshot.yaml"), []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// mustOpenBroker opens the broker of cfg (quietly), or fails the test.
func mustOpenBroker(t *testing.T, cfg *config.Config) *broker {
	t.Helper()
	b, err := openBroker(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEmbeddedRestartKeepsData starts the embedded server, stores a message
// and a KV entry, stops it, starts it again on the same store and finds both.
func TestEmbeddedRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, "data_dir: "+dir+"\n")
	ctx := context.Background()

	b := mustOpenBroker(t, cfg)
	if err := b.ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	m := mention.Mention{ID: "feed:1", Source: "feed", Title: "kept"}
	data, _ := m.Encode()
	if _, err := b.js.Publish(ctx, mention.MentionSubject("feed"), data, jetstream.WithMsgID(m.ID)); err != nil {
		t.Fatal(err)
	}
	// A republish with the same ID inside the duplicate window is dropped.
	ack, err := b.js.Publish(ctx, mention.MentionSubject("feed"), data, jetstream.WithMsgID(m.ID))
	if err != nil || !ack.Duplicate {
		t.Fatalf("republish: ack %+v, err %v; want a duplicate", ack, err)
	}
	if _, err := b.seen.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	b.close()

	// Start again: ensure is idempotent and the data is still there.
	b = mustOpenBroker(t, cfg)
	defer b.close()
	s, err := b.js.Stream(ctx, mention.MentionsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.State.Msgs, uint64(1); got != want {
		t.Errorf("messages after restart = %d, want %d", got, want)
	}
	if got, want := info.Config.MaxAge, config.DefaultRetention.D(); got != want {
		t.Errorf("retention = %v, want %v", got, want)
	}
	if info.Config.Duplicates < 10*time.Minute {
		t.Errorf("duplicate window %v shorter than 10m", info.Config.Duplicates)
	}
	e, err := b.seen.Get(ctx, "k")
	if err != nil || string(e.Value()) != "v" {
		t.Errorf("kv after restart: %v, %v", e, err)
	}
}

// TestStreamLimitsFollowConfig checks that the duplicate window outlasts the
// longest poll interval and that a changed limit is applied on the next start.
func TestStreamLimitsFollowConfig(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cfg := testConfig(t, "data_dir: "+dir+"\nsources: [{name: a, url: 'https://a.example/', every: 6h}]\nstore: {retention: 30d, max_bytes: 100MiB}\n")
	b := mustOpenBroker(t, cfg)
	s, _ := b.js.Stream(ctx, mention.VerdictsStream)
	info, _ := s.Info(ctx)
	if got, want := info.Config.Duplicates, 12*time.Hour; got != want {
		t.Errorf("duplicate window = %v, want %v", got, want)
	}
	if got, want := info.Config.MaxBytes, int64(100<<20); got != want {
		t.Errorf("max bytes = %d, want %d", got, want)
	}
	b.close()

	cfg.Store.Retention = config.Duration(60 * 24 * time.Hour)
	b = mustOpenBroker(t, cfg)
	defer b.close()
	s, _ = b.js.Stream(ctx, mention.VerdictsStream)
	info, _ = s.Info(ctx)
	if got, want := info.Config.MaxAge, 60*24*time.Hour; got != want {
		t.Errorf("updated retention = %v, want %v", got, want)
	}
}

// TestEnsureWritesOnlyChanges checks that starting on streams and buckets
// that are as configured writes nothing (a restart's fast path), that a
// changed setting is written, and that buckets made by nats.go's own
// CreateKeyValue (what earlier versions did) are taken as they are.
func TestEnsureWritesOnlyChanges(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t, "data_dir: "+t.TempDir()+"\n")
	b := mustOpenBroker(t, cfg)
	defer b.close()
	want := streamConfigs(cfg)
	for _, kc := range bucketConfigs(cfg) {
		want = append(want, kvStream(kc))
	}
	for _, sc := range want {
		if _, wrote, err := b.ensureStream(ctx, sc); err != nil || wrote {
			t.Errorf("stream %s unchanged: wrote %v, err %v; want no write", sc.Name, wrote, err)
		}
	}

	changed := want[0]
	changed.MaxAge = 90 * 24 * time.Hour
	if _, wrote, err := b.ensureStream(ctx, changed); err != nil || !wrote {
		t.Fatalf("changed retention: wrote %v, err %v; want a write", wrote, err)
	}
	s, err := b.js.Stream(ctx, changed.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.CachedInfo().Config.MaxAge; got != changed.MaxAge {
		t.Errorf("retention after update = %v, want %v", got, changed.MaxAge)
	}
	if _, wrote, err := b.ensureStream(ctx, changed); err != nil || wrote {
		t.Errorf("second ensure after the change: wrote %v, err %v; want no write", wrote, err)
	}

	kc := jetstream.KeyValueConfig{Bucket: "legacy", Description: "made by nats.go", History: 5, TTL: time.Hour,
		MaxBytes: 1 << 20, Storage: jetstream.FileStorage, Replicas: 1}
	if _, err := b.js.CreateKeyValue(ctx, kc); err != nil {
		t.Fatal(err)
	}
	if _, wrote, err := b.ensureStream(ctx, kvStream(kc)); err != nil || wrote {
		t.Errorf("bucket made by nats.go: wrote %v, err %v; want no write", wrote, err)
	}
}

// TestStoreLock checks that a second process cannot open the same embedded
// store, and that a command reaches the running server through nats.listen.
func TestStoreLock(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := testConfig(t, "data_dir: "+dir+"\nnats: {listen: '"+freePort(t)+"'}\n")
	b, err := openBroker(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if _, err := openBroker(ctx, cfg, log); !errors.Is(err, errStoreInUse) {
		t.Fatalf("second openBroker: %v, want errStoreInUse", err)
	}
	c, err := openStore(ctx, cfg, log)
	if err != nil {
		t.Fatalf("openStore beside the daemon: %v", err)
	}
	defer c.close()
	if c.srv != nil {
		t.Error("openStore started a second server")
	}
	if err := c.ready(ctx); err != nil {
		t.Errorf("ready: %v", err)
	}
	noListen := testConfig(t, "data_dir: "+dir+"\n")
	if _, err := openStore(ctx, noListen, log); !errors.Is(err, errStoreInUse) || !strings.Contains(err.Error(), "nats.listen") {
		t.Errorf("openStore without nats.listen: %v, want a hint about nats.listen", err)
	}
}

// TestRestartRedeliversUnacknowledged: messages a run received but did not
// acknowledge (it was killed) are delivered again as soon as the next run
// starts on the store, not after the consumer's ack wait (an hour here); a
// consumer with a message acknowledged above its ack floor is left as it is.
func TestRestartRedeliversUnacknowledged(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, "data_dir: "+dir+"\n")
	ctx := context.Background()

	b := mustOpenBroker(t, cfg)
	for i := range 3 {
		m := mention.Mention{ID: fmt.Sprintf("feed:%d", i), Source: "feed"}
		data, _ := m.Encode()
		if _, err := b.js.Publish(ctx, mention.MentionSubject("feed"), data, jetstream.WithMsgID(m.ID)); err != nil {
			t.Fatal(err)
		}
	}
	consumer := func(b *broker, name string) jetstream.Consumer {
		t.Helper()
		c, err := b.js.CreateOrUpdateConsumer(ctx, mention.MentionsStream, jetstream.ConsumerConfig{
			Durable: name, AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Hour, MaxDeliver: -1,
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fetch := func(c jetstream.Consumer, n int, wait time.Duration) []jetstream.Msg {
		t.Helper()
		batch, err := c.Fetch(n, jetstream.FetchMaxWait(wait))
		if err != nil {
			t.Fatal(err)
		}
		var out []jetstream.Msg
		for m := range batch.Messages() {
			out = append(out, m)
		}
		return out
	}
	// "crashed" received all three and acknowledged none; "handled" acked
	// the third but not the first two.
	if got := len(fetch(consumer(b, "crashed"), 3, 5*time.Second)); got != 3 {
		t.Fatalf("fetched %d, want 3", got)
	}
	msgs := fetch(consumer(b, "handled"), 3, 5*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("fetched %d, want 3", len(msgs))
	}
	if err := msgs[2].DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	b.close()

	b = mustOpenBroker(t, cfg)
	defer b.close()
	// Redelivered now: with an hour's ack wait, the fetch would come back
	// empty after a minute.
	if got := len(fetch(consumer(b, "crashed"), 3, time.Minute)); got != 3 {
		t.Errorf("crashed consumer: %d redelivered at restart, want 3", got)
	}
	c := consumer(b, "handled")
	ci, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ci.NumAckPending != 2 || ci.AckFloor.Stream != 0 || ci.NumPending != 0 {
		t.Errorf("handled consumer after restart: %d pending acks, ack floor %d, %d to deliver; want it untouched (2, 0, 0)",
			ci.NumAckPending, ci.AckFloor.Stream, ci.NumPending)
	}
}

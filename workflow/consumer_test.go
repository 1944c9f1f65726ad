package workflow

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestConsumerCreatedOnceTheServerCan asks for a consumer on a stream that
// does not exist yet, as while a cluster elects its leaders: the workflow
// asks again instead of stopping, and has the consumer once the stream is
// there.
func TestConsumerCreatedOnceTheServerCan(t *testing.T) {
	env := startJS(t)
	logs := newSignal()
	w, err := New(testConfig(), Deps{JS: env.js, Cases: env.cases, Console: newSignal()}, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		c   jetstream.Consumer
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := w.consumer(ctx, "LATER", jetstream.ConsumerConfig{Durable: "later", AckPolicy: jetstream.AckExplicitPolicy})
		done <- result{c, err}
	}()
	waitFor(t, logs.ch, 10*time.Second, "a retry logged", func() bool {
		return strings.Contains(logs.String(), "consumer not created, retrying")
	})
	if _, err := env.js.CreateStream(ctx, jetstream.StreamConfig{Name: "LATER", Subjects: []string{"later.>"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || r.c == nil {
			t.Fatalf("consumer after the stream appeared: %v, %v", r.c, r.err)
		}
	case <-ctx.Done():
		t.Fatal("no consumer after the stream appeared")
	}
}

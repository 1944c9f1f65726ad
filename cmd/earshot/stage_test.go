package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/classifier"
	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// TestStageWaitsForItsStream starts the classifier stage while the
// mentions stream is missing, as while a cluster elects its leaders: the
// stage asks again for its consumer instead of stopping, and classifies
// once the stream is back.
func TestStageWaitsForItsStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := testConfig(t, "data_dir: "+t.TempDir()+"\nbrand: {terms: [ACME]}\n")
	logs := newLineWriter()
	log := slog.New(slog.NewTextHandler(logs, nil))
	b, err := openBroker(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if err := b.js.DeleteStream(ctx, mention.MentionsStream); err != nil {
		t.Fatal(err)
	}
	cls, err := classifier.New(config.Rules{Packs: []string{"de", "en"}}, cfg.Brand)
	if err != nil {
		t.Fatal(err)
	}
	stage := classifier.NewStage(b.js, cls, classifier.NewStageMetrics(nil), log)
	stopped := make(chan error, 1)
	stageCtx, stopStage := context.WithCancel(ctx)
	go func() { stopped <- stage.Run(stageCtx) }()
	waitLine(t, logs.lines, regexp.MustCompile(`consumer not created, retrying`), "a retry logged")

	if err := b.ensure(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	verdicts, err := b.js.OrderedConsumer(ctx, mention.VerdictsStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m := mention.Mention{ID: "feed:1", Source: "feed", Title: "ACME", Text: "ACME Paket seit Wochen nicht angekommen, nie wieder!"}
	data, _ := m.Encode()
	if _, err := b.js.Publish(ctx, mention.MentionSubject("feed"), data); err != nil {
		t.Fatal(err)
	}
	msg, err := verdicts.Next(jetstream.FetchMaxWait(30 * time.Second))
	if err != nil {
		t.Fatalf("no verdict once the stream was back: %v", err)
	}
	v, err := mention.DecodeVerdict(msg.Data())
	if err != nil || v.Mention.ID != m.ID || !v.Criticism {
		t.Errorf("verdict %+v, %v; want the complaint judged criticism", v, err)
	}
	stopStage()
	if err := <-stopped; err != nil {
		t.Errorf("stage stopped with %v", err)
	}
}

// TestStageSkipsAMentionThatPanics: a mention the classifier panics on
// (here a zero Classifier, which panics on every text, stands in for a bug
// that one text finds) is logged with the panic, kept in the stream and
// not redelivered; the stage goes on and classifies the next mention.
func TestStageSkipsAMentionThatPanics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := testConfig(t, "data_dir: "+t.TempDir()+"\nbrand: {terms: [ACME]}\n")
	logs := newLineWriter()
	log := slog.New(slog.NewTextHandler(logs, nil))
	b := mustOpenBroker(t, cfg)
	defer b.close()
	set := metrics.NewSet()
	stage := classifier.NewStage(b.js, &classifier.Classifier{}, classifier.NewStageMetrics(set), log)
	stopped := make(chan error, 1)
	stageCtx, stopStage := context.WithCancel(ctx)
	go func() { stopped <- stage.Run(stageCtx) }()

	publish := func(id string) {
		t.Helper()
		m := mention.Mention{ID: id, Source: "feed", Title: "ACME", Text: "ACME Paket seit Wochen nicht angekommen, nie wieder!"}
		data, _ := m.Encode()
		if _, err := b.js.Publish(ctx, mention.MentionSubject("feed"), data, jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	publish("feed:poison")
	waitLine(t, logs.lines, regexp.MustCompile(`mention not classified, not redelivered.*mention=feed:poison.*classifier panicked`), "the panic logged")

	cls, err := classifier.New(config.Rules{Packs: []string{"de", "en"}}, cfg.Brand)
	if err != nil {
		t.Fatal(err)
	}
	stage.Swap(cls)
	verdicts, err := b.js.OrderedConsumer(ctx, mention.VerdictsStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	publish("feed:next")
	msg, err := verdicts.Next(jetstream.FetchMaxWait(30 * time.Second))
	if err != nil {
		t.Fatalf("no verdict after the panic: %v", err)
	}
	if v, err := mention.DecodeVerdict(msg.Data()); err != nil || v.Mention.ID != "feed:next" {
		t.Errorf("verdict %+v, %v; want the next mention's only", v, err)
	}
	stopStage()
	if err := <-stopped; err != nil {
		t.Errorf("stage stopped with %v", err)
	}
	c, err := b.js.Consumer(ctx, mention.MentionsStream, classifier.ConsumerName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumRedelivered != 0 || info.AckFloor.Stream != 2 {
		t.Errorf("consumer: %d pending, %d redelivered, ack floor %d; want both mentions done, none redelivered", info.NumAckPending, info.NumRedelivered, info.AckFloor.Stream)
	}
	var out bytes.Buffer
	set.WritePrometheus(&out)
	if !strings.Contains(out.String(), "earshot_classifier_errors_total 1\n") {
		t.Errorf("the panic not counted:\n%s", out.String())
	}
}

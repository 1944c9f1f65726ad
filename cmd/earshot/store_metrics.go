package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot/earshot/classifier"
	"github.com/earshot/earshot/mention"
)

// storeCollector exports the state of the streams and of the stages'
// durable consumers at scrape time: how much is stored, and how far each
// stage is behind (messages not yet delivered to it, and delivered but not
// yet acknowledged). JetStream holds the truth; nothing is counted twice.
type storeCollector struct {
	b *broker

	msgs, bytes, pending, ackPending *prometheus.Desc
}

// consumers are the stages' durable consumers, by stream.
var consumers = []struct{ stream, name, stage string }{
	{mention.MentionsStream, classifier.ConsumerName, "classifier"},
	{mention.VerdictsStream, "workflow", "workflow"},
	{mention.EventsStream, "workflow_events", "workflow_events"},
}

func newStoreCollector(b *broker) *storeCollector {
	return &storeCollector{
		b:          b,
		msgs:       prometheus.NewDesc("earshot_stream_messages", "Messages stored in a stream.", []string{"stream"}, nil),
		bytes:      prometheus.NewDesc("earshot_stream_bytes", "Bytes stored in a stream.", []string{"stream"}, nil),
		pending:    prometheus.NewDesc("earshot_consumer_pending_messages", "Messages a stage has not yet received (its lag).", []string{"stage"}, nil),
		ackPending: prometheus.NewDesc("earshot_consumer_ack_pending_messages", "Messages a stage received but has not yet finished.", []string{"stage"}, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.msgs
	ch <- c.bytes
	ch <- c.pending
	ch <- c.ackPending
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, name := range []string{mention.MentionsStream, mention.VerdictsStream, mention.EventsStream} {
		s, err := c.b.js.Stream(ctx, name)
		if err != nil {
			continue // not answering now: the series is absent, /readyz says why
		}
		info := s.CachedInfo()
		ch <- prometheus.MustNewConstMetric(c.msgs, prometheus.GaugeValue, float64(info.State.Msgs), name)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(info.State.Bytes), name)
	}
	for _, cons := range consumers {
		cn, err := c.b.js.Consumer(ctx, cons.stream, cons.name)
		if err != nil {
			continue // the stage has not run yet
		}
		info := cn.CachedInfo()
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(info.NumPending), cons.stage)
		ch <- prometheus.MustNewConstMetric(c.ackPending, prometheus.GaugeValue, float64(info.NumAckPending), cons.stage)
	}
}

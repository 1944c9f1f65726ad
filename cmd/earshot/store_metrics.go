package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/earshot/earshot/classifier"
	"github.com/earshot/earshot/mention"
)

// consumers are the stages' durable consumers, by stream.
var consumers = []struct{ stream, name, stage string }{
	{mention.MentionsStream, classifier.ConsumerName, "classifier"},
	{mention.VerdictsStream, "workflow", "workflow"},
	{mention.EventsStream, "workflow_events", "workflow_events"},
}

// writeStoreMetrics writes, at scrape time, the state of the streams and of
// the stages' durable consumers: how much is stored, and how far each stage
// is behind (messages not yet delivered to it, and delivered but not yet
// acknowledged). JetStream holds the truth; nothing is counted twice.
// Its series (earshot_stream_messages and _bytes by stream,
// earshot_consumer_pending_messages and _ack_pending_messages by stage)
// are described in metricsHelp. A stream or consumer that does not answer now (or a stage that has not
// run yet) has no series; /readyz says why.
func (b *broker) writeStoreMetrics(w io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	fams := []*gaugeFamily{
		{name: "earshot_stream_messages", label: "stream"}, {name: "earshot_stream_bytes", label: "stream"},
		{name: "earshot_consumer_pending_messages", label: "stage"}, {name: "earshot_consumer_ack_pending_messages", label: "stage"},
	}
	for _, name := range []string{mention.MentionsStream, mention.VerdictsStream, mention.EventsStream} {
		s, err := b.js.Stream(ctx, name)
		if err != nil {
			continue
		}
		info := s.CachedInfo()
		fams[0].add(name, info.State.Msgs)
		fams[1].add(name, info.State.Bytes)
	}
	for _, cons := range consumers {
		cn, err := b.js.Consumer(ctx, cons.stream, cons.name)
		if err != nil {
			continue
		}
		info := cn.CachedInfo()
		fams[2].add(cons.stage, info.NumPending)
		fams[3].add(cons.stage, uint64(info.NumAckPending))
	}
	for _, f := range fams {
		f.write(w)
	}
}

// gaugeFamily is a gauge with one label whose series are written at
// scrape time. The label values are earshot's own names (streams,
// stages), which need no escaping.
type gaugeFamily struct {
	name, label string
	values      []string
	gauges      []uint64
}

func (f *gaugeFamily) add(value string, v uint64) {
	f.values = append(f.values, value)
	f.gauges = append(f.gauges, v)
}

func (f *gaugeFamily) write(w io.Writer) {
	if len(f.values) == 0 {
		return
	}
	metrics.WriteMetadataIfNeeded(w, f.name, "gauge")
	for i, v := range f.values {
		fmt.Fprintf(w, "%s{%s=\"%s\"} %d\n", f.name, f.label, v, f.gauges[i])
	}
}

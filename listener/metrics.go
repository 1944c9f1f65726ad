package listener

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the listener's Prometheus metrics. Create them once with
// NewMetrics and hand them to every Listener through Deps.
type Metrics struct {
	published    *prometheus.CounterVec
	up           *prometheus.GaugeVec
	fetches      *prometheus.CounterVec
	fetchSeconds *prometheus.HistogramVec
	parseErrors  *prometheus.CounterVec
	items        *prometheus.CounterVec
	churn        *prometheus.CounterVec
	lastSuccess  *prometheus.GaugeVec
	bytes        prometheus.Counter
}

// NewMetrics creates the listener's metrics and registers them with reg
// (nil: not registered, for tests).
//
//	earshot_mentions_published_total{source}        mentions published
//	earshot_source_up{source}                       1 while the source answers, 0 while failing or rate limited
//	earshot_listener_fetches_total{source,result}   ok, not_modified, unchanged, error, rate_limited, skipped
//	earshot_listener_fetch_duration_seconds{result} time of one fetch, body included
//	earshot_listener_parse_errors_total{source}     bodies that were not a readable feed
//	earshot_listener_items_total{source,outcome}    new, baseline, duplicate, churn, cross_source
//	earshot_listener_guid_churn_total{source}       polls in which the feed re-issued known items under new IDs
//	earshot_listener_last_success_timestamp_seconds{source}
//	earshot_listener_fetched_bytes_total            body bytes after decompression
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_mentions_published_total",
			Help: "Mentions published by the listener, by source.",
		}, []string{"source"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "earshot_source_up",
			Help: "1 while the source answers (up or stale), 0 while it fails or is rate limited.",
		}, []string{"source"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_listener_fetches_total",
			Help: "Polls of a source by result: ok, not_modified, unchanged, error, rate_limited, skipped.",
		}, []string{"source", "result"}),
		fetchSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "earshot_listener_fetch_duration_seconds",
			Help:    "Duration of one fetch including the body, by result.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"result"}),
		parseErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_listener_parse_errors_total",
			Help: "Fetched bodies that were not a readable feed, by source.",
		}, []string{"source"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_listener_items_total",
			Help: "Feed items by outcome: new, baseline, duplicate, churn, cross_source.",
		}, []string{"source", "outcome"}),
		churn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "earshot_listener_guid_churn_total",
			Help: "Polls in which a feed re-issued known items under new IDs.",
		}, []string{"source"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "earshot_listener_last_success_timestamp_seconds",
			Help: "Unix time of the last successful fetch, by source.",
		}, []string{"source"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "earshot_listener_fetched_bytes_total",
			Help: "Body bytes fetched, after decompression.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.published, m.up, m.fetches, m.fetchSeconds, m.parseErrors,
			m.items, m.churn, m.lastSuccess, m.bytes)
	}
	return m
}

// init creates the series of a new source at zero, so that dashboards and
// alerting rules see every configured source from the start (its up gauge
// appears with its first poll).
func (m *Metrics) init(source string) {
	m.published.WithLabelValues(source)
	m.parseErrors.WithLabelValues(source)
}

// forget drops the series of a removed source.
func (m *Metrics) forget(source string) {
	m.published.DeleteLabelValues(source)
	m.up.DeleteLabelValues(source)
	m.parseErrors.DeleteLabelValues(source)
	m.churn.DeleteLabelValues(source)
	m.lastSuccess.DeleteLabelValues(source)
	m.fetches.DeletePartialMatch(prometheus.Labels{"source": source})
	m.items.DeletePartialMatch(prometheus.Labels{"source": source})
}

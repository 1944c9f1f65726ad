package listener

import (
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
)

// Metrics are the listener's Prometheus metrics (MetricsHelp lists them).
// Create them once with NewMetrics and hand them to every Listener through
// Deps.
type Metrics struct {
	set   *metrics.Set
	bytes *metrics.Counter
	// sources holds the counters counted per feed item, by source name
	// (*sourceCounters), so that an item does not format and look up its
	// series' name.
	sources sync.Map
}

// sourceCounters are one source's per-item counters: published at once,
// the outcomes' as they first happen (by outcome, *metrics.Counter).
type sourceCounters struct {
	published *metrics.Counter
	items     sync.Map
}

// NewMetrics creates the listener's metrics in set (nil: a set of their
// own, for tests and one-off commands).
func NewMetrics(set *metrics.Set) *Metrics {
	if set == nil {
		set = metrics.NewSet()
	}
	return &Metrics{set: set, bytes: set.GetOrCreateCounter("earshot_listener_fetched_bytes_total")}
}

// MetricsHelp is the help text of each of the listener's metrics, as
// /metrics shows it.
var MetricsHelp = map[string]string{
	"earshot_mentions_published_total":                "Mentions published, by source.",
	"earshot_source_up":                               "1 while the source answers, 0 while it fails or is rate limited.",
	"earshot_listener_fetches_total":                  "Fetches by source and result: ok, not_modified, unchanged, error, rate_limited, skipped, other_instance.",
	"earshot_listener_fetch_duration_seconds":         "Time of one fetch, body included, by result.",
	"earshot_listener_parse_errors_total":             "Bodies that were not a readable feed, by source.",
	"earshot_listener_items_total":                    "Feed items by source and outcome: new, baseline, duplicate, churn, cross_source.",
	"earshot_listener_guid_churn_total":               "Polls in which the feed re-issued known items under new IDs, by source.",
	"earshot_listener_items_dropped_total":            "Feed items dropped because a fetch held more than max_items (the oldest), by source.",
	"earshot_listener_last_success_timestamp_seconds": "Time of the source's last successful fetch.",
	"earshot_listener_fetched_bytes_total":            "Body bytes fetched, after decompression.",
}

// fetchResults and itemOutcomes are the label values of fetches and items,
// for dropping a removed source's series.
var (
	fetchResults = []string{"ok", "not_modified", "unchanged", "error", "rate_limited", "skipped", "other_instance"}
	itemOutcomes = []string{outcomeNew, outcomeBaseline, outcomeDuplicate, outcomeChurn, outcomeCrossSource}
)

// labelValue escapes v for a label value in the text exposition format.
var labelValue = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace

func bySource(name, source string) string { return name + `{source="` + labelValue(source) + `"}` }

func (m *Metrics) published(source string) *metrics.Counter {
	if sc, ok := m.sources.Load(source); ok {
		return sc.(*sourceCounters).published
	}
	return m.set.GetOrCreateCounter(bySource("earshot_mentions_published_total", source))
}

func (m *Metrics) parseErrors(source string) *metrics.Counter {
	return m.set.GetOrCreateCounter(bySource("earshot_listener_parse_errors_total", source))
}

func (m *Metrics) churn(source string) *metrics.Counter {
	return m.set.GetOrCreateCounter(bySource("earshot_listener_guid_churn_total", source))
}

func (m *Metrics) dropped(source string) *metrics.Counter {
	return m.set.GetOrCreateCounter(bySource("earshot_listener_items_dropped_total", source))
}

func (m *Metrics) up(source string) *metrics.Gauge {
	return m.set.GetOrCreateGauge(bySource("earshot_source_up", source), nil)
}

func (m *Metrics) lastSuccess(source string) *metrics.Gauge {
	return m.set.GetOrCreateGauge(bySource("earshot_listener_last_success_timestamp_seconds", source), nil)
}

func fetchSeries(source, result string) string {
	return `earshot_listener_fetches_total{source="` + labelValue(source) + `",result="` + result + `"}`
}

func (m *Metrics) fetches(source, result string) *metrics.Counter {
	return m.set.GetOrCreateCounter(fetchSeries(source, result))
}

func itemSeries(source, outcome string) string {
	return `earshot_listener_items_total{source="` + labelValue(source) + `",outcome="` + outcome + `"}`
}

func (m *Metrics) items(source, outcome string) *metrics.Counter {
	sc, ok := m.sources.Load(source)
	if !ok {
		return m.set.GetOrCreateCounter(itemSeries(source, outcome))
	}
	items := &sc.(*sourceCounters).items
	if c, ok := items.Load(outcome); ok {
		return c.(*metrics.Counter)
	}
	c := m.set.GetOrCreateCounter(itemSeries(source, outcome))
	items.Store(outcome, c)
	return c
}

// fetchBuckets are the upper bounds of the fetch duration histogram.
var fetchBuckets = []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

func (m *Metrics) fetchSeconds(result string) *metrics.PrometheusHistogram {
	return m.set.GetOrCreatePrometheusHistogramExt(`earshot_listener_fetch_duration_seconds{result="`+result+`"}`, fetchBuckets)
}

// init creates the series of a new source at zero, so that dashboards and
// alerting rules see every configured source from the start (its up gauge
// appears with its first poll).
func (m *Metrics) init(source string) {
	m.sources.Store(source, &sourceCounters{published: m.set.GetOrCreateCounter(bySource("earshot_mentions_published_total", source))})
	m.parseErrors(source)
}

// forget drops the series of a removed source.
func (m *Metrics) forget(source string) {
	m.sources.Delete(source)
	for _, name := range []string{"earshot_mentions_published_total", "earshot_source_up", "earshot_listener_parse_errors_total",
		"earshot_listener_guid_churn_total", "earshot_listener_last_success_timestamp_seconds", "earshot_listener_items_dropped_total"} {
		m.set.UnregisterMetric(bySource(name, source))
	}
	for _, r := range fetchResults {
		m.set.UnregisterMetric(fetchSeries(source, r))
	}
	for _, o := range itemOutcomes {
		m.set.UnregisterMetric(itemSeries(source, o))
	}
}

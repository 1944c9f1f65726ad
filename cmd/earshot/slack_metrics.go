package main

import (
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// slackTransport times every Slack Web API call by method and HTTP status,
// so operators see Slack's latency and its 429 answers.
type slackTransport struct {
	next    http.RoundTripper
	seconds *prometheus.HistogramVec
}

// newSlackHTTPClient returns the client for Slack's Web API: a call that
// has not answered in 10 s is given up and retried, so that a hanging
// Slack does not hold a channel's queue for long.
func newSlackHTTPClient(reg prometheus.Registerer) *http.Client {
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "earshot_slack_request_seconds",
		Help:    "Slack Web API calls by method and HTTP status (429: rate limited).",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "code"})
	reg.MustRegister(seconds)
	return &http.Client{Timeout: 10 * time.Second, Transport: &slackTransport{next: http.DefaultTransport, seconds: seconds}}
}

func (t *slackTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	// The method is the last path element (/api/chat.postMessage); only
	// the API's own names, so the label set stays small.
	t.seconds.WithLabelValues(path.Base(r.URL.Path), code).Observe(time.Since(start).Seconds())
	return resp, err
}

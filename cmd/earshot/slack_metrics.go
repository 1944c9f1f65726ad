package main

import (
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// slackTransport times every Slack Web API call by method and HTTP status,
// so operators see Slack's latency and its 429 answers.
type slackTransport struct {
	next http.RoundTripper
	set  *metrics.Set
}

// slackBuckets are the upper bounds of earshot_slack_request_seconds.
var slackBuckets = []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// newSlackHTTPClient returns the client for Slack's Web API: a call that
// has not answered in 10 s is given up and retried, so that a hanging
// Slack does not hold a channel's queue for long. It times each call in
// earshot_slack_request_seconds{method,code}.
func newSlackHTTPClient(set *metrics.Set) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &slackTransport{next: http.DefaultTransport, set: set}}
}

func (t *slackTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	// The method is the last path element (/api/chat.postMessage); only
	// the API's own names (letters and dots), so the label set stays small
	// and needs no escaping.
	method := path.Base(r.URL.Path)
	if !slackMethodName(method) {
		method = "other"
	}
	t.set.GetOrCreatePrometheusHistogramExt(`earshot_slack_request_seconds{code="`+code+`",method="`+method+`"}`, slackBuckets).
		Update(time.Since(start).Seconds())
	return resp, err
}

// slackMethodName reports whether s looks like a Web API method name
// (chat.postMessage, files.getUploadURLExternal).
func slackMethodName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

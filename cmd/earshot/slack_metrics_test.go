package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"
)

// TestSlackRequestSeconds: every call to the Web API is timed by method
// and status; a path that is not a method name is not made a label.
func TestSlackRequestSeconds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "chat.postMessage") {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	set := metrics.NewSet()
	c := newSlackHTTPClient(set)
	for _, path := range []string{"/api/chat.postMessage", "/api/users.info", `/api/a"b{c}`} {
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var out bytes.Buffer
	set.WritePrometheus(&out)
	for _, want := range []string{
		`earshot_slack_request_seconds_count{code="429",method="chat.postMessage"} 1`,
		`earshot_slack_request_seconds_count{code="200",method="users.info"} 1`,
		`earshot_slack_request_seconds_count{code="200",method="other"} 1`,
	} {
		if !strings.Contains(out.String(), want+"\n") {
			t.Errorf("no %s in\n%s", want, out.String())
		}
	}
}

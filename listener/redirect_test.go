package listener

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// loopbackOnePublic plays the internet in tests: 127.0.0.1 counts as a
// public address, the rest of loopback (127.0.0.2, a second "host" Linux
// answers on) stays private.
func loopbackOnePublic(ip netip.Addr) bool {
	return ip != netip.MustParseAddr("127.0.0.1") && privateAddr(ip)
}

// serverOn starts an httptest server listening on addr ("127.0.0.2:0").
func serverOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// recorder serves an RSS feed and records the requests it got.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, r)
	rc.mu.Unlock()
	io.WriteString(w, rssFeed(rssItem{GUID: "secret", Title: "ACME internal secret"}))
}

func (rc *recorder) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

func (rc *recorder) last(t *testing.T) *http.Request {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		t.Fatal("the redirect target got no request")
	}
	return rc.reqs[len(rc.reqs)-1]
}

// redirectTo answers every request with a redirect to target.
func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

// TestRedirectIntoPrivateSpace: a feed on a public address may not
// redirect into private space, with deny_private off (the default) too; an
// intranet feed may redirect within the intranet. The refusal names the
// source and the redirect's host, not its path or query.
func TestRedirectIntoPrivateSpace(t *testing.T) {
	e := newEnv(t)
	internal := &recorder{}
	intranet := serverOn(t, "127.0.0.2:0", internal)
	public := httptest.NewServer(redirectTo(intranet.URL + "/latest/meta-data/?token=SEKRET"))
	defer public.Close()
	inside := serverOn(t, "127.0.0.2:0", redirectTo(intranet.URL+"/feed"))

	l := e.listener(config.Listener{}, src("hostile", public.URL+"/feed"), src("intranet", inside.URL), src("direct", intranet.URL))
	l.client, l.ownTr = newHTTPClient(false, loopbackOnePublic)

	// An intranet source keeps a connection to the intranet host open:
	// the redirect must not reuse it.
	e.pollName(l, "direct")
	if internal.count() != 1 {
		t.Fatalf("the intranet source was not fetched")
	}
	e.pollName(l, "hostile")
	if n := internal.count(); n != 1 {
		t.Errorf("the intranet host got %d requests, want 1 (the intranet source's own)", n)
	}
	st, _ := l.state(t.Context(), mustSource(t, l, "hostile"))
	host := strings.TrimPrefix(intranet.URL, "http://")
	if st.Health != mention.HealthFailing || !strings.Contains(st.LastError, "source hostile: redirect to "+host+" refused") {
		t.Errorf("hostile: health %q, error %q; want failing, naming the source and %s", st.Health, st.LastError, host)
	}
	if strings.Contains(st.LastError, "SEKRET") || strings.Contains(st.LastError, "meta-data") {
		t.Errorf("error %q shows the redirect's path or query", st.LastError)
	}
	_, err := l.fetch(t.Context(), fetchRequest{source: "hostile", url: public.URL, timeout: time.Second, maxSize: 1 << 20})
	var re *RedirectDeniedError
	if !errors.As(err, &re) || re.Source != "hostile" || re.Host != host || re.Addr != "127.0.0.2" {
		t.Errorf("fetch: %v (%#v), want a *RedirectDeniedError for %s", err, re, host)
	}

	// The intranet feed redirects within the intranet: allowed.
	e.pollName(l, "intranet")
	if st, _ := l.state(t.Context(), mustSource(t, l, "intranet")); st.Health != mention.HealthUp {
		t.Errorf("intranet: health %q (%s), want up", st.Health, st.LastError)
	}
	if n := internal.count(); n != 2 {
		t.Errorf("the intranet host got %d requests, want 2", n)
	}
	for _, m := range e.mentions() {
		if m.Source == "hostile" {
			t.Errorf("published %q from the hostile source", m.Title)
		}
	}
}

// TestRedirectDropsHeaders: a redirect to another host gets neither the
// source's own headers nor a Referer (the feed URL, tokens and all); one
// to the same host keeps the headers; https never leads to http.
func TestRedirectDropsHeaders(t *testing.T) {
	e := newEnv(t)
	other := &recorder{}
	otherHost := httptest.NewServer(other)
	defer otherHost.Close()
	same := &recorder{}
	mux := http.NewServeMux()
	mux.Handle("/elsewhere", redirectTo(otherHost.URL+"/other"))
	mux.Handle("/here", redirectTo("/feed"))
	mux.Handle("/feed", same)
	origin := httptest.NewServer(mux)
	defer origin.Close()
	headers := map[string]string{"X-Api-Key": "HEADERSECRET", "User-Agent": "custom-agent"}
	l := e.listener(config.Listener{})

	for _, tc := range []struct {
		path     string
		rc       *recorder
		keepsKey bool
	}{
		{"/elsewhere?token=SEKRET", other, false},
		{"/here?token=SEKRET", same, true},
	} {
		_, err := l.fetch(t.Context(), fetchRequest{source: "s", url: origin.URL + tc.path, timeout: time.Second, maxSize: 1 << 20,
			userAgent: "earshot-test", headers: headers})
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		r := tc.rc.last(t)
		if ref := r.Header.Get("Referer"); ref != "" {
			t.Errorf("%s: Referer %q sent", tc.path, ref)
		}
		key, ua := r.Header.Get("X-Api-Key"), r.Header.Get("User-Agent")
		switch {
		case tc.keepsKey && (key != "HEADERSECRET" || ua != "custom-agent"):
			t.Errorf("%s: same host got X-Api-Key %q, User-Agent %q; want the source's", tc.path, key, ua)
		case !tc.keepsKey && (key != "" || ua != "earshot-test"):
			t.Errorf("%s: another host got X-Api-Key %q, User-Agent %q; want none and the listener's", tc.path, key, ua)
		}
	}

	plain := &recorder{}
	plainHost := httptest.NewServer(plain)
	defer plainHost.Close()
	tlsHost := httptest.NewTLSServer(redirectTo(plainHost.URL + "/feed"))
	defer tlsHost.Close()
	tlsConfig := tlsHost.Client().Transport.(*http.Transport).TLSClientConfig
	l.ownTr.direct.TLSClientConfig = tlsConfig.Clone()
	l.ownTr.public.TLSClientConfig = &tls.Config{RootCAs: tlsConfig.RootCAs}
	_, err := l.fetch(t.Context(), fetchRequest{source: "s", url: tlsHost.URL, timeout: time.Second, maxSize: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "redirect from https to http") {
		t.Errorf("https to http: %v, want refused", err)
	}
	if plain.count() != 0 {
		t.Errorf("the http host got %d requests after a downgrade", plain.count())
	}
}

func TestPrivateAddr(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		private bool
	}{
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"2a00:1450:4001:82b::200e", false},
		{"127.0.0.1", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true},
		{"0.0.0.0", true},
		{"100.64.0.1", true},
		{"100.127.255.254", true},
		{"100.128.0.1", false},
		{"192.0.0.170", true},
		{"192.0.2.1", true},
		{"198.18.0.1", true},
		{"198.19.255.255", true},
		{"198.20.0.1", false},
		{"240.0.0.1", true},
		{"255.255.255.255", true},
		{"224.0.0.1", true},
		{"::1", true},
		{"::", true},
		{"::ffff:127.0.0.1", true},
		{"::ffff:8.8.8.8", false},
		{"::127.0.0.1", true},
		{"fe80::1%eth0", true},
		{"fc00::1", true},
		{"fec0::1", true},
		{"ff02::1", true},
		{"2001:db8::1", true},
		{"100::1", true},
		{"64:ff9b::7f00:1", true},                       // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", true},                    // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", false},                     // NAT64 of 8.8.8.8
		{"64:ff9b:1::808:808", true},                    // local-use NAT64
		{"2002:7f00:1::1", true},                        // 6to4 of 127.0.0.1
		{"2002:a00:1::1", true},                         // 6to4 of 10.0.0.1
		{"2002:808:808::1", false},                      // 6to4 of 8.8.8.8
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", true},  // Teredo, client 127.0.0.1
		{"2001:0:4136:e378:8000:63bf:f7f7:f7f7", false}, // Teredo, client 8.8.8.8
	} {
		if got := privateAddr(netip.MustParseAddr(tc.addr)); got != tc.private {
			t.Errorf("privateAddr(%s) = %v, want %v", tc.addr, got, tc.private)
		}
	}
}

package listener

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
)

// maxRedirects is how many redirects a fetch follows.
const maxRedirects = 5

// maxRetryAfter caps a server's Retry-After, so a hostile or broken server
// cannot silence a source for ever.
const maxRetryAfter = 24 * time.Hour

// TooLargeError is returned when a body exceeds the size limit after
// decompression. The fetch stops reading at the limit.
type TooLargeError struct {
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("body larger than %d bytes", e.Limit)
}

// StatusError is an HTTP status other than 200, 304 and rate limiting.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("http status %d %s", e.Code, http.StatusText(e.Code))
}

// RateLimitedError is a 429 (or a 503 with Retry-After). Until is when the
// server allows the next request; zero when it did not say.
type RateLimitedError struct {
	Code  int
	Until time.Time
}

func (e *RateLimitedError) Error() string {
	if e.Until.IsZero() {
		return fmt.Sprintf("rate limited (http %d)", e.Code)
	}
	return fmt.Sprintf("rate limited (http %d) until %s", e.Code, e.Until.UTC().Format(time.RFC3339))
}

// DeniedAddressError is returned when deny_private is set and a host
// resolves to a loopback, private, link-local or otherwise special-purpose
// address (privateAddr).
type DeniedAddressError struct {
	Addr string
}

func (e *DeniedAddressError) Error() string {
	return fmt.Sprintf("address %s is private (deny_private is set)", e.Addr)
}

// RedirectDeniedError is a redirect from a public address into private
// space, refused whatever deny_private says: a feed on the internet must not
// lead earshot into the intranet. Host is the redirect's host (and port),
// without path or query.
type RedirectDeniedError struct {
	Source string
	Host   string
	Addr   string
}

func (e *RedirectDeniedError) Error() string {
	return fmt.Sprintf("source %s: redirect to %s refused: it is the private address %s, and a feed on a public address may not redirect into private space",
		e.Source, e.Host, e.Addr)
}

// NotFeedError is a body that is not RSS, Atom or JSON Feed (an HTML page,
// malformed XML).
type NotFeedError struct {
	ContentType string
	Err         error
}

func (e *NotFeedError) Error() string {
	// A body that reads as RSS, Atom or JSON Feed but does not parse is
	// a feed, a broken one.
	what := "malformed feed"
	if errors.Is(e.Err, errNotFeedType) {
		what = "not a feed"
	}
	if e.ContentType != "" {
		return fmt.Sprintf("%s (content type %s): %v", what, e.ContentType, e.Err)
	}
	return fmt.Sprintf("%s: %v", what, e.Err)
}

func (e *NotFeedError) Unwrap() error { return e.Err }

// errTooManyRedirects stops a redirect chain or loop.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)

// fetchRequest is one fetch of a feed.
type fetchRequest struct {
	source       string // the source's name, for errors
	url          string
	timeout      time.Duration
	maxSize      int64
	userAgent    string
	headers      map[string]string
	etag         string
	lastModified string
}

// fetchResult is a fetched feed. Call release when done with body.
type fetchResult struct {
	notModified  bool
	body         *bytes.Buffer
	contentType  string
	etag         string
	lastModified string
	maxAge       time.Duration
	release      func()
}

// newHTTPClient returns the listener's client: dial, TLS and header
// timeouts, at most maxRedirects redirects to http(s) only, no redirect from
// a public address into private space, and with denyPrivate no private
// address at all (both checked on the address dialled, after DNS, so DNS
// cannot sneak one in). private tells private addresses (privateAddr; tests
// stand in their own).
func newHTTPClient(denyPrivate bool, private func(netip.Addr) bool) (*http.Client, *guardTransport) {
	newTransport := func(control func(context.Context, string, string, syscall.RawConn) error) *http.Transport {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, ControlContext: control}
		return &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			MaxIdleConns:          200,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       90 * time.Second,
		}
	}
	tr := &guardTransport{private: private}
	var direct func(context.Context, string, string, syscall.RawConn) error
	if denyPrivate {
		direct = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ip, ok := dialledAddr(address)
			if ok && !private(ip) {
				return nil
			}
			host, _, _ := net.SplitHostPort(address)
			if ok {
				host = ip.String()
			}
			return &DeniedAddressError{Addr: host}
		}
	}
	tr.direct = newTransport(direct)
	tr.public = newTransport(func(ctx context.Context, _, address string, _ syscall.RawConn) error {
		ip, ok := dialledAddr(address)
		if ok && !private(ip) {
			return nil
		}
		e := &RedirectDeniedError{Addr: address}
		if ok {
			e.Addr = ip.String()
		}
		if g := guardFrom(ctx); g != nil {
			e.Source, e.Host = g.source, g.redirectHost()
		}
		return e
	})
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}, tr
}

// guardTransport sends a fetch's requests over one of two transports: the
// configured URL, and redirects from a private one (an intranet feed), over
// direct; redirects from a public address over public, whose dialer refuses
// every private address. public has an idle pool of its own, so a redirect
// cannot reuse a connection to a private host that direct keeps open for an
// intranet source.
type guardTransport struct {
	direct, public *http.Transport
	private        func(netip.Addr) bool
}

// RoundTrip implements http.RoundTripper.
func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if g := guardFrom(req.Context()); g != nil && g.fromPublic() {
		return t.public.RoundTrip(req)
	}
	return t.direct.RoundTrip(req)
}

// CloseIdleConnections closes the idle connections of both transports.
func (t *guardTransport) CloseIdleConnections() {
	t.direct.CloseIdleConnections()
	t.public.CloseIdleConnections()
}

// fetchGuard is one fetch's state, in its requests' context, shared by
// checkRedirect, the transport and the dialer: whether the configured URL's
// connection went to a public address, and where the fetch was redirected.
type fetchGuard struct {
	source    string
	userAgent string
	// headers are the source's own (sources[].headers), dropped on a
	// redirect to another host.
	headers map[string]string

	mu         sync.Mutex
	originSeen bool   // the first request got its connection
	public     bool   // and it was to a public address
	redirected bool   // a redirect is being followed
	host       string // the last redirect's host
}

type guardKey struct{}

// withGuard returns ctx carrying g, and a trace that records the address of
// the first request's connection, dialled or reused (a reused one is never
// dialled again, so the dialer alone could not tell).
func withGuard(ctx context.Context, g *fetchGuard, private func(netip.Addr) bool) context.Context {
	ctx = context.WithValue(ctx, guardKey{}, g)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.originSeen || g.redirected || info.Conn == nil {
			return
		}
		g.originSeen = true
		ip, ok := dialledAddr(info.Conn.RemoteAddr().String())
		g.public = ok && !private(ip)
	}})
}

func guardFrom(ctx context.Context) *fetchGuard {
	g, _ := ctx.Value(guardKey{}).(*fetchGuard)
	return g
}

// fromPublic reports whether the fetch follows a redirect from a public
// address (or from one it could not see, which counts as public).
func (g *fetchGuard) fromPublic() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.redirected && (g.public || !g.originSeen)
}

func (g *fetchGuard) redirectHost() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.host
}

// checkRedirect allows maxRedirects redirects to http and https, never
// from https to http. It never sends a Referer (it would carry the feed
// URL, tokens included, to the next host), and drops the source's own
// headers on a redirect to another host than the configured one.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return errTooManyRedirects
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to scheme %q refused", req.URL.Scheme)
	}
	for _, v := range via {
		if v.URL.Scheme == "https" && req.URL.Scheme == "http" {
			return fmt.Errorf("redirect from https to http://%s refused", req.URL.Host)
		}
	}
	req.Header.Del("Referer")
	g := guardFrom(req.Context())
	if g == nil {
		return nil
	}
	g.mu.Lock()
	g.redirected, g.host = true, req.URL.Host
	g.mu.Unlock()
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		for k := range g.headers {
			req.Header.Del(k)
		}
		// Ours again where the source's had replaced them.
		req.Header.Set("User-Agent", g.userAgent)
		req.Header.Set("Accept", acceptFeeds)
	}
	return nil
}

// acceptFeeds is the Accept header of every fetch.
const acceptFeeds = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"

// dialledAddr parses the address a dialer is about to connect to.
func dialledAddr(address string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap().WithZone(""), true
}

// privateAddr reports whether ip is not a public unicast address: loopback,
// private, link-local, unspecified, multicast, shared (carrier-grade NAT),
// reserved, documentation and benchmarking ranges, and the IPv6 ranges
// that carry an IPv4 address (NAT64, 6to4, Teredo) when that address is
// private (IANA's special-purpose address registries).
func privateAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	if !ip.IsValid() {
		return true
	}
	if v4, ok := embeddedIPv4(ip); ok {
		return privateAddr(v4)
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range specialPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// specialPrefixes are the special-purpose ranges that are not public
// unicast, beyond what netip's Is methods cover.
var specialPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast (deprecated)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), :: and ::1
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64: the network's own
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:2::/48"),     // benchmarking
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
}

var (
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredoPrefix = netip.MustParsePrefix("2001::/32")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address of a translation
// or tunnelling range stands for: NAT64 (64:ff9b::/96, the last 32 bits),
// 6to4 (2002::/16, bits 16-47) and Teredo (2001::/32, the client's address,
// inverted, in the last 32 bits).
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64Prefix.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredoPrefix.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// redactURL returns scheme and host of raw only: paths and queries of feed
// URLs often carry tokens (Google Alerts, private feeds).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "invalid-url"
	}
	if u.Scheme == "file" {
		return "file://..."
	}
	return u.Scheme + "://" + u.Host
}

// showURL returns raw in full for earshot sources test, with its
// credentials replaced by xxxxx: the password of its user info and the
// values of query parameters whose names look secret (secretParam).
func showURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "invalid-url"
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil && ok && secretParam(n) {
			parts[i] = name + "=xxxxx"
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	return u.Redacted()
}

// secretWords are the query parameter names, and the words of names, that
// look secret.
var secretWords = []string{"token", "key", "apikey", "api_key", "secret", "password", "passwd", "auth",
	"sig", "signature", "access_token", "client_secret"}

// secretParam reports whether a query parameter's name looks secret: it is
// one of secretWords, or one of its words is (X-Api-Key, private_token),
// whatever the case.
func secretParam(name string) bool {
	name = strings.ToLower(name)
	if slices.Contains(secretWords, name) {
		return true
	}
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(secretWords, w) })
}

// getBuf takes a body buffer from the pool.
func (l *Listener) getBuf() (*bytes.Buffer, func()) {
	b := l.bufs.Get().(*bytes.Buffer)
	b.Reset()
	return b, func() {
		if b.Cap() <= 4<<20 {
			l.bufs.Put(b)
		}
	}
}

// fetch fetches req.url. The whole fetch, body included, is bounded by
// req.timeout; the body by req.maxSize after decompression. Errors carry the
// redacted URL: "fetch https://host: ...".
func (l *Listener) fetch(ctx context.Context, req fetchRequest) (*fetchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	var (
		res *fetchResult
		err error
	)
	if strings.HasPrefix(req.url, "file:") {
		res, err = l.fetchFile(req)
	} else {
		res, err = l.fetchHTTP(ctx, req)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("timeout after %s: %w", req.timeout, err)
		}
		return nil, fmt.Errorf("fetch %s: %w", redactURL(req.url), err)
	}
	return res, nil
}

func (l *Listener) fetchHTTP(ctx context.Context, req fetchRequest) (*fetchResult, error) {
	if l.ownTr != nil {
		ctx = withGuard(ctx, &fetchGuard{source: req.source, userAgent: req.userAgent, headers: req.headers}, l.ownTr.private)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.url, nil)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("User-Agent", req.userAgent)
	hr.Header.Set("Accept", acceptFeeds)
	for k, v := range req.headers {
		hr.Header.Set(k, v)
	}
	if req.etag != "" {
		hr.Header.Set("If-None-Match", req.etag)
	}
	if req.lastModified != "" {
		hr.Header.Set("If-Modified-Since", req.lastModified)
	}
	resp, err := l.client.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the full URL
		}
		return nil, err
	}
	defer resp.Body.Close()
	now := l.now()
	maxAge := cacheMaxAge(resp.Header.Get("Cache-Control"))
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		drain(resp.Body)
		return &fetchResult{notModified: true, maxAge: maxAge, etag: resp.Header.Get("ETag"),
			lastModified: resp.Header.Get("Last-Modified"), release: func() {}}, nil
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		drain(resp.Body)
		until, ok := retryAfter(resp.Header.Get("Retry-After"), now)
		if resp.StatusCode == http.StatusTooManyRequests || ok {
			return nil, &RateLimitedError{Code: resp.StatusCode, Until: until}
		}
		return nil, &StatusError{Code: resp.StatusCode}
	default:
		drain(resp.Body)
		return nil, &StatusError{Code: resp.StatusCode}
	}
	if resp.ContentLength > req.maxSize {
		return nil, &TooLargeError{Limit: req.maxSize}
	}
	buf, release := l.getBuf()
	if err := readCapped(buf, resp.Body, resp.ContentLength, req.maxSize); err != nil {
		release()
		return nil, err
	}
	return &fetchResult{
		body:         buf,
		release:      release,
		contentType:  resp.Header.Get("Content-Type"),
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		maxAge:       maxAge,
	}, nil
}

// fetchFile reads a file:// feed. Its modification time plays Last-Modified.
func (l *Listener) fetchFile(req fetchRequest) (*fetchResult, error) {
	u, err := url.Parse(req.url)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(u.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	lm := fi.ModTime().UTC().Format(time.RFC3339Nano)
	if req.lastModified == lm {
		return &fetchResult{notModified: true, lastModified: lm, release: func() {}}, nil
	}
	if fi.Size() > req.maxSize {
		return nil, &TooLargeError{Limit: req.maxSize}
	}
	buf, release := l.getBuf()
	if err := readCapped(buf, f, fi.Size(), req.maxSize); err != nil {
		release()
		return nil, err
	}
	return &fetchResult{body: buf, release: release, lastModified: lm}, nil
}

// readCapped reads r into buf, failing with *TooLargeError past limit. It
// never holds more than limit+1 bytes of r (plus buffer slack).
func readCapped(buf *bytes.Buffer, r io.Reader, size, limit int64) error {
	switch {
	case size > 0:
		buf.Grow(int(min(size, limit) + 1))
	default:
		buf.Grow(int(min(64<<10, limit+1)))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if n > limit {
		return &TooLargeError{Limit: limit}
	}
	return nil
}

// drain reads a little of an unwanted body so the connection can be reused.
func drain(r io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 4<<10))
}

// retryAfter parses a Retry-After header (seconds or an HTTP date), capped
// at maxRetryAfter.
func retryAfter(h string, now time.Time) (time.Time, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return time.Time{}, false
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n < 0 {
			return time.Time{}, false
		}
		d = time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	} else {
		return time.Time{}, false
	}
	d = min(max(d, 0), maxRetryAfter)
	return now.Add(d), true
}

// cacheMaxAge returns the max-age of a Cache-Control header, 0 if none.
func cacheMaxAge(h string) time.Duration {
	for part := range strings.SplitSeq(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(k, "max-age") {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
		if err != nil || n <= 0 {
			return 0
		}
		return time.Duration(min(n, int64(7*24*time.Hour/time.Second))) * time.Second
	}
	return 0
}

// mediaType returns the media type of a Content-Type header, lowercased.
func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// asRateLimited is errors.As for *RateLimitedError.
func asRateLimited(err error, target **RateLimitedError) bool { return errors.As(err, target) }

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
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
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
// resolves to a loopback, private, link-local or unspecified address.
type DeniedAddressError struct {
	Addr string
}

func (e *DeniedAddressError) Error() string {
	return fmt.Sprintf("address %s is private (deny_private is set)", e.Addr)
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
// timeouts, at most maxRedirects redirects to http(s) only, and optionally
// no private addresses (checked on the resolved IP, so DNS cannot sneak one
// in).
func newHTTPClient(denyPrivate bool) (*http.Client, *http.Transport) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if denyPrivate {
		d.Control = denyPrivateControl
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}, tr
}

// checkRedirect allows maxRedirects redirects to http and https.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return errTooManyRedirects
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to scheme %q refused", req.URL.Scheme)
	}
	return nil
}

// denyPrivateControl refuses connections to non-public addresses. It runs
// after DNS resolution, on the address actually dialled.
func denyPrivateControl(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &DeniedAddressError{Addr: host}
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || isSharedOrReserved(ip) {
		return &DeniedAddressError{Addr: ip.String()}
	}
	return nil
}

// isSharedOrReserved covers carrier-grade NAT (100.64/10) and 0/8.
func isSharedOrReserved(ip netip.Addr) bool {
	if !ip.Is4() {
		return false
	}
	b := ip.As4()
	return b[0] == 0 || (b[0] == 100 && b[1]&0xc0 == 64)
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
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.url, nil)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("User-Agent", req.userAgent)
	hr.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
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

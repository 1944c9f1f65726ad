package workflow

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// A signed Slack request stays valid for maxSignatureAge: whoever sees one
// on its way (a TLS-terminating proxy's log, an interception) could send
// it again until then, and a click or a /earshot silence would be done
// twice. replays remembers the requests served within that window, by
// timestamp and signature, so that a repeat does nothing.
//
// A repeat is answered 200 with an empty body, not refused with 4xx:
// Slack takes any 2xx as the acknowledgement, so a genuine retry of a
// request that was served (Slack retries on a missing or late answer)
// stops there instead of being retried again and shown as an error for an
// action that in fact happened once; a replayer learns nothing either
// way. A request that was not acknowledged with 2xx (a form earshot could
// not read, a handler that failed) is forgotten again, so that a retry of
// it is served. A repeat that comes while the first is still being served
// is answered the same way: the first can then fail only on a form that
// the repeat, the same bytes, could not be served from either. Slack does
// not retry interactions and slash commands today; the Events API's
// retries, which carry X-Slack-Retry-Num, are not served over HTTP by
// earshot.

// maxReplays bounds the record: at about 200 bytes a request, map and
// order included, 2 MiB. Only requests with a valid signature are
// recorded, so only Slack's own traffic fills it (10,000 requests in five
// minutes is far beyond what a team clicks). When it is full, the request
// that came first is forgotten (and could be replayed for the rest of its
// five minutes): refusing new requests instead would lose genuine clicks,
// and a replayed click still meets the case's state machine, which refuses
// most repeats ("already snoozed").
const maxReplays = 10_000

// replays is the record of the signed requests served lately.
type replays struct {
	mu  sync.Mutex
	max int
	// seen holds when each request may be forgotten: its timestamp plus
	// maxSignatureAge, after which verify refuses it as stale anyway.
	seen map[string]time.Time
	// order is the keys in the order they came, for pruning and
	// eviction; keys forgotten meanwhile are skipped.
	order []string
}

func newReplays(max int) *replays {
	return &replays{max: max, seen: map[string]time.Time{}}
}

// replayKey identifies a signed request by its timestamp and signature.
// The signature is compared as Slack's verifier reads it, hex of either
// case, so that "V0=ABCD…" is the same request as "v0=abcd…".
func replayKey(h http.Header) string {
	sig := h.Get("X-Slack-Signature")
	sig = strings.ToLower(sig[min(len("v0="), len(sig)):])
	return h.Get("X-Slack-Request-Timestamp") + ":" + sig
}

// first records the request key, signed at ts, and reports whether it is
// the first time it comes within its window; evicted is true when a
// request still in its window was forgotten to make room.
func (r *replays) first(key string, ts, now time.Time) (ok, evicted bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Forget what has left its window, oldest first.
	for len(r.order) > 0 {
		until, ok := r.seen[r.order[0]]
		if ok && !now.After(until) {
			break
		}
		if ok {
			delete(r.seen, r.order[0])
		}
		r.order = r.order[1:]
	}
	if _, ok := r.seen[key]; ok {
		return false, false
	}
	if len(r.seen) >= r.max || len(r.order) > 2*r.max {
		r.sweep(now)
	}
	for len(r.seen) >= r.max && len(r.order) > 0 {
		if _, ok := r.seen[r.order[0]]; ok {
			delete(r.seen, r.order[0])
			evicted = true
		}
		r.order = r.order[1:]
	}
	r.seen[key] = ts.Add(maxSignatureAge)
	r.order = append(r.order, key)
	return true, evicted
}

// sweep forgets every request that has left its window, not only those at
// the head of order (timestamps do not come strictly in order).
func (r *replays) sweep(now time.Time) {
	kept := r.order[:0:0]
	for _, k := range r.order {
		until, ok := r.seen[k]
		switch {
		case !ok:
		case now.After(until):
			delete(r.seen, k)
		default:
			kept = append(kept, k)
		}
	}
	r.order = kept
}

// forget removes key: the request was not acknowledged, and its retry
// must be served.
func (r *replays) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.seen, key)
}

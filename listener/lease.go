package listener

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// pollLease is the claim one earshot instance holds on a source for one
// poll, kept in the feeds bucket. When several instances run the listener
// role against one NATS, each source is fetched by one of them per tick:
// the first to claim it with a compare-and-set wins, the others skip that
// tick. (Should two fetch anyway, the dedup keys still publish every item
// once.)
type pollLease struct {
	By    string    `json:"by"`
	Until time.Time `json:"until"`
}

func leaseKey(name string) string { return "poll." + feedsKey(name) }

func newInstanceID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// claim reports whether this instance may poll source name now. It holds
// the claim for most of the interval, so that the other instances' ticks
// of the same period find it taken. When the previous claim was another
// instance's, the source's cached state is dropped, because that instance
// may have changed it. On a store error it answers yes: a duplicate fetch
// costs a request, a missed one costs a mention.
func (l *Listener) claim(ctx context.Context, s *source, name string, interval time.Duration) bool {
	key := leaseKey(name)
	now := l.now()
	val, _ := json.Marshal(pollLease{By: l.instance, Until: now.Add(interval * 3 / 4)})
	e, err := l.deps.Feeds.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		_, err = l.deps.Feeds.Create(ctx, key, val)
		return l.claimed(err, name)
	case err != nil && ctx.Err() != nil:
		return false // stopped: no poll
	case err != nil:
		l.log.Warn("poll claim not readable, polling anyway", "source", name, "err", err)
		return true
	}
	var prev pollLease
	_ = json.Unmarshal(e.Value(), &prev)
	if prev.By != l.instance && now.Before(prev.Until) {
		return false
	}
	if _, err := l.deps.Feeds.Update(ctx, key, val, e.Revision()); !l.claimed(err, name) {
		return false
	}
	if prev.By != "" && prev.By != l.instance {
		s.mu.Lock()
		s.loaded = false
		s.mu.Unlock()
	}
	return true
}

func (l *Listener) claimed(err error, name string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return false // another instance claimed it first
	}
	l.log.Warn("poll claim not written, polling anyway", "source", name, "err", err)
	return true
}

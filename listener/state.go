package listener

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// feedState is what the listener remembers about a source between polls and
// across restarts, stored as JSON in the feeds bucket.
type feedState struct {
	// URLHash identifies the feed URL the validators below belong to; a
	// changed URL drops them.
	URLHash      string `json:"url_hash,omitempty"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// BodyHash lets an unchanged body from a server without validators skip
	// parsing.
	BodyHash string `json:"body_hash,omitempty"`
	// Initialized is set after the first successful fetch; until then the
	// source is new and its items are its backlog.
	Initialized   bool      `json:"initialized"`
	BaselineItems int       `json:"baseline_items,omitempty"`
	LastFetch     time.Time `json:"last_fetch,omitzero"`
	LastSuccess   time.Time `json:"last_success,omitzero"`
	LastNewItem   time.Time `json:"last_new_item,omitzero"`
	// Gap is the learnt average time between the feed's items.
	Gap              time.Duration       `json:"gap,omitempty"`
	Failures         int                 `json:"failures,omitempty"`
	BackoffUntil     time.Time           `json:"backoff_until,omitzero"`
	RateLimitedUntil time.Time           `json:"rate_limited_until,omitzero"`
	FreshUntil       time.Time           `json:"fresh_until,omitzero"`
	Health           mention.HealthState `json:"health,omitempty"`
	LastError        string              `json:"last_error,omitempty"`
	HealthChanged    time.Time           `json:"health_changed,omitzero"`
}

// feedsKey is the feeds-bucket key of a source: its name when that is a
// valid key token, else its hex encoding.
func feedsKey(name string) string {
	if isSlug(name, "-_") {
		return "src." + name
	}
	return "srcx." + hex.EncodeToString([]byte(name))
}

// state returns the source's state, loading it from the feeds bucket on
// first use.
func (l *Listener) state(ctx context.Context, s *source) (feedState, error) {
	s.mu.Lock()
	if s.loaded {
		st := s.st
		s.mu.Unlock()
		return st, nil
	}
	name := s.cfg.Name
	s.mu.Unlock()
	var st feedState
	e, err := l.deps.Feeds.Get(ctx, feedsKey(name))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
	case err != nil:
		return st, fmt.Errorf("load state of %s: %w", name, err)
	default:
		if err := json.Unmarshal(e.Value(), &st); err != nil {
			l.log.Warn("feed state unreadable, starting afresh", "source", name, "err", err)
			st = feedState{Initialized: true} // never re-baseline a known source
		}
	}
	s.mu.Lock()
	if !s.loaded {
		s.st, s.loaded = st, true
	}
	st = s.st
	s.mu.Unlock()
	return st, nil
}

// saveState stores st in memory and, when persist is set, in the feeds bucket.
func (l *Listener) saveState(ctx context.Context, s *source, st feedState, persist bool) {
	s.mu.Lock()
	s.st, s.loaded = st, true
	name := s.cfg.Name
	s.mu.Unlock()
	if !persist {
		return
	}
	b, err := json.Marshal(st)
	if err != nil {
		return
	}
	if _, err := l.deps.Feeds.Put(ctx, feedsKey(name), b); err != nil {
		l.logError(ctx, "save feed state failed", "source", name, "err", err)
	}
}

// logError logs a failure at error level, unless ctx is done: then the
// failure is the shutdown's doing (the next run fetches the same items
// again) and is logged at debug level.
func (l *Listener) logError(ctx context.Context, msg string, args ...any) {
	if ctx.Err() != nil {
		l.log.Debug(msg, append(args, "stopping", true)...)
		return
	}
	l.log.Error(msg, args...)
}

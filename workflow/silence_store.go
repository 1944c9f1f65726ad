package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// Silences set from Slack (/earshot silence …) live in the cases bucket
// next to the cases, one JSON record under "silence.<id>" (id: 8 hex
// digits). A silence ends on its own at Until: expired records are ignored
// when matching and purged the next time the list is loaded. Each
// instance caches the list for silenceRefresh, and reloads at once after
// its own changes.
const (
	silencePrefix  = "silence."
	silenceRefresh = 15 * time.Second
	// maxSilence is the longest a silence set from Slack may last.
	maxSilence = 30 * 24 * time.Hour
)

// Silence is a silence set from Slack: config.Silence with its ID and
// when it was made. Author is a Slack user ID.
type Silence struct {
	ID      string    `json:"id"`
	Topic   []string  `json:"topic,omitempty"`
	Rule    []string  `json:"rule,omitempty"`
	Source  []string  `json:"source,omitempty"`
	Text    string    `json:"text,omitempty"`
	Until   time.Time `json:"until"`
	Author  string    `json:"author"`
	Reason  string    `json:"reason"`
	Created time.Time `json:"created"`
}

func newSilence(id string, c config.Silence, created time.Time) Silence {
	return Silence{ID: id, Topic: c.Match.Topic, Rule: c.Match.Rule, Source: c.Match.Source, Text: c.Match.Text,
		Until: c.Until, Author: c.Author, Reason: c.Reason, Created: created}
}

// Config returns the silence as the config spells silences.
func (s *Silence) Config() config.Silence {
	return config.Silence{Match: s.Match(), Until: s.Until, Author: s.Author, Reason: s.Reason}
}

// Match returns the silence's matchers.
func (s *Silence) Match() config.SilenceMatch {
	return config.SilenceMatch{Topic: s.Topic, Rule: s.Rule, Source: s.Source, Text: s.Text}
}

// silenceStore keeps the Slack silences in a KV bucket.
type silenceStore struct {
	kv  caseKV
	now func() time.Time

	mu     sync.Mutex
	cache  []Silence
	loaded time.Time // zero: reload
}

func newSilenceStore(kv caseKV, now func() time.Time) *silenceStore {
	return &silenceStore{kv: kv, now: now}
}

// add stores a new silence and returns it with its ID.
func (s *silenceStore) add(ctx context.Context, sil config.Silence) (Silence, error) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	out := newSilence(hex.EncodeToString(b[:]), sil, s.now())
	val, err := json.Marshal(out)
	if err != nil {
		return Silence{}, err
	}
	if _, err := s.kv.create(ctx, silencePrefix+out.ID, val); err != nil {
		return Silence{}, fmt.Errorf("store silence: %w", err)
	}
	s.invalidate()
	return out, nil
}

// remove deletes silence id; ErrCaseNotFound when there is none.
func (s *silenceStore) remove(ctx context.Context, id string) (Silence, error) {
	if !validSilenceID(id) {
		return Silence{}, fmt.Errorf("silence %q: %w", id, ErrCaseNotFound)
	}
	b, _, err := s.kv.get(ctx, silencePrefix+id)
	if err != nil {
		return Silence{}, fmt.Errorf("silence %s: %w", id, err)
	}
	var sil Silence
	_ = json.Unmarshal(b, &sil)
	if err := s.kv.del(ctx, silencePrefix+id); err != nil {
		return Silence{}, fmt.Errorf("delete silence %s: %w", id, err)
	}
	s.invalidate()
	return sil, nil
}

func validSilenceID(id string) bool {
	if len(id) != 8 {
		return false
	}
	for _, r := range id {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

func (s *silenceStore) invalidate() {
	s.mu.Lock()
	s.loaded = time.Time{}
	s.mu.Unlock()
}

// active returns the silences in force now, loading them when the cache
// is older than silenceRefresh; expired ones are purged.
func (s *silenceStore) active(ctx context.Context) ([]Silence, error) {
	now := s.now()
	s.mu.Lock()
	fresh := !s.loaded.IsZero() && now.Sub(s.loaded) < silenceRefresh && !now.Before(s.loaded)
	cached := s.cache
	s.mu.Unlock()
	if !fresh {
		var err error
		if cached, err = s.load(ctx); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.cache, s.loaded = cached, now
		s.mu.Unlock()
	}
	var out []Silence
	for _, sil := range cached {
		if now.Before(sil.Until) {
			out = append(out, sil)
		}
	}
	return out, nil
}

// load reads every silence record and purges the expired ones.
func (s *silenceStore) load(ctx context.Context) ([]Silence, error) {
	var keys []string
	var err error
	if pl, ok := s.kv.(interface {
		keysPrefix(ctx context.Context, prefix string) ([]string, error)
	}); ok {
		keys, err = pl.keysPrefix(ctx, silencePrefix)
	} else {
		keys, err = s.kv.keys(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("list silences: %w", err)
	}
	var out []Silence
	for _, k := range keys {
		if !strings.HasPrefix(k, silencePrefix) {
			continue
		}
		b, _, err := s.kv.get(ctx, k)
		if errors.Is(err, ErrCaseNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load silence %s: %w", k, err)
		}
		var sil Silence
		if err := json.Unmarshal(b, &sil); err != nil {
			continue
		}
		if !s.now().Before(sil.Until) {
			_ = s.kv.del(ctx, k) // expired: gone on its own
			continue
		}
		out = append(out, sil)
	}
	slices.SortFunc(out, func(a, b Silence) int { return a.Until.Compare(b.Until) })
	return out, nil
}

// match returns the first Slack silence that mutes v now.
func (s *silenceStore) match(ctx context.Context, v *mention.Verdict) (Silence, bool, error) {
	act, err := s.active(ctx)
	if err != nil {
		return Silence{}, false, err
	}
	now := s.now()
	for i := range act {
		if c := act[i].Config(); silenceMatches(&c, v, now) {
			return act[i], true, nil
		}
	}
	return Silence{}, false, nil
}

// Silences returns the silences set from Slack that are in force.
func (w *Workflow) Silences(ctx context.Context) ([]Silence, error) {
	return w.silences.active(ctx)
}

// describeMatch renders a silence's matchers as the command takes them
// ("topic=delivery source=reddit"), escaped for Slack.
func describeMatch(m config.SilenceMatch) string {
	var parts []string
	if len(m.Topic) > 0 {
		parts = append(parts, "topic="+strings.Join(m.Topic, ","))
	}
	if len(m.Rule) > 0 {
		parts = append(parts, "rule="+strings.Join(m.Rule, ","))
	}
	if len(m.Source) > 0 {
		parts = append(parts, "source="+strings.Join(m.Source, ","))
	}
	if m.Text != "" {
		parts = append(parts, fmt.Sprintf("text=%q", m.Text))
	}
	return clip(strings.Join(parts, " "), 500)
}

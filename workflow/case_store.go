package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// caseKV is the part of a key-value bucket the case store uses. The
// production implementation is a JetStream KV bucket; escalation tests use
// an in-memory one so that they can run inside a synctest bubble.
type caseKV interface {
	get(ctx context.Context, key string) (val []byte, rev uint64, err error)
	create(ctx context.Context, key string, val []byte) (uint64, error)
	update(ctx context.Context, key string, val []byte, rev uint64) (uint64, error)
	keys(ctx context.Context) ([]string, error)
	del(ctx context.Context, key string) error
	// each calls fn with the latest value of every key under prefix (a
	// token prefix ending in a dot), in one pass over the bucket.
	each(ctx context.Context, prefix string, fn func(key string, val []byte) error) error
}

var (
	errKeyExists        = errors.New("key exists")
	errRevisionMismatch = errors.New("revision mismatch")
)

// jsKV adapts a JetStream KV bucket.
type jsKV struct{ kv jetstream.KeyValue }

func (j jsKV) get(ctx context.Context, key string) ([]byte, uint64, error) {
	e, err := j.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, ErrCaseNotFound
	}
	if err != nil {
		return nil, 0, err
	}
	return e.Value(), e.Revision(), nil
}

func (j jsKV) create(ctx context.Context, key string, val []byte) (uint64, error) {
	rev, err := j.kv.Create(ctx, key, val)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, errKeyExists
	}
	return rev, err
}

func (j jsKV) update(ctx context.Context, key string, val []byte, rev uint64) (uint64, error) {
	r, err := j.kv.Update(ctx, key, val, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, errRevisionMismatch
	}
	return r, err
}

func (j jsKV) del(ctx context.Context, key string) error {
	return j.kv.Purge(ctx, key)
}

// keysPrefix lists only the keys under prefix (a token prefix ending in
// a dot), without walking every case.
func (j jsKV) keysPrefix(ctx context.Context, prefix string) ([]string, error) {
	l, err := j.kv.ListKeysFiltered(ctx, prefix+">")
	if err != nil {
		return nil, err
	}
	defer l.Stop()
	var out []string
	for k := range l.Keys() {
		out = append(out, k)
	}
	return out, nil
}

// each reads the keys' latest values with one watcher instead of a
// request per key: a restart on a year of cases reads them at stream speed.
func (j jsKV) each(ctx context.Context, prefix string, fn func(key string, val []byte) error) error {
	w, err := j.kv.WatchFiltered(ctx, []string{prefix + ">"}, jetstream.IgnoreDeletes())
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return fmt.Errorf("watch %s: stopped", prefix)
			case e == nil: // the last of the values stored when it started
				return nil
			}
			if err := fn(e.Key(), e.Value()); err != nil {
				return err
			}
		}
	}
}

func (j jsKV) keys(ctx context.Context) ([]string, error) {
	l, err := j.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	defer l.Stop()
	var out []string
	for k := range l.Keys() {
		out = append(out, k)
	}
	return out, nil
}

// memKV is an in-memory caseKV with the same compare-and-set semantics.
type memKV struct {
	mu   sync.Mutex
	rev  uint64
	vals map[string]memEntry
}

type memEntry struct {
	val []byte
	rev uint64
}

func newMemKV() *memKV { return &memKV{vals: map[string]memEntry{}} }

func (m *memKV) get(_ context.Context, key string) ([]byte, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.vals[key]
	if !ok {
		return nil, 0, ErrCaseNotFound
	}
	return slices.Clone(e.val), e.rev, nil
}

func (m *memKV) create(_ context.Context, key string, val []byte) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.vals[key]; ok {
		return 0, errKeyExists
	}
	m.rev++
	m.vals[key] = memEntry{slices.Clone(val), m.rev}
	return m.rev, nil
}

func (m *memKV) update(_ context.Context, key string, val []byte, rev uint64) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.vals[key]; !ok || e.rev != rev {
		return 0, errRevisionMismatch
	}
	m.rev++
	m.vals[key] = memEntry{slices.Clone(val), m.rev}
	return m.rev, nil
}

func (m *memKV) del(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.vals, key)
	return nil
}

func (m *memKV) each(ctx context.Context, prefix string, fn func(key string, val []byte) error) error {
	keys, _ := m.keys(ctx)
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		val, _, err := m.get(ctx, k)
		if errors.Is(err, ErrCaseNotFound) {
			continue // deleted meanwhile
		}
		if err := fn(k, val); err != nil {
			return err
		}
	}
	return nil
}

func (m *memKV) keys(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.vals))
	for k := range m.vals {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

// casePrefix starts every case key: "case.<id>". The prefix leaves room
// for other records in the bucket (incidents, silences) later.
const casePrefix = "case."

// Store keeps cases in a KV bucket. Every change is a compare-and-set on
// the revision the change was computed from, so two people clicking at
// once cannot both win.
type Store struct {
	kv      caseKV
	now     func() time.Time
	metrics *Metrics
}

// NewStore returns a Store over the JetStream KV bucket kv (mention.CasesBucket).
func NewStore(kv jetstream.KeyValue, now func() time.Time, m *Metrics) *Store {
	return newStore(jsKV{kv}, now, m)
}

func newStore(kv caseKV, now func() time.Time, m *Metrics) *Store {
	if now == nil {
		now = time.Now
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Store{kv: kv, now: now, metrics: m}
}

// Get returns the case with id and its revision.
func (s *Store) Get(ctx context.Context, id string) (*Case, uint64, error) {
	b, rev, err := s.kv.get(ctx, casePrefix+id)
	if err != nil {
		return nil, 0, fmt.Errorf("get case %s: %w", id, err)
	}
	var c Case
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, 0, fmt.Errorf("decode case %s: %w", id, err)
	}
	return &c, rev, nil
}

// create stores a new case; it returns errKeyExists when the case is
// already there (the verdict was delivered before).
func (s *Store) create(ctx context.Context, c *Case) error {
	c.V = caseVersion
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode case %s: %w", c.ID, err)
	}
	if _, err := s.kv.create(ctx, casePrefix+c.ID, b); err != nil {
		return fmt.Errorf("create case %s: %w", c.ID, err)
	}
	return nil
}

// maxCASAttempts bounds the read-modify-write loop of Modify.
const maxCASAttempts = 10

// Modify reads the case, lets fn change it and writes it back if nobody
// changed it in between; on a conflict it reads again and calls fn again
// with the newer case. An error from fn stops the loop and is returned as
// is (a *TransitionError, for instance).
func (s *Store) Modify(ctx context.Context, id string, fn func(c *Case) error) (*Case, error) {
	for range maxCASAttempts {
		c, rev, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(c); err != nil {
			return c, err
		}
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("encode case %s: %w", id, err)
		}
		_, err = s.kv.update(ctx, casePrefix+id, b, rev)
		if errors.Is(err, errRevisionMismatch) {
			s.metrics.Conflicts.Inc()
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("update case %s: %w", id, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("update case %s: %w after %d attempts", id, errRevisionMismatch, maxCASAttempts)
}

// Act applies a person's action to a case: exactly one of two concurrent
// conflicting actions succeeds; the other gets a *TransitionError naming
// the state the winner left. note is kept in the history (a snooze
// duration, a false-positive reason).
func (s *Store) Act(ctx context.Context, id, actor string, action Action, note string) (*Case, error) {
	c, err := s.Modify(ctx, id, func(c *Case) error {
		return c.apply(action, actor, note, s.now())
	})
	if err != nil {
		return c, err
	}
	s.metrics.Transitions.WithLabelValues(string(action)).Inc()
	return c, nil
}

// Each calls fn with every stored case, read in one pass. A case that
// does not decode is reported to bad (its ID and the error) and skipped.
func (s *Store) Each(ctx context.Context, fn func(c *Case) error, bad func(id string, err error)) error {
	err := s.kv.each(ctx, casePrefix, func(key string, val []byte) error {
		var c Case
		if err := json.Unmarshal(val, &c); err != nil {
			bad(strings.TrimPrefix(key, casePrefix), fmt.Errorf("decode case: %w", err))
			return nil
		}
		return fn(&c)
	})
	if err != nil {
		return fmt.Errorf("read cases: %w", err)
	}
	return nil
}

// IDs returns the IDs of all stored cases.
func (s *Store) IDs(ctx context.Context) ([]string, error) {
	keys, err := s.kv.keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	var ids []string
	for _, k := range keys {
		if id, ok := strings.CutPrefix(k, casePrefix); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

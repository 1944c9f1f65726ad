package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/VictoriaMetrics/metrics"
	"github.com/nats-io/nats.go/jetstream"
)

// openCases counts the cases that are not closed, by state and route: the
// earshot_cases_open gauge. It follows the cases bucket with one watcher,
// so every instance reports the whole bucket (aggregate with max, not sum),
// and keeps one small entry per open case; closed cases are forgotten.
type openCases struct {
	mu    sync.Mutex
	cases map[string]openKey // by KV key
	ready bool               // the watcher delivered the stored values
	// changed is signalled after every change (for tests to wait on).
	changed chan struct{}
}

type openKey struct {
	state State
	route string
}

func newOpenCases() *openCases {
	return &openCases{changed: make(chan struct{}, 1)}
}

func (o *openCases) signal() {
	select {
	case o.changed <- struct{}{}:
	default:
	}
}

// write writes the gauge earshot_cases_open{state,route}: cases not yet
// resolved or marked a false positive (every instance reports the whole
// store). Nothing is written until the stored cases are read.
func (o *openCases) write(w io.Writer) {
	counts := map[openKey]int{}
	o.mu.Lock()
	ready := o.ready
	for _, k := range o.cases {
		counts[k]++
	}
	o.mu.Unlock()
	if !ready {
		return
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b openKey) int {
		return cmp.Or(strings.Compare(string(a.state), string(b.state)), strings.Compare(a.route, b.route))
	})
	metrics.WriteMetadataIfNeeded(w, "earshot_cases_open", "gauge")
	for _, k := range keys {
		fmt.Fprintf(w, "%s %d\n", series("earshot_cases_open", []string{"state", "route"}, []string{string(k.state), k.route}), counts[k])
	}
}

// apply counts the stored case key (val, or deleted) in m (nil: the live
// counts). A case that does not decode is counted as unreadable and told
// to bad.
func (o *openCases) apply(m map[string]openKey, key string, val []byte, deleted bool, bad func(id string, err error)) {
	var c struct {
		State State  `json:"state"`
		Route string `json:"route"`
	}
	var k openKey
	if !deleted {
		err := json.Unmarshal(val, &c)
		if err == nil && c.State == "" {
			err = errors.New("no state")
		}
		switch {
		case err != nil:
			// Counted where an operator sees it, not dropped: an
			// unreadable case may well be open.
			k = openKey{state: stateUnreadable}
			bad(key, err)
		case !c.State.Final():
			k = openKey{c.State, c.Route}
		}
	}
	if m == nil {
		o.mu.Lock()
		defer o.mu.Unlock()
		m = o.cases
	}
	if k.state != "" {
		m[key] = k
	} else {
		delete(m, key)
	}
	o.signal()
}

// stateUnreadable is the state label of cases that do not decode.
const stateUnreadable State = "unreadable"

// followCases keeps o up to date until ctx is done, watching the cases
// bucket again after a lost watcher (a server restart): the counts are
// rebuilt from the stored values and swapped in when complete.
func (w *Workflow) followCases(ctx context.Context, o *openCases) {
	j, ok := w.store.kv.(jsKV)
	if !ok {
		return // the in-memory store of tests has no watcher
	}
	for attempt := 0; ctx.Err() == nil; attempt++ {
		err := o.follow(ctx, j.kv, func(id string, err error) {
			w.log.Warn("stored case unreadable; counted as state unreadable in earshot_cases_open", "case", id, "err", err)
		})
		if ctx.Err() != nil {
			return
		}
		wait := w.backoff.delay(attempt)
		w.log.Warn("open cases not followed, retrying", "retry_in", wait, "err", err)
		if !pause(ctx, wait) {
			return
		}
	}
}

func (o *openCases) follow(ctx context.Context, kv jetstream.KeyValue, bad func(id string, err error)) error {
	wt, err := kv.Watch(ctx, casePrefix+">")
	if err != nil {
		return err
	}
	defer wt.Stop()
	initial := map[string]openKey{}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-wt.Updates():
			switch {
			case !ok:
				return errWatchStopped
			case e == nil: // the stored values are in
				o.mu.Lock()
				o.cases, o.ready = initial, true
				o.mu.Unlock()
				o.signal()
				initial = nil
				continue
			}
			deleted := e.Operation() != jetstream.KeyValuePut
			key := strings.TrimPrefix(e.Key(), casePrefix)
			o.apply(initial, key, e.Value(), deleted, bad)
		}
	}
}

var errWatchStopped = errors.New("watcher stopped")

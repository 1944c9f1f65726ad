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
	// failed is the error of an alert given up on (gaveUp), so that
	// the periodic retry reads those cases, not the whole bucket; not
	// one of the gauge's labels.
	failed string
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
		k.failed = ""
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
	var k openKey
	if !deleted {
		var c Case // the fields gaveUp reads, decoded alone
		var part struct {
			State    State  `json:"state"`
			Route    string `json:"route"`
			Delivery struct {
				TS     string `json:"ts"`
				Failed string `json:"failed"`
			} `json:"delivery"`
		}
		err := json.Unmarshal(val, &part)
		c.State, c.Route, c.Delivery.TS, c.Delivery.Failed = part.State, part.Route, part.Delivery.TS, part.Delivery.Failed
		k = keyOf(key, &c, err, bad)
	}
	o.set(m, key, k)
}

// keyOf is the entry of stored case c, decoded with err: none for a
// closed case, state unreadable for one that does not decode (told to
// bad).
func keyOf(key string, c *Case, err error, bad func(id string, err error)) openKey {
	if err == nil && c.State == "" {
		err = errors.New("no state")
	}
	switch {
	case err != nil:
		// Counted where an operator sees it, not dropped: an unreadable
		// case may well be open.
		bad(key, err)
		return openKey{state: stateUnreadable}
	case !c.State.Final():
		k := openKey{state: c.State, route: c.Route}
		if gaveUp(c) {
			k.failed = c.Delivery.Failed
		}
		return k
	}
	return openKey{}
}

// givenUp returns the IDs of the cases whose alert was given up on, with
// all those whose error the same message meets again (sameAgain); false
// until the watcher has read the stored cases.
func (o *openCases) givenUp(all bool) ([]string, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.ready {
		return nil, false
	}
	var ids []string
	for id, k := range o.cases {
		if k.failed != "" && (all || !sameAgain[k.failed]) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, true
}

// set records k (none: forget the case) for key in m (nil: the live
// counts).
func (o *openCases) set(m map[string]openKey, key string, k openKey) {
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
// rebuilt from the stored values and swapped in when complete. The first
// watcher's stored values also go to first (if not nil), which ends when
// they are in or that watcher failed.
func (w *Workflow) followCases(ctx context.Context, o *openCases, first *firstPass) {
	j, ok := w.store.kv.(jsKV)
	if !ok {
		return // the in-memory store of tests has no watcher
	}
	for attempt := 0; ctx.Err() == nil; attempt++ {
		err := o.follow(ctx, j.kv, func(id string, err error) {
			w.log.Warn("stored case unreadable; counted as state unreadable in earshot_cases_open", "case", id, "err", err)
		}, first)
		if first != nil {
			first.end(cmp.Or(err, ctx.Err()))
			first = nil
		}
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

// firstPass hands the cases stored at start to resume, read by the
// open-case watcher as it counts them, so that a start reads the cases
// bucket once: a case waiting for delivery is kept for resume, any other
// is tracked (scheduled for its next escalation step) as it comes.
type firstPass struct {
	track   func(c *Case)
	waiting []*Case // in the order the store returned them
	err     error
	once    sync.Once
	done    chan struct{} // closed by end
}

func newFirstPass(track func(c *Case)) *firstPass {
	return &firstPass{track: track, done: make(chan struct{})}
}

func (f *firstPass) add(c *Case) {
	if waitsForDelivery(c) || gaveUp(c) {
		f.waiting = append(f.waiting, c)
		return
	}
	f.track(c)
}

// end ends the pass: complete (nil) or failed. Only the first call counts.
func (f *firstPass) end(err error) {
	f.once.Do(func() {
		f.err = err
		close(f.done)
	})
}

func (o *openCases) follow(ctx context.Context, kv jetstream.KeyValue, bad func(id string, err error), first *firstPass) error {
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
				if first != nil {
					first.end(nil)
					first = nil
				}
				continue
			}
			deleted := e.Operation() != jetstream.KeyValuePut
			key := strings.TrimPrefix(e.Key(), casePrefix)
			if first == nil || deleted {
				o.apply(initial, key, e.Value(), deleted, bad)
				continue
			}
			// A stored case at start: decoded once, for the count and
			// for resume.
			c := new(Case)
			err := json.Unmarshal(e.Value(), c)
			o.set(initial, key, keyOf(key, c, err, bad))
			if err == nil {
				first.add(c)
			}
		}
	}
}

var errWatchStopped = errors.New("watcher stopped")

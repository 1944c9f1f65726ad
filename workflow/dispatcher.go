package workflow

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// backoff is the retry schedule for 5xx and network errors: exponential
// from base up to max, with jitter.
type backoff struct {
	base, max time.Duration
}

var defaultBackoff = backoff{base: time.Second, max: 15 * time.Second}

func (b backoff) delay(attempt int) time.Duration {
	d := b.base
	for range min(attempt, 30) {
		d *= 2
		if d >= b.max {
			d = b.max
			break
		}
	}
	// Full jitter over the upper half, so instances do not retry in step.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// pause waits d, or until ctx is done; it reports whether it waited d.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// defaultBurst is how many messages a channel may take at once before the
// per-channel rate applies.
const defaultBurst = 3

// maxGroup is the most alerts one group message lists.
const maxGroup = 40

// dispatcher is the send stage: one queue and token bucket per destination
// (channel or direct message), one worker per queue. When more alerts wait
// than the bucket can take now, the worker posts one group message and the
// alerts in its thread instead of making the channel wait for minutes.
// Incident messages go through the same queue, so that a destination has
// one sender: its messages leave in the order they were due, and while
// Slack fails only the message at the head retries.
type dispatcher struct {
	w   *Workflow
	log *slog.Logger

	mu        sync.Mutex
	queues    map[string]*queue
	aliases   map[string]string // channel ID -> the name alerts are queued under
	unstarted []*queue
	kick      chan struct{}
	rate      rate.Limit
	burst     int
	// unlimited is set for the console: a terminal has no rate limit,
	// so alerts are printed at once and never grouped.
	unlimited bool
}

type queue struct {
	dest    string
	lim     *rate.Limiter
	mu      sync.Mutex
	pending []task
	queued  map[string]bool // the cases in pending
	wake    chan struct{}
}

// task is what a queue's worker sends next: a case's alert, an incident's
// message with the cases held for its thread, or another message for the
// destination (an escalation step).
type task struct {
	id    string
	flush *flush
	send  func(ctx context.Context)
}

func newDispatcher(w *Workflow, perSecond float64, burst int) *dispatcher {
	if perSecond <= 0 {
		perSecond = 1
	}
	if burst <= 0 {
		burst = defaultBurst
	}
	return &dispatcher{
		w: w, log: w.log, queues: map[string]*queue{}, aliases: map[string]string{}, kick: make(chan struct{}, 1),
		rate: rate.Limit(perSecond), burst: burst, unlimited: w.notifier != nil && w.notifier.kind() == "console",
	}
}

// setRate changes the per-channel rate of every queue (config reload).
func (d *dispatcher) setRate(perSecond float64) {
	if perSecond <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.rate = rate.Limit(perSecond)
	for _, q := range d.queues {
		q.lim.SetLimit(d.rate)
	}
}

// alias makes the channel ID Slack answered with share the bucket of the
// name the alert was posted to ("#social-care"), so that thread lines and
// escalations count against the same per-channel rate.
func (d *dispatcher) alias(id, dest string) {
	if id == "" || id == dest {
		return
	}
	d.mu.Lock()
	d.aliases[id] = dest
	d.mu.Unlock()
}

// queueFor returns the queue of dest, creating it.
func (d *dispatcher) queueFor(dest string) *queue {
	d.mu.Lock()
	defer d.mu.Unlock()
	if a, ok := d.aliases[dest]; ok {
		dest = a
	}
	q := d.queues[dest]
	if q == nil {
		q = &queue{dest: dest, lim: rate.NewLimiter(d.rate, d.burst), queued: map[string]bool{},
			wake: make(chan struct{}, 1)}
		d.queues[dest] = q
		d.unstarted = append(d.unstarted, q)
		select {
		case d.kick <- struct{}{}:
		default:
		}
	}
	return q
}

// enqueue adds a case to its destination's queue, once.
func (d *dispatcher) enqueue(dest, id string) {
	q := d.queueFor(dest)
	q.mu.Lock()
	if !q.queued[id] {
		q.queued[id] = true
		q.pending = append(q.pending, task{id: id})
	}
	q.mu.Unlock()
	q.kick()
}

// enqueueFlush adds an incident's flush to its destination's queue.
func (d *dispatcher) enqueueFlush(dest string, f flush) {
	q := d.queueFor(dest)
	q.mu.Lock()
	q.pending = append(q.pending, task{flush: &f})
	q.mu.Unlock()
	q.kick()
}

// run1 has the queue worker of dest run send, in its turn, and waits
// until it ran or ctx is done: messages outside the alerts (escalation
// steps) leave after what was due before them, and while Slack fails
// they do not retry beside the queue's head.
// A panic in send is recovered on the worker and returned.
func (d *dispatcher) run1(ctx context.Context, dest string, send func(ctx context.Context)) error {
	done := make(chan struct{})
	var perr error
	q := d.queueFor(dest)
	q.mu.Lock()
	q.pending = append(q.pending, task{send: func(ctx context.Context) {
		defer close(done)
		perr = d.w.guard("message", func() { send(ctx) })
	}})
	q.mu.Unlock()
	q.kick()
	select {
	case <-done:
		return perr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (q *queue) kick() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// wait takes a token of dest's bucket, for messages outside the queue
// (escalations, admin reports).
func (d *dispatcher) wait(ctx context.Context, dest string) error {
	if d.unlimited {
		return ctx.Err()
	}
	return d.queueFor(dest).lim.Wait(ctx)
}

// run starts a worker for each destination as it appears and returns when
// ctx is done and every worker stopped.
func (d *dispatcher) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	// Workers of an earlier run are gone: start one for every queue.
	d.mu.Lock()
	d.unstarted = d.unstarted[:0]
	for _, q := range d.queues {
		d.unstarted = append(d.unstarted, q)
	}
	d.mu.Unlock()
	select {
	case d.kick <- struct{}{}:
	default:
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.kick:
		}
		d.mu.Lock()
		for _, q := range d.unstarted {
			wg.Go(func() { d.work(ctx, q) })
		}
		d.unstarted = nil
		d.mu.Unlock()
	}
}

// take removes the task at the head of the queue: an incident flush or
// another message, or up to n cases, as many as wait before the next of
// those.
func (q *queue) take(n int) (ids []string, head task) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) > 0 && q.pending[0].id == "" {
		head = q.pending[0]
		q.pending = q.pending[1:]
		return nil, head
	}
	for len(ids) < n && len(q.pending) > 0 && q.pending[0].id != "" {
		ids = append(ids, q.pending[0].id)
		q.pending = q.pending[1:]
	}
	return ids, task{}
}

func (q *queue) done(id string) {
	q.mu.Lock()
	delete(q.queued, id)
	q.mu.Unlock()
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pending)
}

// work delivers the queue's cases until ctx is done. A case that is not
// delivered when ctx ends stays in state new in the store and is queued
// again when the workflow starts next.
func (d *dispatcher) work(ctx context.Context, q *queue) {
	for {
		if q.len() == 0 {
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
				continue
			}
		}
		batch, head := q.take(maxGroup)
		switch {
		case head.flush != nil:
			// It takes its tokens message by message. If it panics, its
			// cases are alerted on their own (deliver skips those it
			// delivered before the panic).
			f := *head.flush
			if d.w.guard("incident", func() { d.w.flushIncident(ctx, f) }) != nil {
				d.w.alertAlone(f)
			}
			continue
		case head.send != nil:
			head.send(ctx)
			continue
		}
		if d.unlimited {
			for _, id := range batch {
				d.w.deliver(ctx, id, "", "")
				q.done(id)
			}
			continue
		}
		if err := q.lim.Wait(ctx); err != nil {
			return
		}
		// One token is ours. Can the bucket take the rest now?
		if len(batch) == 1 || float64(len(batch)-1) <= q.lim.Tokens() {
			for i, id := range batch {
				if i > 0 {
					if err := q.lim.Wait(ctx); err != nil {
						return
					}
				}
				d.w.deliver(ctx, id, "", "")
				q.done(id)
			}
			continue
		}
		channel, ts, ok := d.w.deliverGroup(ctx, q.dest, batch)
		for i, id := range batch {
			if ok || i > 0 {
				if err := q.lim.Wait(ctx); err != nil {
					return
				}
			}
			// Without a group message (it failed for good) each alert is
			// posted on its own.
			d.w.deliver(ctx, id, channel, ts)
			q.done(id)
		}
	}
}

package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Several workflow instances may share one cases bucket. The one that opens
// a case delivers it, from its in-memory queue; if it dies before the alert
// is posted, the verdict is already acknowledged and no other instance
// would ever see the case. So every case waiting for delivery has a pending
// record naming its instance, every instance writes a heartbeat, and each
// instance regularly takes over, with a compare-and-set, the pending cases
// of instances whose heartbeat has stopped.
const (
	pendingPrefix  = "pending."
	instancePrefix = "instance."
	// heartbeatEvery is how often an instance says it is alive;
	// instanceDeadAfter without a heartbeat, it is taken for dead.
	heartbeatEvery    = 2 * time.Second
	instanceDeadAfter = 10 * time.Second
	// sweepEvery is how often an instance looks for orphaned cases.
	sweepEvery = 5 * time.Second
)

func pendingKey(id string) string     { return pendingPrefix + id }
func instanceKey(id string) string    { return instancePrefix + id }
func newInstanceID() string           { b := make([]byte, 8); _, _ = rand.Read(b); return hex.EncodeToString(b) }
func caseIDOfPending(k string) string { return strings.TrimPrefix(k, pendingPrefix) }

// pendingRecord says which instance delivers a case.
type pendingRecord struct {
	Instance string    `json:"instance"`
	Since    time.Time `json:"since"`
}

// markPending records that this instance will deliver case id.
func (w *Workflow) markPending(ctx context.Context, id string) error {
	b, _ := json.Marshal(pendingRecord{Instance: w.instance, Since: w.now()})
	_, err := w.store.kv.create(ctx, pendingKey(id), b)
	if errors.Is(err, errKeyExists) {
		return nil // a redelivered verdict: the record stands
	}
	return err
}

// clearPending removes the record once the case needs no delivery.
func (w *Workflow) clearPending(ctx context.Context, id string) {
	if err := w.store.kv.del(ctx, pendingKey(id)); err != nil && ctx.Err() == nil {
		w.log.Warn("pending record not removed", "case", id, "err", err)
	}
}

// beat writes this instance's heartbeat.
func (w *Workflow) beat(ctx context.Context) {
	key := instanceKey(w.instance)
	b := []byte(w.now().UTC().Format(time.RFC3339Nano))
	_, rev, err := w.store.kv.get(ctx, key)
	switch {
	case errors.Is(err, ErrCaseNotFound):
		_, err = w.store.kv.create(ctx, key, b)
	case err == nil:
		_, err = w.store.kv.update(ctx, key, b, rev)
	}
	if err != nil && ctx.Err() == nil {
		w.log.Warn("heartbeat not written", "instance", w.instance, "err", err)
	}
}

// alive reports whether instance has written a heartbeat recently.
func (w *Workflow) alive(ctx context.Context, instance string) bool {
	if instance == w.instance {
		return true
	}
	b, _, err := w.store.kv.get(ctx, instanceKey(instance))
	if err != nil {
		return !errors.Is(err, ErrCaseNotFound) // unsure: leave it alone
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return err == nil && w.now().Sub(t) < instanceDeadAfter
}

// runInstance beats the heart and sweeps for orphaned cases until ctx is
// done; then it removes the heartbeat, so that the others take over this
// instance's waiting cases at once.
func (w *Workflow) runInstance(ctx context.Context) {
	w.beat(ctx)
	beat := time.NewTicker(heartbeatEvery)
	defer beat.Stop()
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = w.store.kv.del(dctx, instanceKey(w.instance))
			cancel()
			return
		case <-beat.C:
			w.beat(ctx)
		case <-sweep.C:
			w.sweep(ctx)
		}
	}
}

// pendingKeys lists the pending records.
func (w *Workflow) pendingKeys(ctx context.Context) ([]string, error) {
	if pl, ok := w.store.kv.(interface {
		keysPrefix(ctx context.Context, prefix string) ([]string, error)
	}); ok {
		return pl.keysPrefix(ctx, pendingPrefix)
	}
	all, err := w.store.kv.keys(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range all {
		if strings.HasPrefix(k, pendingPrefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

// sweep takes over the pending cases of dead instances.
func (w *Workflow) sweep(ctx context.Context) {
	keys, err := w.pendingKeys(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("pending cases not listed", "err", err)
		}
		return
	}
	for _, k := range keys {
		if ctx.Err() != nil {
			return
		}
		id := caseIDOfPending(k)
		if w.claim(ctx, id, false) {
			w.adopt(ctx, id)
		}
	}
}

// claim makes this instance the deliverer of case id, unless a live
// instance is (an instance alone has no live company); it reports whether
// this instance should queue it now. A record with this instance's own
// name means "already queued", except when resuming at start, where it is
// the previous run's.
func (w *Workflow) claim(ctx context.Context, id string, resuming bool) bool {
	b, rev, err := w.store.kv.get(ctx, pendingKey(id))
	if errors.Is(err, ErrCaseNotFound) {
		// No record (a case from before records, or one opened by an
		// instance that died between the case and its record).
		return w.markPending(ctx, id) == nil
	}
	if err != nil {
		return false
	}
	var rec pendingRecord
	_ = json.Unmarshal(b, &rec)
	if rec.Instance == w.instance {
		return resuming
	}
	if !w.alone && w.alive(ctx, rec.Instance) {
		return false
	}
	nb, _ := json.Marshal(pendingRecord{Instance: w.instance, Since: w.now()})
	if _, err := w.store.kv.update(ctx, pendingKey(id), nb, rev); err != nil {
		return false // another instance was faster
	}
	w.log.Info("case taken over from a stopped instance", "case", id, "from", rec.Instance)
	return true
}

// adopt queues a claimed case if it still waits for delivery, and drops
// the record otherwise.
func (w *Workflow) adopt(ctx context.Context, id string) {
	c, _, err := w.store.Get(ctx, id)
	if errors.Is(err, ErrCaseNotFound) {
		w.clearPending(ctx, id)
		return
	}
	if err != nil {
		return
	}
	if !waitsForDelivery(c) {
		w.clearPending(ctx, id)
		return
	}
	w.track(c)
}

func waitsForDelivery(c *Case) bool {
	return c.State == StateNew && c.Delivery.TS == "" && c.Delivery.Failed == ""
}

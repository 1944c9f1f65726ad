package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Incidents group many critical mentions of one topic, or of one thread
// (the same page, whatever the comment anchor), on one route, like
// Alertmanager groups alerts: the first mentions are alerted one by one
// (speed matters); once incidentThreshold of them arrived within
// incidentWindow, an incident message is posted after groupWait (to
// collect the rest of the burst) and those that follow go into its thread,
// each a full alert with its buttons. The message is updated in place
// with the count at most every groupInterval. The incident ends when
// incidentWindow passes without a new mention. A thread is a more specific
// group than a topic, so it is tried first.
//
// Instances that share a cases bucket share their groups: the group's
// record in the bucket, under "incident.<sha256(key)[:16 hex]>", counts the
// arrivals of every instance and, once the incident opened, names the
// instance that posts its message (the one whose mention opened it) and
// where the message is. Every record change is a compare-and-set. The other
// instances hold their cases of the group until the message is there, then
// post them into its thread; if the owner stops before it posts, another
// takes over. Cases of an incident name it (Case.Incident). Cases held for
// an incident message are stored as new before they are held, so a crash
// never loses them: the next run delivers them one by one.
const (
	incidentPrefix = "incident."
	// DefaultIncidentThreshold critical mentions of one group within
	// DefaultIncidentWindow make an incident.
	DefaultIncidentThreshold = 3
	DefaultIncidentWindow    = 30 * time.Minute
	// DefaultGroupWait is how long a new incident collects mentions before
	// its message is posted; DefaultGroupInterval how often at most it is
	// updated with the ones that followed.
	DefaultGroupWait     = 30 * time.Second
	DefaultGroupInterval = time.Minute
)

// incidentSettings are the grouping parameters (tests shorten them).
type incidentSettings struct {
	threshold              int
	window, wait, interval time.Duration
}

var defaultIncidentSettings = incidentSettings{
	threshold: DefaultIncidentThreshold, window: DefaultIncidentWindow,
	wait: DefaultGroupWait, interval: DefaultGroupInterval,
}

// Incident is the stored record of an incident group, shared by the
// instances.
type Incident struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Route string `json:"route"`
	// Opened is when the incident began; zero while the group has not
	// reached the threshold.
	Opened  time.Time `json:"opened,omitzero"`
	Channel string    `json:"channel,omitempty"`
	TS      string    `json:"ts,omitempty"`
	// Cases are the IDs of the cases in the incident's thread.
	Cases []string `json:"cases"`
	// Earlier is how many mentions of the group were alerted on their own
	// before the incident began.
	Earlier int `json:"earlier"`
	// Arrivals are the latest arrival times of the group's mentions within
	// the window, of every instance (at most the threshold's number).
	Arrivals []time.Time `json:"arrivals,omitempty"`
	// Owner is the instance that posts the incident message.
	Owner string `json:"owner,omitempty"`
}

// group is this instance's part of an incident group: the cases it holds
// for the incident's thread.
type group struct {
	key     string
	pending []string  // cases waiting for the incident message
	due     time.Time // when to flush pending (zero: nothing due)
	updated time.Time // this instance's last post or update of the message
	last    time.Time // this instance's last mention of the group
	sample  *Case     // for the destination and the header
	// waiting is when this instance first found the incident without its
	// message (another instance posts it).
	waiting time.Time
}

// incidents tracks the groups.
type incidents struct {
	set  incidentSettings
	mu   sync.Mutex
	m    map[string]*group
	kick chan struct{}
}

func newIncidents(s incidentSettings) *incidents {
	return &incidents{set: s, m: map[string]*group{}, kick: make(chan struct{}, 1)}
}

// threadPath finds Reddit-style thread IDs in a path.
var threadPath = regexp.MustCompile(`^(.*/comments/[^/]+)`)

// threadKey returns the thread a mention's URL belongs to: host and path
// without query and fragment (Reddit comments cut to their thread), or ""
// for no usable URL.
func threadKey(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if m := threadPath.FindStringSubmatch(p); m != nil {
		p = m[1]
	}
	return strings.ToLower(strings.TrimPrefix(u.Host, "www.")) + p
}

// groupKey is an incident group a case belongs to, and its label.
type groupKey struct{ key, label string }

// groupKeys returns the groups of case c, the most specific first.
func groupKeys(c *Case) []groupKey {
	var keys []groupKey
	if t := threadKey(c.Verdict.Mention.URL); t != "" {
		keys = append(keys, groupKey{c.Route + "|thread|" + t, "thread " + t})
	}
	if topic := c.Verdict.Topic(); topic != "" {
		keys = append(keys, groupKey{c.Route + "|topic|" + topic, "topic " + topic})
	}
	return keys
}

// holdIncident counts case c, just opened, in its groups and decides
// whether it belongs to an incident. It returns the incident's key when
// the case is held for the incident's thread (it must not be queued on its
// own), else "". When the bucket cannot be reached the case is not held:
// it is alerted on its own.
func (w *Workflow) holdIncident(ctx context.Context, c *Case, now time.Time) string {
	set := w.inc.set
	held := ""
	for _, k := range groupKeys(c) {
		var opened, joined bool
		rec, err := w.updateIncident(ctx, k.key, func(r *Incident) bool {
			opened, joined = false, false
			if r.Key == "" {
				*r = Incident{Key: k.key, Label: k.label, Route: c.Route}
			}
			cut := 0
			for cut < len(r.Arrivals) && now.Sub(r.Arrivals[cut]) >= set.window {
				cut++
			}
			r.Arrivals = r.Arrivals[cut:]
			if len(r.Arrivals) == 0 && !r.Opened.IsZero() {
				// A window without a mention ended the incident.
				*r = Incident{Key: k.key, Label: k.label, Route: c.Route}
			}
			r.Arrivals = append(r.Arrivals, now)
			if n := len(r.Arrivals); n > set.threshold {
				r.Arrivals = slices.Clone(r.Arrivals[n-set.threshold:])
			}
			switch {
			case held != "": // counted for every group, held by the first
			case !r.Opened.IsZero():
				joined = true
			case len(r.Arrivals) >= set.threshold:
				opened = true
				r.Opened, r.Owner, r.Earlier = now, w.instance, len(r.Arrivals)-1
			}
			return true
		})
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("incident group not counted", "group", k.key, "err", err)
			}
			continue
		}
		if !opened && !joined {
			continue
		}
		held = k.key
		due := now.Add(set.wait)
		switch {
		case joined && rec.TS == "":
			due = rec.Opened.Add(set.wait) // when the owner posts
		case joined:
			due = time.Time{} // as often as group_interval allows
		}
		w.inc.hold(k.key, c, now, due)
		if opened {
			w.log.Info("incident opens: alerts of its group are held for one message", "case", c.ID, "incident", k.key, "earlier", rec.Earlier, "until", due)
		} else {
			w.log.Info("case held for its incident's message", "case", c.ID, "incident", k.key)
		}
	}
	return held
}

// hold notes that this instance holds case c for the incident key, to be
// flushed at due (zero: group_interval after the last flush, or now).
func (in *incidents) hold(key string, c *Case, now, due time.Time) {
	in.mu.Lock()
	g := in.m[key]
	if g == nil {
		g = &group{key: key}
		in.m[key] = g
	}
	g.last = now
	g.pending = append(g.pending, c.ID)
	if g.sample == nil {
		g.sample = c
	}
	if g.due.IsZero() {
		if due.IsZero() {
			due = g.updated.Add(in.set.interval)
			if due.Before(now) {
				due = now
			}
		}
		g.due = due
	}
	in.mu.Unlock()
	select {
	case in.kick <- struct{}{}:
	default:
	}
}

// retry puts a flush's cases back, to be flushed again at due.
func (in *incidents) retry(f flush, due time.Time) {
	in.mu.Lock()
	g := f.g
	g.pending = append(slices.Clone(f.ids), g.pending...)
	if g.due.IsZero() || due.Before(g.due) {
		g.due = due
	}
	if _, ok := in.m[g.key]; !ok {
		in.m[g.key] = g
	}
	in.mu.Unlock()
	select {
	case in.kick <- struct{}{}:
	default:
	}
}

// next returns the earliest time something is due: a flush, or the end
// of an idle group.
func (in *incidents) next() time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	var next time.Time
	for _, g := range in.m {
		at := g.due
		if at.IsZero() {
			at = g.last.Add(in.set.window)
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

// take returns the groups due at now with their pending cases, and
// forgets the groups idle for a window.
func (in *incidents) take(now time.Time) []flush {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []flush
	for k, g := range in.m {
		if !g.due.IsZero() && !now.Before(g.due) {
			out = append(out, flush{g: g, ids: g.pending})
			g.pending, g.due = nil, time.Time{}
			continue
		}
		if g.due.IsZero() && now.Sub(g.last) >= in.set.window {
			delete(in.m, k)
		}
	}
	return out
}

type flush struct {
	g   *group
	ids []string
}

// runIncidents hands the incidents' due messages to their destinations'
// queues until ctx is done; the queues' workers post them (flushIncident).
func (w *Workflow) runIncidents(ctx context.Context) {
	in := w.inc
	for {
		if !sleepUntil(ctx, w.now, in.next(), in.kick) {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		for _, f := range in.take(w.now()) {
			if len(f.ids) == 0 {
				continue
			}
			in.mu.Lock()
			sample := f.g.sample
			in.mu.Unlock()
			w.disp.enqueueFlush(w.dest(sample), f)
		}
	}
}

// ownerWait is how long an instance holds its cases for an incident
// message that another instance should post, past group_wait, before it
// alerts them on their own; ownerPoll how often it looks for the message.
const (
	ownerWait = time.Minute
	ownerPoll = 2 * time.Second
)

// flushIncident posts the incident message (the first time, by the owner)
// or updates it, then delivers the flushed cases into its thread. It runs
// on the destination's queue worker.
func (w *Workflow) flushIncident(ctx context.Context, f flush) {
	in := w.inc
	in.mu.Lock()
	sample, key := f.g.sample, f.g.key
	in.mu.Unlock()
	alone := func() { w.alertAlone(f) }
	b, _, err := w.store.kv.get(ctx, incidentPrefix+incidentHash(key))
	var rec Incident
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil || rec.Opened.IsZero() {
		// The record is gone or the incident ended: alerted on their own.
		if err != nil && ctx.Err() == nil {
			w.log.Warn("incident not read; its cases are alerted on their own", "incident", key, "err", err)
		}
		alone()
		return
	}
	if rec.TS == "" && rec.Owner != w.instance && w.alive(ctx, rec.Owner) {
		// The owner posts the message: wait for it, within bounds.
		now := w.now()
		in.mu.Lock()
		if f.g.waiting.IsZero() {
			f.g.waiting = now
		}
		waited := now.Sub(f.g.waiting)
		in.mu.Unlock()
		if waited < ownerWait {
			in.retry(f, now.Add(ownerPoll))
			return
		}
		w.log.Warn("incident message not posted by its owner in time; cases alerted on their own", "incident", key, "owner", rec.Owner)
		alone()
		return
	}

	a, err := w.view(ctx, sample)
	if err != nil {
		w.log.Warn("incident destination not resolved", "incident", key, "err", err)
	}
	dest := target(sample, a)
	if rec.TS == "" {
		// This instance posts the message: it opened the incident, or its
		// owner stopped.
		rec.Cases = append(rec.Cases, f.ids...)
		msg := incidentMessage(&rec, w.now())
		var channel, ts string
		_, err := w.send(ctx, "incident", func(ctx context.Context) error {
			if err := w.disp.wait(ctx, w.dest(sample)); err != nil {
				return err
			}
			var perr error
			channel, ts, perr = w.notifier.post(ctx, dest, msg)
			return perr
		})
		if err != nil {
			if ctx.Err() == nil {
				w.logError(ctx, "incident message not delivered", "incident", key, "err", err)
				alone() // the held cases are alerted on their own
			}
			return
		}
		w.metrics.Incidents.Inc()
		w.log.Info("incident opened", "incident", key, "route", rec.Route, "channel", channel, "ts", ts)
		rec, err = w.updateIncident(ctx, key, func(r *Incident) bool {
			if r.Opened.IsZero() || r.TS != "" {
				return false // ended meanwhile, or posted by another: keep it
			}
			r.Channel, r.TS, r.Owner = channel, ts, w.instance
			r.Cases = append(r.Cases, f.ids...)
			return true
		})
		if err != nil || rec.TS != ts {
			w.log.Warn("incident message not recorded", "incident", key, "err", err)
			rec.Channel, rec.TS = channel, ts
		}
	} else {
		posted := rec.TS
		rec, err = w.updateIncident(ctx, key, func(r *Incident) bool {
			if r.TS != posted {
				return false // the incident ended meanwhile (and may have begun anew)
			}
			r.Cases = append(r.Cases, f.ids...)
			return true
		})
		if err != nil || rec.TS != posted {
			if ctx.Err() == nil {
				w.log.Warn("incident not updated; its cases are alerted on their own", "incident", key, "err", err)
				alone()
			}
			return
		}
		if _, err := w.send(ctx, "incident_update", func(ctx context.Context) error {
			return w.notifier.update(ctx, rec.Channel, rec.TS, incidentMessage(&rec, w.now()))
		}); err != nil && ctx.Err() == nil {
			w.log.Warn("incident message not updated", "incident", key, "err", err)
		}
	}
	in.mu.Lock()
	f.g.updated, f.g.waiting = w.now(), time.Time{}
	in.mu.Unlock()
	for _, id := range f.ids {
		if err := w.disp.wait(ctx, w.dest(sample)); err != nil {
			return // stays new: the next run delivers it
		}
		w.deliver(ctx, id, rec.Channel, rec.TS)
	}
}

// alertAlone queues the cases of f for alerts of their own.
func (w *Workflow) alertAlone(f flush) {
	w.inc.mu.Lock()
	sample := f.g.sample
	w.inc.mu.Unlock()
	for _, id := range f.ids {
		w.disp.enqueue(w.dest(sample), id)
	}
}

// incidentMessage is the incident message for rec.
func incidentMessage(rec *Incident, now time.Time) message {
	return message{Text: clip(incidentText(rec), 300), Blocks: incidentBlocks(rec, now),
		Console: "=== INCIDENT: " + incidentText(rec) + " ==="}
}

// updateIncident changes the group record key with fn in a compare-and-set
// loop and returns the record as stored. fn returns false to leave the
// record as it is.
func (w *Workflow) updateIncident(ctx context.Context, key string, fn func(r *Incident) bool) (Incident, error) {
	kvKey := incidentPrefix + incidentHash(key)
	var err error
	for range maxCASAttempts {
		var rec Incident
		b, rev, gerr := w.store.kv.get(ctx, kvKey)
		switch {
		case errors.Is(gerr, ErrCaseNotFound):
		case gerr != nil:
			return rec, gerr
		default:
			if err := json.Unmarshal(b, &rec); err != nil {
				w.log.Warn("incident record unreadable; the group starts anew", "incident", key, "err", err)
				rec = Incident{}
			}
		}
		if !fn(&rec) {
			return rec, nil
		}
		nb, merr := json.Marshal(&rec)
		if merr != nil {
			return rec, merr
		}
		if gerr != nil {
			_, err = w.store.kv.create(ctx, kvKey, nb)
		} else {
			_, err = w.store.kv.update(ctx, kvKey, nb, rev)
		}
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, errKeyExists) && !errors.Is(err, errRevisionMismatch) {
			return rec, err
		}
	}
	return Incident{}, fmt.Errorf("incident %s: %w", key, err)
}

// incidentHash is the KV key token of an incident key.
func incidentHash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:8])
}

// incidentText is the notification text of an incident message.
func incidentText(inc *Incident) string {
	return fmt.Sprintf("Incident: %d critical mentions, %s", len(inc.Cases)+inc.Earlier, inc.Label)
}

// incidentBlocks renders an incident message.
func incidentBlocks(inc *Incident, now time.Time) []slack.Block {
	n := len(inc.Cases) + inc.Earlier
	head := fmt.Sprintf(":rotating_light: Incident: %d critical mentions", n)
	body := fmt.Sprintf("*%s* on route *%s* since %s. ", clip(inc.Label, 300), clip(inc.Route, 100),
		inc.Opened.In(time.Local).Format("Mon 2 Jan 15:04 MST"))
	if inc.Earlier > 0 {
		body += fmt.Sprintf("%d were alerted on their own before; ", inc.Earlier)
	}
	body += fmt.Sprintf("%d follow in this thread, each with its guideline and buttons.", len(inc.Cases))
	return []slack.Block{
		slack.NewHeaderBlock(plain(head)), // earshot's own text: its emoji stays live
		section(body),
		slack.NewContextBlock("", mrkdwn("Updated "+now.In(time.Local).Format("15:04 MST")+
			". Further mentions of the same topic or thread join this incident.")),
	}
}

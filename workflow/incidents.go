package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
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
// The incident message's place is kept in the cases bucket under
// "incident.<sha256(key)[:16 hex]>"; cases of an incident name it
// (Case.Incident). Cases held for an incident message are stored as new
// before they are held, so a crash never loses them: the next run delivers
// them one by one.
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

// Incident is the stored record of an incident message.
type Incident struct {
	Key     string    `json:"key"`
	Label   string    `json:"label"`
	Route   string    `json:"route"`
	Opened  time.Time `json:"opened"`
	Channel string    `json:"channel,omitempty"`
	TS      string    `json:"ts,omitempty"`
	// Cases are the IDs of the cases in the incident's thread.
	Cases []string `json:"cases"`
	// Earlier is how many mentions of the group were alerted on their own
	// before the incident began.
	Earlier int `json:"earlier"`
}

// group is one incident group's state in memory.
type group struct {
	key, label, route string
	arrivals          []time.Time // within the window
	open              *Incident   // nil: no incident
	pending           []string    // cases waiting for the incident message
	due               time.Time   // when to flush pending (zero: nothing due)
	updated           time.Time   // last post or update of the message
	last              time.Time
	sample            *Case // for the destination and the header
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

// hold decides whether case c, just opened, belongs to an incident. It
// returns the incident's key when the case is held for the incident's
// thread (it must not be queued on its own), else "".
func (in *incidents) hold(c *Case, now time.Time) string {
	var keys [][2]string
	if t := threadKey(c.Verdict.Mention.URL); t != "" {
		keys = append(keys, [2]string{c.Route + "|thread|" + t, "thread " + t})
	}
	if topic := c.Verdict.Topic(); topic != "" {
		keys = append(keys, [2]string{c.Route + "|topic|" + topic, "topic " + topic})
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	held := ""
	for _, k := range keys {
		g := in.m[k[0]]
		if g == nil {
			g = &group{key: k[0], label: k[1], route: c.Route}
			in.m[k[0]] = g
		}
		cut := 0
		for cut < len(g.arrivals) && now.Sub(g.arrivals[cut]) >= in.set.window {
			cut++
		}
		g.arrivals = append(g.arrivals[cut:], now)
		g.last = now
		if held != "" {
			continue // counted for every group, held by the first
		}
		switch {
		case g.open != nil:
			g.pending = append(g.pending, c.ID)
			if g.due.IsZero() {
				g.due = g.updated.Add(in.set.interval)
				if g.due.Before(now) {
					g.due = now
				}
			}
		case len(g.arrivals) >= in.set.threshold:
			g.open = &Incident{Key: g.key, Label: g.label, Route: c.Route, Opened: now, Earlier: len(g.arrivals) - 1}
			g.pending = append(g.pending, c.ID)
			g.due = now.Add(in.set.wait)
			g.sample = c
		default:
			continue
		}
		held = g.key
	}
	if held != "" {
		select {
		case in.kick <- struct{}{}:
		default:
		}
	}
	return held
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
			out = append(out, flush{g: g, inc: g.open, ids: g.pending})
			g.pending, g.due, g.updated = nil, time.Time{}, now
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
	inc *Incident
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
			if f.inc == nil || len(f.ids) == 0 {
				continue
			}
			in.mu.Lock()
			sample := f.g.sample
			in.mu.Unlock()
			w.disp.enqueueFlush(w.dest(sample), f)
		}
	}
}

// flushIncident posts the incident message (the first time) or updates
// it, then delivers the pending cases into its thread.
func (w *Workflow) flushIncident(ctx context.Context, f flush) {
	inc := f.inc
	if inc == nil || len(f.ids) == 0 {
		return
	}
	w.inc.mu.Lock()
	sample := f.g.sample
	inc.Cases = append(inc.Cases, f.ids...)
	snapshot := *inc
	snapshot.Cases = append([]string(nil), inc.Cases...)
	w.inc.mu.Unlock()

	a, err := w.view(ctx, sample)
	if err != nil {
		w.log.Warn("incident destination not resolved", "incident", inc.Key, "err", err)
	}
	dest := target(sample, a)
	msg := message{Text: clip(incidentText(&snapshot), 300), Blocks: incidentBlocks(&snapshot, w.now()),
		Console: "=== INCIDENT: " + incidentText(&snapshot) + " ==="}
	if snapshot.TS == "" {
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
				w.logError(ctx, "incident message not delivered", "incident", inc.Key, "err", err)
				// The held cases are alerted on their own.
				for _, id := range f.ids {
					w.disp.enqueue(w.dest(sample), id)
				}
			}
			return
		}
		w.inc.mu.Lock()
		inc.Channel, inc.TS = channel, ts
		snapshot.Channel, snapshot.TS = channel, ts
		w.inc.mu.Unlock()
		w.metrics.Incidents.Inc()
		w.log.Info("incident opened", "incident", inc.Key, "route", inc.Route, "channel", channel, "ts", ts)
	} else {
		if _, err := w.send(ctx, "incident_update", func(ctx context.Context) error {
			return w.notifier.update(ctx, snapshot.Channel, snapshot.TS, msg)
		}); err != nil && ctx.Err() == nil {
			w.log.Warn("incident message not updated", "incident", inc.Key, "err", err)
		}
	}
	w.saveIncident(ctx, &snapshot)
	for _, id := range f.ids {
		if err := w.disp.wait(ctx, w.dest(sample)); err != nil {
			return // stays new: the next run delivers it
		}
		w.deliver(ctx, id, snapshot.Channel, snapshot.TS)
	}
}

// saveIncident stores the incident record (last writer wins: it only
// grows).
func (w *Workflow) saveIncident(ctx context.Context, inc *Incident) {
	b, err := json.Marshal(inc)
	if err != nil {
		return
	}
	key := incidentPrefix + incidentHash(inc.Key)
	for range maxCASAttempts {
		_, rev, gerr := w.store.kv.get(ctx, key)
		if gerr != nil {
			_, err = w.store.kv.create(ctx, key, b)
		} else {
			_, err = w.store.kv.update(ctx, key, b, rev)
		}
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil && ctx.Err() == nil {
		w.log.Warn("incident not stored", "incident", inc.Key, "err", err)
	}
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
		slack.NewHeaderBlock(plain(clip(head, maxHeaderText))),
		section(body),
		slack.NewContextBlock("", mrkdwn("Updated "+now.In(time.Local).Format("15:04 MST")+
			". Further mentions of the same topic or thread join this incident.")),
	}
}

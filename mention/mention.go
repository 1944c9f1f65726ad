// Package mention holds the messages that travel between earshot's stages
// and the NATS subjects they travel on.
//
// It is deliberately tiny and imports only the standard library, so that every
// stage (listener, classifier, workflow) can depend on it without pulling in
// another stage's libraries. Messages are JSON on the wire and carry a version
// field so that a reader can refuse a message it does not understand instead
// of misreading it.
package mention

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Version is the wire format version written into every message.
// Readers accept messages with a version they know (1..Version).
const Version = 1

// The most of a mention's title and text that is classified: the listener
// keeps no more, and the classifier reads no further in a mention from
// elsewhere (the substance of a post, not a whole article; the work and
// memory of classifying grow with the text).
const (
	MaxTitleBytes = 1 << 10
	MaxTextBytes  = 16 << 10
)

// Subjects and stream names used on NATS. Stages publish and subscribe only
// through these names, so the wiring stays visible in one place.
const (
	// MentionsStream holds every collected mention, subject MentionsPrefix+"<source>".
	MentionsStream = "EARSHOT_MENTIONS"
	MentionsPrefix = "earshot.mentions."
	// VerdictsStream holds every classified mention, subject VerdictsPrefix+"<topic>".
	VerdictsStream = "EARSHOT_VERDICTS"
	VerdictsPrefix = "earshot.verdicts."
	// EventsStream holds operational events (source health changes and similar)
	// that the workflow reports to the admin channel.
	EventsStream = "EARSHOT_EVENTS"
	EventsPrefix = "earshot.events."
	// HealthSubject carries SourceHealth events.
	HealthSubject = EventsPrefix + "health"

	// SeenBucket is the KV bucket of dedup keys (key: hashed mention ID).
	SeenBucket = "earshot_seen"
	// FeedsBucket is the KV bucket of per-source fetch state (ETag,
	// Last-Modified, health, backoff).
	FeedsBucket = "earshot_feeds"
	// CasesBucket is the KV bucket of workflow cases.
	CasesBucket = "earshot_cases"
)

// MentionSubject returns the subject a mention from source is published on.
func MentionSubject(source string) string { return MentionsPrefix + SubjectToken(source) }

// VerdictSubject returns the subject a verdict with the given primary topic
// is published on. An empty topic becomes "none".
func VerdictSubject(topic string) string {
	if topic == "" {
		topic = "none"
	}
	return VerdictsPrefix + SubjectToken(topic)
}

// SubjectToken turns a free-form name into a single NATS subject token:
// the characters NATS gives meaning to (space, '.', '*', '>') and control
// characters become '_'.
func SubjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r <= ' ', r == '.', r == '*', r == '>', r == 0x7f:
			return '_'
		}
		return r
	}, s)
}

// Engagement holds the reach numbers a feed reports for an item, where it
// reports any. Zero means unknown.
type Engagement struct {
	Points   int `json:"points,omitempty"`
	Comments int `json:"comments,omitempty"`
	Views    int `json:"views,omitempty"`
	Likes    int `json:"likes,omitempty"`
	Shares   int `json:"shares,omitempty"`
}

// Mention is one item found on the web that names the brand.
type Mention struct {
	V int `json:"v"`
	// ID is the dedup key: source-prefixed and stable across polls.
	ID string `json:"id"`
	// Source is the name of the configured source that first found the item;
	// Sources lists every source that found the same canonical URL.
	Source  string   `json:"source"`
	Sources []string `json:"sources,omitempty"`
	URL     string   `json:"url,omitempty"`
	Title   string   `json:"title,omitempty"`
	Text    string   `json:"text,omitempty"`
	Author  string   `json:"author,omitempty"`
	// Published is when the item says it was published; FirstSeen is when
	// earshot first saw it.
	Published  time.Time  `json:"published"`
	FirstSeen  time.Time  `json:"first_seen"`
	Lang       string     `json:"lang,omitempty"`
	Engagement Engagement `json:"engagement,omitzero"`
	// Baseline marks items found on a source's first fetch: recorded and
	// counted, but not alerted.
	Baseline bool `json:"baseline,omitempty"`
	// BrandOnly marks items of a source whose every item is about the brand,
	// so the classifier does not require a brand term.
	BrandOnly bool `json:"brand_only,omitempty"`
	// Update marks a re-announcement of a mention published before: another
	// source found the same item, and Sources now lists both. It carries no
	// news: stages merge it into what they have and never alert on it.
	Update bool `json:"update,omitempty"`
}

// Span is a byte range [Start, End) in a mention's Title+"\n"+Text, as
// returned by Mention.Body.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Match is one rule that fired on a mention.
type Match struct {
	Rule      string `json:"rule"`
	Topic     string `json:"topic,omitempty"`
	Criticism bool   `json:"criticism"`
	// TopicOnly marks a rule that only assigns its topic: neither
	// criticism nor praise, it does not change the score.
	TopicOnly bool    `json:"topic_only,omitempty"`
	Weight    float64 `json:"weight"`
	// Spans are where the rule matched, sorted by start: the first
	// MaxSpans of them (a long text can match a word thousands of times;
	// an alert highlights a few).
	Spans []Span `json:"spans,omitempty"`
}

// MaxSpans is the most spans a Match carries.
const MaxSpans = 32

// Severity grades a critical mention.
type Severity string

// The severities, in rising order.
const (
	SeverityNone   Severity = ""
	SeverityLow    Severity = "low"
	SeverityMedium Severity = "medium"
	SeverityHigh   Severity = "high"
	SeverityCrisis Severity = "crisis"
)

// Rank orders severities: none < low < medium < high < crisis.
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCrisis:
		return 4
	}
	return 0
}

// ParseSeverity parses a severity name; the empty string is SeverityNone.
func ParseSeverity(s string) (Severity, error) {
	switch v := Severity(strings.ToLower(s)); v {
	case SeverityNone, SeverityLow, SeverityMedium, SeverityHigh, SeverityCrisis:
		return v, nil
	}
	return "", fmt.Errorf("unknown severity %q (want low, medium, high or crisis)", s)
}

// Verdict is a mention together with what the classifier decided about it.
type Verdict struct {
	V         int      `json:"v"`
	Mention   Mention  `json:"mention"`
	Criticism bool     `json:"criticism"`
	Score     float64  `json:"score"`
	Severity  Severity `json:"severity,omitempty"`
	// Topics lists the matched topics, the strongest first.
	Topics []string `json:"topics,omitempty"`
	Rules  []Match  `json:"rules,omitempty"`
	// Lang is the language the classifier used.
	Lang       string    `json:"lang,omitempty"`
	Classified time.Time `json:"classified"`
}

// Topic returns the verdict's primary topic, or "" when it has none.
func (v *Verdict) Topic() string {
	if len(v.Topics) == 0 {
		return ""
	}
	return v.Topics[0]
}

// Body returns the text the classifier reads and that Span offsets refer to:
// the title, a newline, and the text. Either part may be empty.
func (m *Mention) Body() string {
	switch {
	case m.Title == "":
		return m.Text
	case m.Text == "":
		return m.Title
	}
	return m.Title + "\n" + m.Text
}

// HealthState is the state of a source.
type HealthState string

// The source health states.
const (
	HealthUp          HealthState = "up"
	HealthFailing     HealthState = "failing"
	HealthRateLimited HealthState = "rate_limited"
	HealthStale       HealthState = "stale"
)

// SourceHealth is published whenever a source's health changes.
type SourceHealth struct {
	V        int         `json:"v"`
	Source   string      `json:"source"`
	State    HealthState `json:"state"`
	Previous HealthState `json:"previous,omitempty"`
	Error    string      `json:"error,omitempty"`
	Until    time.Time   `json:"until,omitzero"`
	Changed  time.Time   `json:"changed"`
}

// ErrVersion is returned by the decoders for a message from a newer writer.
type ErrVersion struct{ Got int }

func (e *ErrVersion) Error() string {
	return fmt.Sprintf("message version %d not supported (this build reads up to %d)", e.Got, Version)
}

func checkVersion(v int) error {
	if v < 1 || v > Version {
		return &ErrVersion{Got: v}
	}
	return nil
}

// Encode sets the version and marshals m.
func (m Mention) Encode() ([]byte, error) {
	m.V = Version
	return json.Marshal(m)
}

// DecodeMention unmarshals a mention and checks its version.
func DecodeMention(b []byte) (Mention, error) {
	var m Mention
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("decode mention: %w", err)
	}
	return m, checkVersion(m.V)
}

// Encode sets the versions and marshals v.
func (v Verdict) Encode() ([]byte, error) {
	v.V = Version
	v.Mention.V = Version
	return json.Marshal(v)
}

// DecodeVerdict unmarshals a verdict and checks its version.
func DecodeVerdict(b []byte) (Verdict, error) {
	var v Verdict
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decode verdict: %w", err)
	}
	return v, checkVersion(v.V)
}

// Encode sets the version and marshals h.
func (h SourceHealth) Encode() ([]byte, error) {
	h.V = Version
	return json.Marshal(h)
}

// DecodeSourceHealth unmarshals a health event and checks its version.
func DecodeSourceHealth(b []byte) (SourceHealth, error) {
	var h SourceHealth
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("decode source health: %w", err)
	}
	return h, checkVersion(h.V)
}

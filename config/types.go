package config

import (
	"fmt"
	"strings"
	"time"
)

// Config is the whole config file. Field names are the contract described in
// docs/config.md; managers edit this file, so every field has a comment that
// says what it is for.
type Config struct {
	// DataDir holds the JetStream store of the embedded NATS server.
	DataDir string `yaml:"data_dir"`
	NATS    NATS   `yaml:"nats"`
	HTTP    HTTP   `yaml:"http"`
	Log     Log    `yaml:"log"`
	Store   Store  `yaml:"store"`
	// Shadow: listen, classify and count, but send no alerts.
	Shadow     bool                 `yaml:"shadow"`
	Brand      Brand                `yaml:"brand"`
	Listener   Listener             `yaml:"listener"`
	Sources    []Source             `yaml:"sources"`
	Rules      Rules                `yaml:"rules"`
	Routes     []Route              `yaml:"routes"`
	Guidelines map[string]Guideline `yaml:"guidelines"`
	Policy     Policy               `yaml:"policy"`
	Slack      Slack                `yaml:"slack"`
	Reports    []Report             `yaml:"reports"`
	Silences   []Silence            `yaml:"silences"`
	Tests      []Test               `yaml:"tests"`

	// File is the path the config was loaded from ("" when parsed from bytes).
	File string `yaml:"-"`
	// Hash is the SHA-256 of the file's bytes, hex encoded.
	Hash string `yaml:"-"`
	// Warnings are problems that do not stop the config from being used,
	// such as a poll interval under a minute.
	Warnings []string `yaml:"-"`

	pos map[string]position
	// given holds the paths of the fields the file sets (to a value other
	// than null), so that an explicit 0s is told from a field left empty.
	given map[string]bool
	// blank holds, by path, the ${VAR} references that gave the empty
	// string.
	blank map[string][]envRef
	// broken holds, for a config from ParseAll with problems, the paths
	// the problems lie in ("" for one that names no field).
	broken []string
	// envValues maps the value of each environment variable the file
	// refers to (8 bytes or longer) to its reference, "${NAME}": errors
	// show the reference, never the value (see redact).
	envValues map[string]string
}

// NATS says where the message store is.
type NATS struct {
	// URL of an external server or cluster (comma separated). Empty: embedded server.
	URL string `yaml:"url"`
	// Listen lets other processes reach the embedded server, e.g. 127.0.0.1:4222.
	Listen string `yaml:"listen"`
	// Credentials is a NATS .creds file for an external server.
	Credentials string `yaml:"credentials"`
	TLS         TLS    `yaml:"tls"`
	// Replicas of streams and KV buckets (1 for a single server, 3 for a cluster).
	Replicas int `yaml:"replicas"`
}

// TLS configures the client side of a TLS connection.
type TLS struct {
	CA   string `yaml:"ca"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// HTTP configures the operator endpoint (/metrics, /healthz, /readyz,
// /-/reload, Slack interactivity).
type HTTP struct {
	Listen string `yaml:"listen"`
}

// Log configures structured logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Store sets the retention of the streams.
type Store struct {
	// Retention of mentions and verdicts (default 400d: 13 months of reports).
	Retention Duration `yaml:"retention"`
	// MaxBytes caps each stream (default 1GiB).
	MaxBytes ByteSize `yaml:"max_bytes"`
	// SeenTTL is how long a dedup key is remembered (default 400d).
	SeenTTL Duration `yaml:"seen_ttl"`
}

// Brand decides whether a text is a mention of the company at all.
type Brand struct {
	Terms   []string `yaml:"terms"`
	Exclude []string `yaml:"exclude"`
}

// Listener holds settings shared by all sources.
type Listener struct {
	UserAgent string `yaml:"user_agent"`
	// Timeout for one fetch, including the body (default 30s).
	Timeout Duration `yaml:"timeout"`
	// MaxSize of a body after decompression (default 10MiB).
	MaxSize ByteSize `yaml:"max_size"`
	// PerHost limits concurrent fetches to one host (default 2).
	PerHost int `yaml:"per_host"`
	// DenyPrivate refuses loopback and private addresses (checked after DNS).
	DenyPrivate bool `yaml:"deny_private"`
	// Jitter delays each poll by up to this much (default 10% of the
	// interval, at most 30s; 0s: none). See JitterFor.
	Jitter Duration `yaml:"jitter"`
	// JitterSet says that Jitter was given, so that 0s means no jitter
	// rather than the default. Decoding a file sets it.
	JitterSet bool `yaml:"-"`
	// MaxBackoff caps the backoff after failures (default 1h).
	MaxBackoff Duration `yaml:"max_backoff"`
	// MaxItems is how many items of one fetch are kept, the newest (default
	// 1000): a hostile or broken feed cannot flood the store in one poll.
	MaxItems int `yaml:"max_items"`
}

// Source is one feed to poll.
type Source struct {
	Name string `yaml:"name"`
	// URL of the feed: http, https or file.
	URL string `yaml:"url"`
	// Preset builds the URL from Query and the other preset fields.
	Preset    string `yaml:"preset"`
	Query     string `yaml:"query"`
	Instance  string `yaml:"instance"`
	Lang      string `yaml:"lang"`
	Country   string `yaml:"country"`
	MinPoints int    `yaml:"min_points"`
	// Every is the poll interval; Schedule a cron expression instead.
	Every    Duration `yaml:"every"`
	Schedule string   `yaml:"schedule"`
	TimeZone string   `yaml:"time_zone"`
	// Timeout, MaxSize and MaxItems override the listener's defaults.
	Timeout   Duration          `yaml:"timeout"`
	MaxSize   ByteSize          `yaml:"max_size"`
	MaxItems  int               `yaml:"max_items"`
	Headers   map[string]string `yaml:"headers"`
	UserAgent string            `yaml:"user_agent"`
	// BrandOnly: every item of this source is about the brand (e.g. a review
	// page of the company), so brand terms are not required.
	BrandOnly bool `yaml:"brand_only"`
	// AlertBacklog: alert on the items found on the first fetch too
	// (default false: the backlog is recorded and counted, not alerted).
	AlertBacklog bool `yaml:"alert_backlog"`
	// StaleAfter: the source is stale when no new item arrived for this long
	// (default: learnt from the feed).
	StaleAfter Duration `yaml:"stale_after"`
}

// Rules configures the classifier.
type Rules struct {
	// Packs are the built-in criticism cues to load: de, en.
	Packs  []string `yaml:"packs"`
	Custom []Rule   `yaml:"custom"`
	// Threshold is the score from which a text counts as criticism (default 1).
	Threshold float64 `yaml:"threshold"`
}

// Rule is one manager-written rule.
type Rule struct {
	Name  string `yaml:"name"`
	Query string `yaml:"query"`
	Topic string `yaml:"topic"`
	// Criticism: true adds to the criticism score, false lowers it (praise,
	// exclusions), omitted only assigns the topic.
	Criticism *bool   `yaml:"criticism"`
	Weight    float64 `yaml:"weight"`
	Severity  string  `yaml:"severity"`
}

// Route sends matching critical mentions to an owner.
type Route struct {
	// Name identifies the route in tests and reports (default: the guideline's name).
	Name     string     `yaml:"name"`
	Match    Match      `yaml:"match"`
	Continue bool       `yaml:"continue"`
	Owner    string     `yaml:"owner"`
	Deputy   string     `yaml:"deputy"`
	Team     StringList `yaml:"team"`
	// EscalateTo is told when the deputy did not react either.
	EscalateTo string `yaml:"escalate_to"`
	// Channel for the alert; empty: a direct message to the owner.
	Channel       string         `yaml:"channel"`
	RespondWithin Duration       `yaml:"respond_within"`
	RemindBefore  Duration       `yaml:"remind_before"`
	BusinessHours *BusinessHours `yaml:"business_hours"`
	Guideline     string         `yaml:"guideline"`
	Shadow        bool           `yaml:"shadow"`
}

// ID returns the name a route is known by: Name, else Guideline, else its index.
func (r *Route) ID(i int) string {
	switch {
	case r.Name != "":
		return r.Name
	case r.Guideline != "":
		return r.Guideline
	}
	return fmt.Sprintf("routes[%d]", i)
}

// Match selects verdicts. Empty fields match everything; a list matches any
// of its values.
type Match struct {
	Topic StringList `yaml:"topic"`
	// Severity is a minimum: high matches high and crisis.
	Severity string     `yaml:"severity"`
	Source   StringList `yaml:"source"`
	Lang     StringList `yaml:"lang"`
	Rule     StringList `yaml:"rule"`
}

// BusinessHours restricts when response time is counted.
type BusinessHours struct {
	Days     []string `yaml:"days"`  // e.g. [mon, tue, wed, thu, fri]
	Start    string   `yaml:"start"` // 09:00
	End      string   `yaml:"end"`   // 17:00
	TimeZone string   `yaml:"time_zone"`
	Holidays []string `yaml:"holidays"` // 2026-12-24
}

// Guideline is how the company agreed to answer.
type Guideline struct {
	Summary  string   `yaml:"summary"`
	Steps    []string `yaml:"steps"`
	Template string   `yaml:"template"`
	Do       []string `yaml:"do"`
	Dont     []string `yaml:"dont"`
}

// Policy applies to every reply.
type Policy struct {
	NeverDisclose  []string `yaml:"never_disclose"`
	AvoidPhrases   []string `yaml:"avoid_phrases"`
	RequireSignoff bool     `yaml:"require_signoff"`
	MaxLength      int      `yaml:"max_length"`
}

// Slack connects the workflow to a Slack workspace. Without a bot token,
// alerts are printed to the terminal.
type Slack struct {
	BotToken      Secret `yaml:"bot_token"`
	AppToken      Secret `yaml:"app_token"`
	SigningSecret Secret `yaml:"signing_secret"`
	APIURL        string `yaml:"api_url"`
	// AdminChannel receives source health changes and delivery failures.
	AdminChannel string `yaml:"admin_channel"`
	// PerChannelRate is messages per second per channel (default 1).
	PerChannelRate float64 `yaml:"per_channel_rate"`
}

// Report is a scheduled digest.
type Report struct {
	Name     string   `yaml:"name"`
	Schedule string   `yaml:"schedule"`
	TimeZone string   `yaml:"time_zone"`
	Channel  string   `yaml:"channel"`
	Period   Duration `yaml:"period"`
}

// Silence mutes alerts for matching mentions until a time; they are still
// counted and reported.
type Silence struct {
	Match  SilenceMatch `yaml:"match"`
	Until  time.Time    `yaml:"until"`
	Author string       `yaml:"author"`
	Reason string       `yaml:"reason"`
}

// SilenceMatch selects the mentions a silence mutes.
type SilenceMatch struct {
	Topic  StringList `yaml:"topic"`
	Rule   StringList `yaml:"rule"`
	Source StringList `yaml:"source"`
	Text   string     `yaml:"text"`
}

// Test is a rule test checked by `earshot check`.
type Test struct {
	Text   string `yaml:"text"`
	Title  string `yaml:"title"`
	Lang   string `yaml:"lang"`
	Source string `yaml:"source"`
	Expect Expect `yaml:"expect"`
}

// Expect is what a Test requires; omitted fields are not checked.
type Expect struct {
	Criticism *bool  `yaml:"criticism"`
	Topic     string `yaml:"topic"`
	Route     string `yaml:"route"`
	Severity  string `yaml:"severity"`
}

// StringList is a list that may be written as a single string.
type StringList []string

// Contains reports whether l is empty (matches all) or contains s, ignoring case.
func (l StringList) Contains(s string) bool {
	if len(l) == 0 {
		return true
	}
	for _, v := range l {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

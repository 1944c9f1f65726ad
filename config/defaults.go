package config

import (
	"fmt"
	"time"
)

// The defaults, in one place. ApplyDefaults fills every field the file left
// empty with these.
const (
	DefaultDataDir        = "./data"
	DefaultHTTPListen     = "127.0.0.1:9464"
	DefaultRetention      = Duration(400 * 24 * time.Hour) // 13 months of reports
	DefaultMaxBytes       = ByteSize(1 << 30)
	DefaultSeenTTL        = Duration(400 * 24 * time.Hour)
	DefaultEvery          = Duration(10 * time.Minute)
	DefaultFetchTimeout   = Duration(30 * time.Second)
	DefaultMaxSize        = ByteSize(10 << 20)
	DefaultPerHost        = 2
	DefaultMaxBackoff     = Duration(time.Hour)
	DefaultMaxItems       = 1000
	DefaultRespondWithin  = Duration(4 * time.Hour)
	DefaultThreshold      = 1.0
	DefaultPerChannelRate = 1.0
	DefaultUserAgent      = "earshot/1 (+https://github.com/earshot/earshot)"
	DefaultReportPeriod   = Duration(7 * 24 * time.Hour)
	DefaultReplicas       = 1
)

// DefaultPacks are loaded when rules.packs is not given.
var defaultPacks = []string{"de", "en"}

// ApplyDefaults fills in every field left empty. A field the file sets,
// even to 0 or 0s, keeps its value: Validate refuses a zero where it makes
// no sense ("every: 0s"), and listener.jitter: 0s means no jitter.
func (c *Config) ApplyDefaults() {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	setD := func(path string, p *Duration, v Duration) {
		if *p == 0 && !c.given[path] {
			*p = v
		}
	}
	setB := func(path string, p *ByteSize, v ByteSize) {
		if *p == 0 && !c.given[path] {
			*p = v
		}
	}
	setI := func(path string, p *int, v int) {
		if *p == 0 && !c.given[path] {
			*p = v
		}
	}
	setF := func(path string, p *float64, v float64) {
		if *p == 0 && !c.given[path] {
			*p = v
		}
	}
	set(&c.DataDir, DefaultDataDir)
	set(&c.HTTP.Listen, DefaultHTTPListen)
	set(&c.Log.Level, "info")
	set(&c.Log.Format, "text")
	setI("nats.replicas", &c.NATS.Replicas, DefaultReplicas)
	setD("store.retention", &c.Store.Retention, DefaultRetention)
	setB("store.max_bytes", &c.Store.MaxBytes, DefaultMaxBytes)
	setD("store.seen_ttl", &c.Store.SeenTTL, DefaultSeenTTL)

	set(&c.Listener.UserAgent, DefaultUserAgent)
	setD("listener.timeout", &c.Listener.Timeout, DefaultFetchTimeout)
	setB("listener.max_size", &c.Listener.MaxSize, DefaultMaxSize)
	setI("listener.per_host", &c.Listener.PerHost, DefaultPerHost)
	setD("listener.max_backoff", &c.Listener.MaxBackoff, DefaultMaxBackoff)
	setI("listener.max_items", &c.Listener.MaxItems, DefaultMaxItems)
	if c.given["listener.jitter"] {
		c.Listener.JitterSet = true
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		p := fmt.Sprintf("sources[%d]", i)
		if s.Schedule == "" {
			setD(p+".every", &s.Every, DefaultEvery)
		}
		setD(p+".timeout", &s.Timeout, c.Listener.Timeout)
		setB(p+".max_size", &s.MaxSize, c.Listener.MaxSize)
		setI(p+".max_items", &s.MaxItems, c.Listener.MaxItems)
		set(&s.UserAgent, c.Listener.UserAgent)
	}

	if c.Rules.Packs == nil {
		c.Rules.Packs = append([]string(nil), defaultPacks...)
	}
	setF("rules.threshold", &c.Rules.Threshold, DefaultThreshold)
	for i := range c.Rules.Custom {
		setF(fmt.Sprintf("rules.custom[%d].weight", i), &c.Rules.Custom[i].Weight, 1)
	}
	for i := range c.Routes {
		setD(fmt.Sprintf("routes[%d].respond_within", i), &c.Routes[i].RespondWithin, DefaultRespondWithin)
	}
	setF("slack.per_channel_rate", &c.Slack.PerChannelRate, DefaultPerChannelRate)
	for i := range c.Reports {
		setD(fmt.Sprintf("reports[%d].period", i), &c.Reports[i].Period, DefaultReportPeriod)
	}
}

// DefaultMaxJitter caps the default jitter.
const DefaultMaxJitter = 30 * time.Second

// JitterFor returns the random delay of each poll of a source polled every
// interval: listener.jitter as given (0s: none), else 10% of the interval,
// at most DefaultMaxJitter.
func (l Listener) JitterFor(interval time.Duration) time.Duration {
	if l.Jitter > 0 || l.JitterSet {
		return l.Jitter.D()
	}
	return min(interval/10, DefaultMaxJitter)
}

// LongestInterval returns the longest poll interval of any source with a
// fixed interval (schedules count as a day), so that the JetStream
// duplicate window can be set longer than it.
func (c *Config) LongestInterval() time.Duration {
	var longest time.Duration
	for _, s := range c.Sources {
		d := s.Every.D()
		if s.Schedule != "" {
			d = 24 * time.Hour
		}
		longest = max(longest, d)
	}
	return longest
}

package config

import "time"

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
	DefaultRespondWithin  = Duration(4 * time.Hour)
	DefaultThreshold      = 1.0
	DefaultPerChannelRate = 1.0
	DefaultUserAgent      = "earshot/1 (+https://github.com/earshot/earshot)"
	DefaultReportPeriod   = Duration(7 * 24 * time.Hour)
	DefaultReplicas       = 1
)

// DefaultPacks are loaded when rules.packs is not given.
var defaultPacks = []string{"de", "en"}

// ApplyDefaults fills in every field left empty.
func (c *Config) ApplyDefaults() {
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	setD := func(p *Duration, v Duration) {
		if *p == 0 {
			*p = v
		}
	}
	setB := func(p *ByteSize, v ByteSize) {
		if *p == 0 {
			*p = v
		}
	}
	set(&c.DataDir, DefaultDataDir)
	set(&c.HTTP.Listen, DefaultHTTPListen)
	set(&c.Log.Level, "info")
	set(&c.Log.Format, "text")
	if c.NATS.Replicas == 0 {
		c.NATS.Replicas = DefaultReplicas
	}
	setD(&c.Store.Retention, DefaultRetention)
	setB(&c.Store.MaxBytes, DefaultMaxBytes)
	setD(&c.Store.SeenTTL, DefaultSeenTTL)

	set(&c.Listener.UserAgent, DefaultUserAgent)
	setD(&c.Listener.Timeout, DefaultFetchTimeout)
	setB(&c.Listener.MaxSize, DefaultMaxSize)
	if c.Listener.PerHost == 0 {
		c.Listener.PerHost = DefaultPerHost
	}
	setD(&c.Listener.MaxBackoff, DefaultMaxBackoff)
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Every == 0 && s.Schedule == "" {
			s.Every = DefaultEvery
		}
		setD(&s.Timeout, c.Listener.Timeout)
		setB(&s.MaxSize, c.Listener.MaxSize)
		set(&s.UserAgent, c.Listener.UserAgent)
	}

	if c.Rules.Packs == nil {
		c.Rules.Packs = append([]string(nil), defaultPacks...)
	}
	if c.Rules.Threshold == 0 {
		c.Rules.Threshold = DefaultThreshold
	}
	for i := range c.Rules.Custom {
		if c.Rules.Custom[i].Weight == 0 {
			c.Rules.Custom[i].Weight = 1
		}
	}
	for i := range c.Routes {
		setD(&c.Routes[i].RespondWithin, DefaultRespondWithin)
	}
	if c.Slack.PerChannelRate == 0 {
		c.Slack.PerChannelRate = DefaultPerChannelRate
	}
	for i := range c.Reports {
		setD(&c.Reports[i].Period, DefaultReportPeriod)
	}
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

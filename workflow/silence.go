package workflow

import (
	"strings"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// silenceMatches reports whether the silence s mutes v at now: it has not
// ended and every matcher it sets accepts v (topic: the primary topic;
// rule: any rule that fired; source: any source that found it; text: a
// case-insensitive substring of title and text). An empty silence mutes
// nothing.
func silenceMatches(s *config.Silence, v *mention.Verdict, now time.Time) bool {
	m := &s.Match
	if len(m.Topic)+len(m.Rule)+len(m.Source) == 0 && m.Text == "" {
		return false
	}
	if !s.Until.IsZero() && !now.Before(s.Until) {
		return false
	}
	if len(m.Topic) > 0 && !m.Topic.Contains(v.Topic()) {
		return false
	}
	if !anySource(m.Source, v) || !anyRule(m.Rule, v) {
		return false
	}
	if m.Text != "" && !strings.Contains(strings.ToLower(v.Mention.Body()), strings.ToLower(m.Text)) {
		return false
	}
	return true
}

// Silenced returns the first configured silence that mutes v at now.
// Silenced mentions are routed and counted, but no case is opened.
func (r *Router) Silenced(v *mention.Verdict, now time.Time) (config.Silence, bool) {
	for i := range r.silences {
		if silenceMatches(&r.silences[i], v, now) {
			return r.silences[i], true
		}
	}
	return config.Silence{}, false
}

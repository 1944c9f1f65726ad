package workflow

import "time"

// RuleStat is how often a rule fired on cases and how many of those cases
// were marked false positives, for reports and exclusion suggestions.
type RuleStat struct {
	Cases          int
	FalsePositives int
}

// Rate is the rule's false-positive rate (0 without cases).
func (s RuleStat) Rate() float64 {
	if s.Cases == 0 {
		return 0
	}
	return float64(s.FalsePositives) / float64(s.Cases)
}

// RuleStats counts, for every rule that fired on cases, the cases and the
// false positives among them. A case counts once per rule.
func RuleStats(cases []*Case) map[string]RuleStat {
	out := map[string]RuleStat{}
	for _, c := range cases {
		for _, r := range c.firedRules() {
			s := out[r]
			s.Cases++
			if c.State == StateFalsePositive {
				s.FalsePositives++
			}
			out[r] = s
		}
	}
	return out
}

// ReplyTimes returns the time to first reply of every case that was
// replied to.
func ReplyTimes(cases []*Case) []time.Duration {
	var out []time.Duration
	for _, c := range cases {
		if d, ok := c.TimeToFirstReply(); ok {
			out = append(out, d)
		}
	}
	return out
}

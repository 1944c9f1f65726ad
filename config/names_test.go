package config

import (
	"regexp"
	"strings"
	"testing"
)

// The regular expressions the name checks replaced, as the reference.
var (
	refSourceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
	refSlackUser  = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	refChannelID  = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
	refChanName   = regexp.MustCompile(`^#[a-z0-9][a-z0-9._-]{0,79}$`)
)

func checkNames(t *testing.T, s string) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  bool
		ref  *regexp.Regexp
	}{
		{"validSourceName", validSourceName(s), refSourceName},
		{"IsSlackUserID", IsSlackUserID(s), refSlackUser},
		{"IsSlackChannelID", IsSlackChannelID(s), refChannelID},
		{"IsSlackChannelName", IsSlackChannelName(s), refChanName},
	} {
		if want := c.ref.MatchString(s); c.got != want {
			t.Errorf("%s(%q) = %v, want %v", c.name, s, c.got, want)
		}
	}
	if got, want := IsSlackChannel(s), refChanName.MatchString(s) || refChannelID.MatchString(s); got != want {
		t.Errorf("IsSlackChannel(%q) = %v, want %v", s, got, want)
	}
}

func TestNames(t *testing.T) {
	for _, s := range []string{
		"", "a", "A", "0", "-a", "_a", "a-b_c", "feed.x", "ünï", strings.Repeat("a", 64), strings.Repeat("a", 65),
		"U", "U1", "U12", "W0ABC", "u123", "U12a", "UABC ", "C", "C1", "C12", "G0AB", "D9Z", "CABc",
		"#", "#a", "#-a", "#.a", "#a.b_c-d", "#A", "#a b", "#" + strings.Repeat("x", 80), "#" + strings.Repeat("x", 81),
		"#ä", "general", "@team",
	} {
		checkNames(t, s)
	}
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"feed-1", "U0ABC", "C0ABC", "#support", "#" + strings.Repeat("x", 80)} {
		f.Add(s)
	}
	f.Fuzz(checkNames)
}

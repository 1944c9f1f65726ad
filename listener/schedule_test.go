package listener

import (
	"testing"
	"time"

	"github.com/earshot/earshot/config"
)

// TestJitter: a source's jitter is listener.jitter as the file gives it,
// 0s included (no jitter); left out, 10% of the interval, at most 30s.
func TestJitter(t *testing.T) {
	for _, tc := range []struct {
		name, listener, every string
		want                  time.Duration
	}{
		{"default", "{}", "10m", 30 * time.Second},
		{"default, short interval", "{}", "1m", 6 * time.Second},
		{"off", "{jitter: 0s}", "10m", 0},
		{"given", "{jitter: 5s}", "10m", 5 * time.Second},
		{"given, longer than the default cap", "{jitter: 2m}", "10m", 2 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := "listener: " + tc.listener + "\nsources: [{name: a, url: 'https://a.example/', every: " + tc.every + "}]\n"
			c, err := config.Parse("c.yaml", []byte(y), nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := newSource(c.Sources[0], c.Listener)
			if err != nil {
				t.Fatal(err)
			}
			if s.jitter != tc.want {
				t.Errorf("jitter = %s, want %s", s.jitter, tc.want)
			}
		})
	}
}

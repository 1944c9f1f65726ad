package listener

import (
	"errors"
	"testing"

	"github.com/earshot/earshot/config"
)

func TestBuildURL(t *testing.T) {
	tests := []struct {
		name string
		src  config.Source
		want string
	}{
		{"plain url", config.Source{URL: "https://example.com/feed.xml"}, "https://example.com/feed.xml"},
		{"file url", config.Source{URL: "file:///var/lib/earshot/sample.xml"}, "file:///var/lib/earshot/sample.xml"},
		{"google-alerts url", config.Source{Preset: PresetGoogleAlerts, Query: "https://www.google.com/alerts/feeds/0123456789/987654321"},
			"https://www.google.com/alerts/feeds/0123456789/987654321"},
		{"google-alerts ids", config.Source{Preset: PresetGoogleAlerts, Query: "0123456789/987654321"},
			"https://www.google.com/alerts/feeds/0123456789/987654321"},
		{"google-news de", config.Source{Preset: PresetGoogleNews, Query: "ACME Lieferung", Lang: "de", Country: "de"},
			"https://news.google.com/rss/search?ceid=DE%3Ade&gl=DE&hl=de&q=ACME+Lieferung"},
		{"google-news default", config.Source{Preset: PresetGoogleNews, Query: "acme"},
			"https://news.google.com/rss/search?ceid=US%3Aen&gl=US&hl=en-US&q=acme"},
		{"bing-news", config.Source{Preset: PresetBingNews, Query: `"acme gmbh"`, Lang: "de", Country: "DE"},
			"https://www.bing.com/news/search?cc=DE&format=rss&q=%22acme+gmbh%22&setlang=de"},
		{"reddit-search", config.Source{Preset: PresetRedditSearch, Query: "acme delivery"},
			"https://www.reddit.com/search.rss?q=acme+delivery&sort=new"},
		{"reddit-subreddit", config.Source{Preset: PresetRedditSubreddit, Query: "r/acme"},
			"https://www.reddit.com/r/acme/new/.rss"},
		{"mastodon-tag", config.Source{Preset: PresetMastodonTag, Instance: "https://mastodon.social/", Query: "#acme"},
			"https://mastodon.social/tags/acme.rss"},
		{"hackernews", config.Source{Preset: PresetHackerNews, Query: "acme", MinPoints: 10},
			"https://hnrss.org/newest?points=10&q=acme"},
		{"hackernews no points", config.Source{Preset: PresetHackerNews, Query: "acme"},
			"https://hnrss.org/newest?q=acme"},
		{"bluesky-profile", config.Source{Preset: PresetBlueskyProfile, Query: "@acme.bsky.social"},
			"https://bsky.app/profile/acme.bsky.social/rss"},
		{"youtube-channel", config.Source{Preset: PresetYouTubeChannel, Query: "UC_x5XG1OV2P6uZZ5FSM9Ttw"},
			"https://www.youtube.com/feeds/videos.xml?channel_id=UC_x5XG1OV2P6uZZ5FSM9Ttw"},
		{"lemmy-community", config.Source{Preset: PresetLemmyCommunity, Instance: "lemmy.world", Query: "!acme@lemmy.world"},
			"https://lemmy.world/feeds/c/acme.xml?sort=New"},
		{"github-releases", config.Source{Preset: PresetGitHubReleases, Query: "acme/widget"},
			"https://github.com/acme/widget/releases.atom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BuildURL(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("BuildURL = %s, want %s", got, tc.want)
			}
		})
	}
	for _, p := range Presets() {
		found := false
		for _, tc := range tests {
			found = found || tc.src.Preset == p
		}
		if !found {
			t.Errorf("preset %s has no URL test", p)
		}
	}
}

func TestBuildURLErrors(t *testing.T) {
	tests := []struct {
		name, path string
		src        config.Source
	}{
		{"nothing", "url", config.Source{}},
		{"both", "url", config.Source{URL: "https://x/", Preset: PresetHackerNews, Query: "a"}},
		{"bad scheme", "url", config.Source{URL: "gopher://x/"}},
		{"unknown preset", "preset", config.Source{Preset: "myspace"}},
		{"no query", "query", config.Source{Preset: PresetGoogleNews}},
		{"alerts not google", "query", config.Source{Preset: PresetGoogleAlerts, Query: "https://evil.example/alerts/feeds/1/2"}},
		{"mastodon no instance", "instance", config.Source{Preset: PresetMastodonTag, Query: "acme"}},
		{"mastodon two tags", "query", config.Source{Preset: PresetMastodonTag, Instance: "m.s", Query: "a b"}},
		{"youtube not an id", "query", config.Source{Preset: PresetYouTubeChannel, Query: "@acme"}},
		{"github no repo", "query", config.Source{Preset: PresetGitHubReleases, Query: "acme"}},
		{"negative points", "min_points", config.Source{Preset: PresetHackerNews, Query: "a", MinPoints: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildURL(tc.src)
			var fe *config.FieldError
			if !errors.As(err, &fe) || fe.Path != tc.path {
				t.Errorf("BuildURL error = %v, want a FieldError at %s", err, tc.path)
			}
		})
	}
}

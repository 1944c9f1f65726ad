package listener

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/earshot/earshot/config"
)

// Preset names. Each builds a feed URL from a source's query and preset
// fields, so managers write "reddit-search: acme" instead of a URL.
//
// What the feeds carry (checked against the services' feeds at the time of
// writing):
//
//	preset            author                 engagement
//	google-alerts     no                     no
//	google-news       no (publisher only)    no
//	bing-news         no                     no
//	reddit-search     yes (/u/name)          no
//	reddit-subreddit  yes (/u/name)          no
//	mastodon-tag      no (account in link)   no
//	hackernews        yes (dc:creator)       points, comments
//	bluesky-profile   no (the profile)       no
//	youtube-channel   yes (channel)          views, likes (star rating count)
//	lemmy-community   no                     no
//	github-releases   yes                    no
const (
	PresetGoogleAlerts    = "google-alerts"
	PresetGoogleNews      = "google-news"
	PresetBingNews        = "bing-news"
	PresetRedditSearch    = "reddit-search"
	PresetRedditSubreddit = "reddit-subreddit"
	PresetMastodonTag     = "mastodon-tag"
	PresetHackerNews      = "hackernews"
	PresetBlueskyProfile  = "bluesky-profile"
	PresetYouTubeChannel  = "youtube-channel"
	PresetLemmyCommunity  = "lemmy-community"
	PresetGitHubReleases  = "github-releases"
)

// Presets lists every preset name, for help texts and validation messages.
func Presets() []string {
	return []string{
		PresetGoogleAlerts, PresetGoogleNews, PresetBingNews, PresetRedditSearch,
		PresetRedditSubreddit, PresetMastodonTag, PresetHackerNews, PresetBlueskyProfile,
		PresetYouTubeChannel, PresetLemmyCommunity, PresetGitHubReleases,
	}
}

// BuildURL returns the feed URL of s: its url, or the URL its preset builds
// from the query and the other preset fields. Errors name the field at fault
// (as a *config.FieldError with a path relative to the source, e.g. "query").
func BuildURL(s config.Source) (string, error) {
	if s.Preset == "" {
		if s.URL == "" {
			return "", config.Errorf("url", "want a url or a preset")
		}
		if err := checkFeedURL(s.URL); err != nil {
			return "", config.Errorf("url", "%v", err)
		}
		return s.URL, nil
	}
	if s.URL != "" {
		return "", config.Errorf("url", "give either url or preset %q, not both", s.Preset)
	}
	q := strings.TrimSpace(s.Query)
	needQuery := func(example string) error {
		if q == "" {
			return config.Errorf("query", "preset %s needs a query, e.g. %s", s.Preset, example)
		}
		return nil
	}
	needInstance := func() (string, error) {
		in := strings.TrimSpace(s.Instance)
		in = strings.TrimPrefix(strings.TrimPrefix(in, "https://"), "http://")
		in = strings.TrimSuffix(in, "/")
		if in == "" || strings.ContainsAny(in, "/?#@ ") {
			return "", config.Errorf("instance", "preset %s needs an instance host name, e.g. mastodon.social", s.Preset)
		}
		return in, nil
	}
	v := url.Values{}
	switch s.Preset {
	case PresetGoogleAlerts:
		if err := needQuery("the feed URL from the Alerts page"); err != nil {
			return "", err
		}
		raw := q
		if !strings.Contains(raw, "://") {
			raw = "https://www.google.com/alerts/feeds/" + strings.TrimPrefix(raw, "/")
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || !isGoogleHost(u.Hostname()) || !strings.HasPrefix(u.Path, "/alerts/feeds/") {
			return "", config.Errorf("query", "preset google-alerts wants the RSS feed URL of an alert (https://www.google.com/alerts/feeds/...)")
		}
		return u.String(), nil
	case PresetGoogleNews:
		if err := needQuery("acme"); err != nil {
			return "", err
		}
		lang, country := s.Lang, strings.ToUpper(s.Country)
		if lang == "" {
			lang = "en"
		}
		if country == "" {
			country = "US"
		}
		base, _, _ := strings.Cut(lang, "-")
		hl := lang
		if base == "en" && !strings.Contains(lang, "-") {
			hl = "en-" + country
		}
		v.Set("q", q)
		v.Set("hl", hl)
		v.Set("gl", country)
		v.Set("ceid", country+":"+base)
		return "https://news.google.com/rss/search?" + v.Encode(), nil
	case PresetBingNews:
		if err := needQuery("acme"); err != nil {
			return "", err
		}
		v.Set("q", q)
		v.Set("format", "rss")
		if s.Lang != "" {
			v.Set("setlang", s.Lang)
		}
		if s.Country != "" {
			v.Set("cc", strings.ToUpper(s.Country))
		}
		return "https://www.bing.com/news/search?" + v.Encode(), nil
	case PresetRedditSearch:
		if err := needQuery("acme"); err != nil {
			return "", err
		}
		v.Set("q", q)
		v.Set("sort", "new")
		return "https://www.reddit.com/search.rss?" + v.Encode(), nil
	case PresetRedditSubreddit:
		if err := needQuery("acme (the subreddit)"); err != nil {
			return "", err
		}
		sub := strings.TrimPrefix(strings.TrimPrefix(q, "/"), "r/")
		if !isSlug(sub, "_") {
			return "", config.Errorf("query", "preset reddit-subreddit wants a subreddit name, got %q", q)
		}
		return "https://www.reddit.com/r/" + sub + "/new/.rss", nil
	case PresetMastodonTag:
		in, err := needInstance()
		if err != nil {
			return "", err
		}
		if err := needQuery("acme (the hashtag)"); err != nil {
			return "", err
		}
		tag := strings.TrimPrefix(q, "#")
		if !isSlug(tag, "_") {
			return "", config.Errorf("query", "preset mastodon-tag wants one hashtag, got %q", q)
		}
		return "https://" + in + "/tags/" + url.PathEscape(tag) + ".rss", nil
	case PresetHackerNews:
		if err := needQuery("acme"); err != nil {
			return "", err
		}
		if s.MinPoints < 0 {
			return "", config.Errorf("min_points", "must not be negative")
		}
		v.Set("q", q)
		if s.MinPoints > 0 {
			v.Set("points", strconv.Itoa(s.MinPoints))
		}
		return "https://hnrss.org/newest?" + v.Encode(), nil
	case PresetBlueskyProfile:
		if err := needQuery("acme.bsky.social (the handle)"); err != nil {
			return "", err
		}
		h := strings.TrimPrefix(q, "@")
		if !isSlug(h, ".-_:") {
			return "", config.Errorf("query", "preset bluesky-profile wants a handle or DID, got %q", q)
		}
		return "https://bsky.app/profile/" + h + "/rss", nil
	case PresetYouTubeChannel:
		if err := needQuery("UCxxxxxxxxxxxxxxxxxxxxxx (the channel ID)"); err != nil {
			return "", err
		}
		if !strings.HasPrefix(q, "UC") || len(q) != 24 || !isSlug(q, "-_") {
			return "", config.Errorf("query", "preset youtube-channel wants a channel ID (UC followed by 22 characters), got %q", q)
		}
		v.Set("channel_id", q)
		return "https://www.youtube.com/feeds/videos.xml?" + v.Encode(), nil
	case PresetLemmyCommunity:
		in, err := needInstance()
		if err != nil {
			return "", err
		}
		if err := needQuery("acme (the community)"); err != nil {
			return "", err
		}
		c := strings.TrimPrefix(q, "!")
		c, _, _ = strings.Cut(c, "@")
		if !isSlug(c, "_") {
			return "", config.Errorf("query", "preset lemmy-community wants a community name, got %q", q)
		}
		return "https://" + in + "/feeds/c/" + c + ".xml?sort=New", nil
	case PresetGitHubReleases:
		if err := needQuery("owner/repo"); err != nil {
			return "", err
		}
		owner, repo, ok := strings.Cut(strings.TrimPrefix(q, "https://github.com/"), "/")
		repo = strings.TrimSuffix(repo, "/")
		if !ok || !isSlug(owner, "-_.") || !isSlug(repo, "-_.") {
			return "", config.Errorf("query", "preset github-releases wants owner/repo, got %q", q)
		}
		return "https://github.com/" + owner + "/" + repo + "/releases.atom", nil
	}
	return "", config.Errorf("preset", "unknown preset %q (want one of %s)", s.Preset, strings.Join(Presets(), ", "))
}

// checkFeedURL accepts absolute http, https and file URLs.
func checkFeedURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("URL %s://... has no host", u.Scheme)
		}
	case "file":
		if u.Path == "" {
			return fmt.Errorf("file URL has no path, e.g. file:///var/lib/earshot/feed.xml")
		}
	default:
		return fmt.Errorf("scheme %q not supported (want http, https or file)", u.Scheme)
	}
	return nil
}

func isGoogleHost(h string) bool {
	return h == "google.com" || h == "www.google.com"
}

// isSlug reports whether s is non-empty and consists of ASCII letters,
// digits and the extra characters.
func isSlug(s, extra string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(extra, r):
		default:
			return false
		}
	}
	return true
}

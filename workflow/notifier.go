package workflow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/earshot/earshot/config"
	"github.com/slack-go/slack"
)

// message is one message to post or update. Text and Blocks are Slack
// markup built from escaped text; Console is the same content as plain text
// for the console notifier.
type message struct {
	Text     string
	Blocks   []slack.Block
	ThreadTS string
	// Broadcast also shows a thread reply in the channel.
	Broadcast bool
	Console   string
}

// notifier delivers messages. The Slack notifier talks to the Slack Web
// API; the console notifier prints, for setups without a bot token.
type notifier interface {
	// kind names the notifier in metrics: "slack" or "console".
	kind() string
	// post posts msg to dest (a channel name or ID, or a user ID for a
	// direct message) and returns the channel ID and the message ts.
	post(ctx context.Context, dest string, msg message) (channel, ts string, err error)
	// update replaces the message at channel/ts.
	update(ctx context.Context, channel, ts string, msg message) error
	// lookupUser resolves an e-mail address to a Slack user ID and first name.
	lookupUser(ctx context.Context, email string) (id, name string, err error)
}

// retryable Slack API errors: everything else Slack answers with ok=false
// (channel_not_found, invalid_blocks, not_in_channel, invalid_auth, ...)
// is terminal.
var retryableSlackErrors = map[string]bool{
	"ratelimited":         true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// classify decides from err's type whether a failed Slack call is worth
// retrying, names the reason for metrics and logs (the Slack error code for
// API errors) and returns the server's Retry-After, if any.
func classify(err error) (retry bool, reason string, after time.Duration) {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var se slack.SlackErrorResponse
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.As(err, &rl):
		return true, "rate_limited", rl.RetryAfter
	case errors.As(err, &sc):
		if sc.Retryable() {
			return true, "server_error", 0
		}
		return false, fmt.Sprintf("http_%d", sc.Code), 0
	case errors.As(err, &se):
		if retryableSlackErrors[se.Err] {
			return true, se.Err, 0
		}
		if se.Err == "" {
			return false, "slack_error", 0
		}
		return false, se.Err, 0
	case errors.As(err, &ne), errors.As(err, &ue):
		return true, "network", 0
	case errors.Is(err, errNoRecipient):
		return false, "no_recipient", 0
	}
	// An answer that could not be read (a proxy's error page with status
	// 200, a cut body): try again.
	return true, "unknown", 0
}

// errNoRecipient is returned when a direct message cannot be sent because
// the owner could not be resolved to a Slack user.
var errNoRecipient = errors.New("no recipient: owner is not a known Slack user")

// userCache resolves people named in routes (e-mail or ID) to Slack user
// IDs through users.lookupByEmail, and remembers the answers: found users
// until the process ends, unknown addresses for missTTL, so that a typo in
// the config does not spend the method's rate limit on every alert.
type userCache struct {
	n    notifier
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]person
	miss map[string]time.Time // e-mail -> when to ask again
}

// missTTL is how long an address Slack does not know is not asked again.
const missTTL = 10 * time.Minute

type person struct {
	id   string
	name string
}

func newUserCache(n notifier, now func() time.Time) *userCache {
	return &userCache{n: n, now: now, m: map[string]person{}, miss: map[string]time.Time{}}
}

// errUnknownUser is returned for an address Slack recently did not know.
var errUnknownUser = errors.New("unknown Slack user")

// resolve returns the Slack ID (empty when unknown) and a first name for
// ref.
func (u *userCache) resolve(ctx context.Context, ref string) (person, error) {
	if ref == "" {
		return person{}, nil
	}
	if config.IsSlackUserID(ref) {
		return person{id: ref, name: ref}, nil
	}
	local, _, _ := strings.Cut(ref, "@")
	u.mu.Lock()
	p, ok := u.m[ref]
	retry, missed := u.miss[ref]
	u.mu.Unlock()
	if ok {
		return p, nil
	}
	if missed && u.now().Before(retry) {
		return person{name: local}, fmt.Errorf("%s: %w", ref, errUnknownUser)
	}
	id, name, err := u.n.lookupUser(ctx, ref)
	if name == "" {
		name = local
	}
	p = person{id: id, name: name}
	var se slack.SlackErrorResponse
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case errors.As(err, &se) && se.Err == "users_not_found":
		u.miss[ref] = u.now().Add(missTTL)
		return p, err
	case err != nil:
		return p, err
	}
	delete(u.miss, ref)
	u.m[ref] = p
	return p, nil
}

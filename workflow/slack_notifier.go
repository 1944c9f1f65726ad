package workflow

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"
)

// slackNotifier posts through the Slack Web API. It never asks Slack to
// parse text (no parse=full, no link_names): all markup in a message is
// built by this package from escaped text.
type slackNotifier struct {
	api *slack.Client
}

// newSlackNotifier returns a notifier for the bot token; apiURL "" is Slack
// itself.
func newSlackNotifier(token, apiURL string, hc *http.Client) *slackNotifier {
	opts := []slack.Option{}
	if apiURL != "" {
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	if hc != nil {
		opts = append(opts, slack.OptionHTTPClient(hc))
	}
	return &slackNotifier{api: slack.New(token, opts...)}
}

func (s *slackNotifier) kind() string { return "slack" }

func msgOptions(msg message) []slack.MsgOption {
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
	if len(msg.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks...))
	}
	if msg.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(msg.ThreadTS))
		if msg.Broadcast {
			opts = append(opts, slack.MsgOptionBroadcast())
		}
	}
	return opts
}

func (s *slackNotifier) post(ctx context.Context, dest string, msg message) (string, string, error) {
	ch, ts, err := s.api.PostMessageContext(ctx, dest, msgOptions(msg)...)
	if err != nil {
		return "", "", fmt.Errorf("chat.postMessage: %w", err)
	}
	return ch, ts, nil
}

func (s *slackNotifier) update(ctx context.Context, channel, ts string, msg message) error {
	msg.ThreadTS = ""
	if _, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, msgOptions(msg)...); err != nil {
		return fmt.Errorf("chat.update: %w", err)
	}
	return nil
}

func (s *slackNotifier) lookupUser(ctx context.Context, email string) (string, string, error) {
	u, err := s.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		return "", "", fmt.Errorf("users.lookupByEmail: %w", err)
	}
	name := u.Profile.FirstName
	if name == "" {
		name, _, _ = strings.Cut(u.RealName, " ")
	}
	return u.ID, name, nil
}

package workflow

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// slackUI is what interactions need of Slack besides posting: ephemeral
// answers to one person and modals. Only the Slack notifier has it.
type slackUI interface {
	postEphemeral(ctx context.Context, channel, user, text string) error
	openView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error
}

func (s *slackNotifier) postEphemeral(ctx context.Context, channel, user, text string) error {
	if _, err := s.api.PostEphemeralContext(ctx, channel, user, slack.MsgOptionText(text, false)); err != nil {
		return fmt.Errorf("chat.postEphemeral: %w", err)
	}
	return nil
}

func (s *slackNotifier) openView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	if _, err := s.api.OpenViewContext(ctx, triggerID, view); err != nil {
		return fmt.Errorf("views.open: %w", err)
	}
	return nil
}

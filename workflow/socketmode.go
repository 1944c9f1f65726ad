package workflow

import (
	"context"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// socketAPI returns the Slack client Socket Mode connects with: the bot
// token for Web API calls and the app-level token (xapp-…) for
// apps.connections.open.
func socketAPI(bot, app, apiURL string, hc *http.Client) *slack.Client {
	opts := []slack.Option{slack.OptionAppLevelToken(app)}
	if apiURL != "" {
		if !strings.HasSuffix(apiURL, "/") {
			apiURL += "/"
		}
		opts = append(opts, slack.OptionAPIURL(apiURL))
	}
	if hc != nil {
		opts = append(opts, slack.OptionHTTPClient(hc))
	}
	return slack.New(bot, opts...)
}

// runSocketMode receives interactions and slash commands over Slack's
// Socket Mode websocket (no public URL needed) and hands them to the same
// functions as InteractionHandler; the answer goes back as the envelope's
// acknowledgement. It reconnects with backoff until ctx is done.
func (w *Workflow) runSocketMode(ctx context.Context) {
	w.log.Info("slack socket mode starting")
	for attempt := 0; ctx.Err() == nil; attempt++ {
		client := socketmode.New(w.socket(), socketmode.OptionLog(log.New(io.Discard, "", 0)))
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { w.socketEvents(runCtx, client) })
		err := client.RunContext(runCtx)
		cancel()
		wg.Wait()
		if ctx.Err() != nil {
			break
		}
		wait := w.backoff.delay(attempt)
		w.log.Warn("slack socket mode stopped, reconnecting", "retry_in", wait, "err", err)
		pause(ctx, wait)
	}
	w.log.Info("slack socket mode stopped")
}

// socketEvents handles the client's events until ctx is done.
func (w *Workflow) socketEvents(ctx context.Context, client *socketmode.Client) {
	for {
		var evt socketmode.Event
		select {
		case <-ctx.Done():
			return
		case evt = <-client.Events:
		}
		switch evt.Type {
		case socketmode.EventTypeConnected:
			w.log.Info("slack socket mode connected")
		case socketmode.EventTypeConnectionError:
			w.log.Warn("slack socket mode connection failed")
		case socketmode.EventTypeInvalidAuth:
			w.log.Error("slack socket mode refused the app token")
		case socketmode.EventTypeInteractive:
			cb, ok := evt.Data.(slack.InteractionCallback)
			if !ok || evt.Request == nil {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, syncBudget)
			answer := w.answerInteraction(sctx, &cb)
			cancel()
			w.ack(ctx, client, evt.Request, answer)
		case socketmode.EventTypeSlashCommand:
			cmd, ok := evt.Data.(slack.SlashCommand)
			if !ok || evt.Request == nil {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, syncBudget)
			answer := w.answerCommand(sctx, cmd)
			cancel()
			w.ack(ctx, client, evt.Request, answer)
		case socketmode.EventTypeEventsAPI:
			if evt.Request != nil {
				w.ack(ctx, client, evt.Request, nil)
			}
		}
	}
}

func (w *Workflow) ack(ctx context.Context, client *socketmode.Client, req *socketmode.Request, answer any) {
	if err := client.AckCtx(ctx, req.EnvelopeID, answer); err != nil && ctx.Err() == nil {
		w.log.Warn("slack socket mode ack failed", "err", err)
	}
}

package workflow

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"
)

// TestSocketMode drives the workflow's Socket Mode client end to end:
// apps.connections.open on the Slack stand-in (slacktest) hands out the
// stand-in's own websocket (served with slacktest.Websocket), which sends
// the hello, an interactive envelope (a click on ack) and a
// slash command envelope, and reads the client's acknowledgements.
func TestSocketMode(t *testing.T) {
	env, w, f, send, acks := socketWorkflow(t)
	stop := runWorkflow(t, w)
	env.publish(t, complaint("sock-1"))
	c := env.waitCase(t, CaseID("sock-1", "delivery"), func(c *Case) bool { return c.Delivery.TS != "" })

	raw, _ := json.Marshal(click("UANNA", "CSOCIAL", "ack", c.ID))
	send <- map[string]any{"type": "interactive", "envelope_id": "env-1", "payload": json.RawMessage(raw), "accepts_response_payload": false}
	ack := waitAck(t, acks)
	if ack["envelope_id"] != "env-1" {
		t.Errorf("ack %v", ack)
	}
	env.waitCase(t, c.ID, func(c *Case) bool { return c.State == StateAcknowledged })
	waitFor(t, f.changed, 10*time.Second, "chat.update", func() bool { return len(f.method("chat.update")) > 0 })

	cmd, _ := json.Marshal(map[string]any{"command": "/earshot", "text": "status", "user_id": "UANNA", "channel_id": "CSOCIAL"})
	send <- map[string]any{"type": "slash_commands", "envelope_id": "env-2", "payload": json.RawMessage(cmd), "accepts_response_payload": true}
	ack = waitAck(t, acks)
	p, _ := ack["payload"].(map[string]any)
	if ack["envelope_id"] != "env-2" || p["response_type"] != "ephemeral" {
		t.Errorf("slash command ack %v", ack)
	}
	// A modal's answer (here: its errors) goes back in the acknowledgement.
	sub, _ := json.Marshal(submission("UANNA", callbackDraft, modalMeta{Case: c.ID}.encode(), blockDraftText, "   "))
	send <- map[string]any{"type": "interactive", "envelope_id": "env-3", "payload": json.RawMessage(sub), "accepts_response_payload": true}
	ack = waitAck(t, acks)
	p, _ = ack["payload"].(map[string]any)
	if errs, _ := p["errors"].(map[string]any); ack["envelope_id"] != "env-3" || p["response_action"] != "errors" || errs[blockDraftText] != "The reply is empty." {
		t.Errorf("view submission ack %v", ack)
	}
	close(send)
	stop() // Socket Mode stops with Run's context
}

// socketWorkflow is a workflow in Socket Mode (not yet running) on an
// embedded JetStream and the Slack stand-in f, which serves Socket Mode's
// websocket: it says hello, sends what is put on send (closing send
// closes the socket) and hands the client's acknowledgements to acks.
func socketWorkflow(t *testing.T) (env *jsEnv, w *Workflow, f *fakeSlack, send chan<- any, acks <-chan map[string]any) {
	t.Helper()
	env, f = startJS(t), newFakeSlack(t)
	ack := make(chan map[string]any, 4)
	out := make(chan any, 4)
	f.mu.Lock()
	f.socket = slacktest.Websocket(func(c *websocket.Conn) {
		if err := c.WriteJSON(map[string]any{"type": "hello", "num_connections": 1}); err != nil {
			return
		}
		go func() {
			for {
				var m map[string]any
				if err := c.ReadJSON(&m); err != nil {
					return
				}
				ack <- m
			}
		}()
		for msg := range out {
			if err := c.WriteJSON(msg); err != nil {
				return
			}
		}
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	})
	f.mu.Unlock()
	cfg := slackConfig(f)
	cfg.Slack.AppToken = "xapp-test"
	w, err := New(cfg, Deps{JS: env.js, Cases: env.cases}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return env, w, f, out, ack
}

// TestSocketModeCommandThatPanics: a slash command whose handling panics
// is acknowledged with an apology (unacknowledged, Slack would send it
// again), and the next one is answered.
func TestSocketModeCommandThatPanics(t *testing.T) {
	_, w, _, send, acks := socketWorkflow(t)
	w.silences = nil // what a bug does: status meets a nil store
	stop := runWorkflow(t, w)
	for i, text := range []string{"status", "help"} {
		cmd, _ := json.Marshal(map[string]any{"command": "/earshot", "text": text, "user_id": "UANNA", "channel_id": "CSOCIAL"})
		env := fmt.Sprintf("env-%d", i)
		send <- map[string]any{"type": "slash_commands", "envelope_id": env, "payload": json.RawMessage(cmd), "accepts_response_payload": true}
		ack := waitAck(t, acks)
		p, _ := ack["payload"].(map[string]any)
		if ack["envelope_id"] != env || p["response_type"] != "ephemeral" || (p["text"] == panicAnswer) != (text == "status") {
			t.Errorf("%s: ack %v", text, ack)
		}
	}
	close(send)
	stop()
	panicsCounted(t, w, "command", 1)
}

func waitAck(t *testing.T, acks <-chan map[string]any) map[string]any {
	t.Helper()
	select {
	case a := <-acks:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no acknowledgement over the websocket")
	}
	return nil
}

package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// modalMeta is what a modal carries in its private_metadata: the case,
// the channel the click came from (for ephemeral answers), and for the
// draft modal the hash of a draft whose warnings were shown, so that
// submitting it unchanged saves it.
type modalMeta struct {
	Case    string `json:"case"`
	Channel string `json:"channel,omitempty"`
	Warned  string `json:"warned,omitempty"`
}

func (m modalMeta) encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeMeta(s string) (modalMeta, bool) {
	var m modalMeta
	if json.Unmarshal([]byte(s), &m) != nil || !validCaseID(m.Case) {
		return modalMeta{}, false
	}
	return m, true
}

// maxDraftInput is the longest text a plain_text_input takes.
const maxDraftInput = 3000

// truncateRunes cuts s to at most n runes (no escaping: for input values,
// which Slack shows as typed).
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// openDraft opens the reply draft modal for case id: the guideline's
// template rendered for this mention (or the draft saved before), the
// mention's link, the guideline's summary and the policy.
func (w *Workflow) openDraft(ctx context.Context, user, channel, id, trigger string) {
	c, ok := w.permitted(ctx, user, channel, id)
	if !ok || w.ui == nil {
		return
	}
	text := ""
	if c.Draft != nil {
		text = c.Draft.Text
	} else {
		var err error
		if text, err = w.Draft(ctx, c); err != nil {
			w.log.Warn("reply template failed", "case", id, "err", err)
		}
	}
	view := w.draftView(c, modalMeta{Case: id, Channel: channel}, text, nil, "")
	if err := w.ui.openView(ctx, trigger, view); err != nil {
		w.log.Warn("draft modal not opened", "case", id, "err", err)
		w.tell(ctx, channel, user, "The draft could not be opened, please click again.")
	}
}

// draftView renders the draft modal. findings are shown above the input;
// note is a line of plain text about what happens next.
func (w *Workflow) draftView(c *Case, meta modalMeta, text string, findings []Finding, note string) slack.ModalViewRequest {
	m := &c.Verdict.Mention
	var blocks []slack.Block
	who := "*Mention*"
	if m.Author != "" {
		who += " by " + clip(m.Author, 200)
	}
	who += " on " + clip(m.Source, 200)
	if link := safeURL(m.URL); link != "" {
		who += ": <" + link + "|open the mention>"
	}
	title := m.Title
	if title == "" {
		title = m.Text
	}
	if title != "" {
		who += "\n" + clip(oneLine(title), 300)
	}
	blocks = append(blocks, section(who))
	if g := w.router.Load().guidelines[c.Guideline]; g != nil && g.cfg.Summary != "" {
		blocks = append(blocks, section("*Guideline:* "+clip(g.cfg.Summary, 1000)))
	}
	if len(findings) > 0 {
		p := w.Policy()
		var b strings.Builder
		b.WriteString("*Policy check:*")
		for _, f := range findings {
			mark := ":warning: "
			if f.Blocking {
				mark = ":no_entry: "
			}
			b.WriteString("\n" + mark + clip(f.Message(p), 400))
		}
		blocks = append(blocks, section(b.String()))
	}
	if note != "" {
		blocks = append(blocks, slack.NewContextBlock("draft_note", mrkdwn(clip(note, 500))))
	}
	input := slack.NewPlainTextInputBlockElement(plain("Your reply"), elementText)
	input.Multiline = true
	input.InitialValue = truncateRunes(text, maxDraftInput)
	input.MaxLength = maxDraftInput
	blocks = append(blocks, slack.NewInputBlock(blockDraftText, plain("Reply"), plain("Checked against the reply policy before it is saved."), input))
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackDraft, PrivateMetadata: meta.encode(),
		Title: plain("Reply draft"), Submit: plain("Check and save"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

func draftHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:8])
}

// submitDraft checks a submitted draft against the policy. Blocking
// findings come back as the input's errors; warnings come back as an
// updated modal showing them, and the same text submitted again is saved
// with them. A clean draft is saved at once. Saved drafts are kept on the
// case, and the modal says where to post it.
func (w *Workflow) submitDraft(ctx context.Context, cb *slack.InteractionCallback) any {
	meta, ok := decodeMeta(cb.View.PrivateMetadata)
	if !ok {
		return nil
	}
	user := cb.User.ID
	var text string
	if cb.View.State != nil {
		text = strings.TrimSpace(cb.View.State.Values[blockDraftText][elementText].Value)
	}
	c, _, err := w.store.Get(ctx, meta.Case)
	if err != nil {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockDraftText: "This case is not known to earshot (any more)."})
	}
	if !w.MayAct(ctx, c, user) {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockDraftText: "Only the people on this case's route can save a reply."})
	}
	if text == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockDraftText: "The reply is empty."})
	}
	signer, _ := w.users.resolve(ctx, user)
	if signer.name == user {
		signer.name = ""
	}
	p := w.Policy()
	findings := CheckReply(p, text, signer.name)
	var blocking []string
	for _, f := range findings {
		if f.Blocking {
			blocking = append(blocking, f.Message(p))
		}
	}
	if len(blocking) > 0 {
		w.metrics.DraftChecks.WithLabelValues("blocked").Inc()
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockDraftText: truncateRunes(strings.Join(blocking, " "), 2000)})
	}
	hash := draftHash(text)
	if len(findings) > 0 && meta.Warned != hash {
		w.metrics.DraftChecks.WithLabelValues("warned").Inc()
		meta.Warned = hash
		view := w.draftView(c, meta, text, findings, "Edit the reply, or submit it unchanged to save it as it is.")
		return slack.NewUpdateViewSubmissionResponse(&view)
	}
	var notes []string
	for _, f := range findings {
		notes = append(notes, f.Message(p))
	}
	now := w.now()
	c, err = w.store.Modify(ctx, meta.Case, func(c *Case) error {
		c.Draft = &Draft{Text: text, By: user, At: now, Findings: notes}
		c.record(now, user, "draft_saved", "", "")
		return nil
	})
	if err != nil {
		w.logError(ctx, "draft not saved", "case", meta.Case, "err", err)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockDraftText: "The draft could not be saved, please submit again."})
	}
	w.metrics.DraftChecks.WithLabelValues("saved").Inc()
	w.log.Info("reply draft saved", "case", c.ID, "actor", user, "findings", len(findings))
	_ = w.async(func(ctx context.Context) {
		if c.Delivery.TS != "" {
			if err := w.threadLine(ctx, c, mentionUser(user, user)+" saved a reply draft."); err != nil {
				w.log.Warn("thread line not posted", "case", c.ID, "err", err)
			}
		}
	})
	return slack.NewUpdateViewSubmissionResponse(w.savedView(c, text))
}

// savedView is the modal after a draft was saved: the text to copy, the
// link to post it at, and what to click afterwards.
func (w *Workflow) savedView(c *Case, text string) *slack.ModalViewRequest {
	m := &c.Verdict.Mention
	where := "Post it where the mention was"
	if link := safeURL(m.URL); link != "" {
		where += ": <" + link + "|open the mention>"
	}
	blocks := []slack.Block{
		section(":white_check_mark: *Draft saved on the case.* " + where + ", then click *Replied* on the alert."),
		section("```" + clip(strings.ReplaceAll(text, "```", "'''"), maxSectionText-10) + "```"),
	}
	return &slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackDraft + "_saved", Title: plain("Reply draft"), Close: plain("Done"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// openFalsePositive opens the modal that asks for an optional reason
// before a case is marked a false positive.
func (w *Workflow) openFalsePositive(ctx context.Context, user, channel, id, trigger string) {
	c, ok := w.permitted(ctx, user, channel, id)
	if !ok {
		return
	}
	if w.ui == nil || trigger == "" {
		w.click(ctx, user, channel, id, ActionFalsePositive, "", "")
		return
	}
	if c.State.Final() {
		w.tell(ctx, channel, user, "Not possible: the case is already "+strings.ReplaceAll(string(c.State), "_", " ")+".")
		return
	}
	rules := c.firedRules()
	text := "Mark this case a false positive? The rules that fired are recorded, so that reports show each rule's false-positive rate."
	if len(rules) > 0 {
		text += "\n*Rules:* " + clip(strings.Join(rules, ", "), 500)
	}
	input := slack.NewPlainTextInputBlockElement(plain("e.g. a competitor's product, a joke"), elementText)
	input.MaxLength = 500
	reason := slack.NewInputBlock(blockFPReason, plain("Reason (optional)"), nil, input)
	reason.Optional = true
	view := slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callbackFalsePositive, PrivateMetadata: modalMeta{Case: id, Channel: channel}.encode(),
		Title: plain("False positive"), Submit: plain("Mark false positive"), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: []slack.Block{section(text), reason}},
	}
	if err := w.ui.openView(ctx, trigger, view); err != nil {
		w.log.Warn("false positive modal not opened", "case", id, "err", err)
		w.tell(ctx, channel, user, "The dialog could not be opened, please click again.")
	}
}

// submitFalsePositive marks the case a false positive with the reason
// given; the modal closes at once, the work is done asynchronously.
func (w *Workflow) submitFalsePositive(cb *slack.InteractionCallback) any {
	meta, ok := decodeMeta(cb.View.PrivateMetadata)
	if !ok {
		return nil
	}
	var reason string
	if cb.View.State != nil {
		reason = strings.TrimSpace(cb.View.State.Values[blockFPReason][elementText].Value)
	}
	user := cb.User.ID
	if err := w.async(func(ctx context.Context) {
		w.click(ctx, user, meta.Channel, meta.Case, ActionFalsePositive, "", reason)
	}); errors.Is(err, errBusy) {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockFPReason: "earshot is busy, please submit again."})
	}
	return nil
}

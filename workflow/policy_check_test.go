package workflow

import (
	"slices"
	"strings"
	"testing"

	"github.com/earshot/earshot/config"
)

func TestCheckReply(t *testing.T) {
	p := config.Policy{
		NeverDisclose:  []string{"Projekt Falke", "Rückrufaktion", "internal roadmap"},
		AvoidPhrases:   []string{"leider nicht möglich", "as per our policy", "Kulanz"},
		RequireSignoff: true,
		MaxLength:      280,
	}
	for _, tc := range []struct {
		name, text, signer string
		want               []string // kinds, in order
	}{
		{"clean German", "Hallo Kim, das tut uns leid. Schreib uns bitte per DM.\nViele Grüße, Anna", "Anna", nil},
		{"clean English", "Hi Kim, sorry about that! Please DM us your order number.\nBest, Ben", "", nil},
		{"signed by name only", "Hi Kim, sorry!\n– Anna", "", nil},
		{"greeting and name on two lines", "Hallo Kim, sorry!\nLiebe Grüße,\nAnna", "", nil},
		{"name of the signer", "Hallo Kim, wir kümmern uns. Anna aus dem Social-Team", "Anna", nil},
		{"never disclose, any case", "Hallo, PROJEKT FALKE startet bald.\nVG Anna", "", []string{FindingNeverDisclose}},
		{"never disclose, umlaut spelt out", "Die Rueckrufaktion läuft.\nVG Anna", "", []string{FindingNeverDisclose}},
		{"never disclose, decomposed umlaut", "Die Ru\u0308ckrufaktion läuft.\nVG Anna", "", []string{FindingNeverDisclose}},
		{"never disclose, line break inside", "See our internal\nroadmap.\nBest, Ben", "", []string{FindingNeverDisclose}},
		{"English term", "That is on the Internal Roadmap!\nCheers, Ben", "", []string{FindingNeverDisclose}},
		{"avoid phrase, capitals and umlaut", "Das ist LEIDER NICHT MÖGLICH.\nViele Grüße, Anna", "", []string{FindingAvoidPhrase}},
		{"avoid phrase, ö spelt out", "Das ist leider nicht moeglich.\nViele Grüße, Anna", "", []string{FindingAvoidPhrase}},
		{"avoid phrase in English", "As per our policy we cannot.\nRegards, Ben", "", []string{FindingAvoidPhrase}},
		{"whole words only", "Kulanzregelung gilt.\nViele Grüße, Anna", "", nil},
		{"no sign-off", "Hallo Kim, das tut uns leid.", "Anna", []string{FindingSignoff}},
		{"greeting without a name", "Hallo Kim, das tut uns leid.\nViele Grüße", "", []string{FindingSignoff}},
		{"team sign-off is not personal", "Sorry!\nYour ACME team", "", []string{FindingSignoff}},
		{"too long", strings.Repeat("ä", 281) + "\nVG Anna", "", []string{FindingMaxLength}},
		{"exactly the limit in characters, not bytes", strings.Repeat("ü", 272) + "\nVG Anna", "", nil},
		{"several at once", "PROJEKT FALKE ist leider nicht möglich", "", []string{FindingNeverDisclose, FindingAvoidPhrase, FindingSignoff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range CheckReply(p, tc.text, tc.signer) {
				got = append(got, f.Kind)
				if f.Blocking != (f.Kind == FindingNeverDisclose || f.Kind == FindingMaxLength) {
					t.Errorf("%s blocking = %v", f.Kind, f.Blocking)
				}
				if f.Message(p) == "" {
					t.Errorf("%s has no message", f.Kind)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings %v, want %v", got, tc.want)
			}
		})
	}
	if f := CheckReply(config.Policy{}, "anything", ""); len(f) != 0 {
		t.Errorf("empty policy found %v", f)
	}
}

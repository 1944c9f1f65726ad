package classifier

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

var showErrors = flag.Bool("golden.errors", false, "log every misclassified golden text")

type labelled struct {
	lang string
	crit bool
	text string
	line int
}

func readGolden(t testing.TB, name string) []labelled {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || (f[1] != "0" && f[1] != "1") {
			t.Fatalf("%s:%d: want lang<TAB>0|1<TAB>text", name, n)
		}
		out = append(out, labelled{lang: f[0], crit: f[1] == "1", text: f[2], line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// prf holds the confusion counts of the criticism class.
type prf struct{ tp, fp, fn, tn int }

func (c *prf) add(got, want bool) {
	switch {
	case got && want:
		c.tp++
	case got:
		c.fp++
	case want:
		c.fn++
	default:
		c.tn++
	}
}

func (c prf) scores() (p, r, f float64) {
	if c.tp+c.fp > 0 {
		p = float64(c.tp) / float64(c.tp+c.fp)
	}
	if c.tp+c.fn > 0 {
		r = float64(c.tp) / float64(c.tp+c.fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

// goldenBrand is the fictional brand of the golden corpus.
var goldenBrand = config.Brand{Terms: []string{"Flinkwerk*", "@flinkwerk", "flinkwerk.de"}}

// TestGolden measures precision, recall and F1 of the criticism class on
// the labelled corpus, per language, separately for the part the packs were
// tuned on and for the held-out part that was written after tuning.
func TestGolden(t *testing.T) {
	c, err := New(config.Rules{Packs: []string{"de", "en"}}, goldenBrand)
	if err != nil {
		t.Fatal(err)
	}
	// Floors, set from measurement (docs/benchmarks.md, Classifier): they
	// guard against regressions. golden-tune.tsv is what the packs were
	// tuned on. golden-round2.tsv and golden-round3.tsv were each written as
	// a hold-out, measured once (F1 de 0.41/en 0.60 and de 0.585/en 0.605)
	// and then tuned on. golden-holdout.tsv was written after all tuning and
	// is the honest estimate (measured F1 de 0.486, en 0.634; never looked
	// at, also not by the second round of pack work, after which it measures
	// de 0.564, en 0.698). golden-fresh.tsv was written before that second
	// round and measured once (F1 de 0.764, en 0.727); it was not tuned on,
	// but by the same hand that then wrote the new cues, so its later
	// figures are optimistic. golden-round4.tsv was written as a hold-out
	// before the fourth round of pack work and measured once with the packs
	// as they were (F1 de 0.825 P 0.929 R 0.743, en 0.818 P 0.871 R 0.771);
	// the fourth round tuned only on tune/round2/round3 and
	// golden-tune4.tsv, without looking at round4's errors, but by the hand
	// that wrote round4, so its later figures are somewhat optimistic.
	// golden-tune4.tsv is the fourth round's tuning text.
	// golden-round5.tsv (tweet-style posts to the brand, 80 de / 80 en) was
	// written as a hold-out before the fifth round of pack work and
	// measured once with the packs as they were (F1 de 0.746 P 0.806 R
	// 0.694, en 0.698 P 0.815 R 0.611); the fifth round looked only at its
	// aggregate lines, but the same hand wrote it and golden-tune5.tsv, the
	// fifth round's tuning text, so its later figures are optimistic. The
	// fifth round looked at the errors of tune, round2, round3, round4 and
	// tune4 too, so round4 is no longer a hold-out.
	// golden-round6.tsv (99 German posts about a rail operator and other
	// utilities in the style of GermEval 2017, two thirds of them news,
	// timetable information, questions and praise; 101 English complaint
	// tweets to many kinds of company, 45 of them complaints) was written as a
	// hold-out before the sixth round of pack work and measured once with the
	// packs as they were (F1 de 0.758 P 0.806 R 0.714, en 0.944 P 0.955 R
	// 0.933); the sixth round looked only at its aggregate lines, but the
	// same hand wrote it and golden-tune6.tsv, the sixth round's tuning text
	// (each of its batches measured before it was tuned on), so its later
	// figures are optimistic.
	// golden-round7.tsv (102 German posts about telecoms, utilities, banks,
	// insurers, parcels, airlines, local transport, retail and food delivery,
	// a third of them complaints, with colloquial spelling, missing umlauts
	// and hashtags; 99 English complaint tweets across domains and look-alike
	// non-complaints, 45 of them complaints) was written as a hold-out before
	// the seventh round of pack work and measured once with the packs as they
	// were (F1 de 0.852 P 0.929 R 0.788, en 0.882 P 0.854 R 0.911); the
	// seventh round looked only at its aggregate lines, but the same hand
	// wrote it and golden-tune7.tsv, the seventh round's tuning text (each of
	// its batches measured before it was tuned on).
	// golden-round8.tsv (120 English tweets to companies across domains in
	// the style of the Complaints corpus, 48 of them complaints, the rest
	// questions, praise, thanks, promotions, news and jokes; 82 German posts
	// about a rail operator in the style of GermEval 2017, 29 of them
	// negative) was written as a hold-out before the eighth round of pack
	// work and measured once with the packs as they were (F1 de 0.792 P
	// 0.875 R 0.724, en 0.854 P 0.927 R 0.792); the eighth round looked only
	// at its aggregate lines (at the end: de 0.830, en 0.879), and it is
	// marked as a hold-out so that -golden.errors does not show its texts,
	// but the same hand wrote it and golden-tune8.tsv, the eighth round's
	// tuning text (18 batches, 1,026 texts, each batch measured before it
	// was tuned on: pooled de P 0.902 R 0.576 F1 0.703, en P 0.837 R 0.595
	// F1 0.695).
	// golden-round9.tsv (123 English tweets to companies across domains in
	// the style of the Complaints corpus, 54 of them complaints; 78 German
	// posts about a rail operator in the style of GermEval 2017, 28 of them
	// negative) was written as a hold-out before the ninth round of pack
	// work and measured once with the packs as they were (F1 de 0.868 P
	// 0.920 R 0.821, en 0.869 P 0.956 R 0.796); the ninth round looked only
	// at its aggregate lines (at the end: de 0.868, en 0.891), and it is
	// marked as a hold-out, but the same hand wrote it and
	// golden-tune9.tsv, the ninth round's tuning text (18 batches, 927
	// texts, each batch measured before it was tuned on: pooled de P 0.940
	// R 0.595 F1 0.729, en P 0.912 R 0.633 F1 0.747).
	// golden-round10.tsv (136 English tweets to companies across domains in
	// the plain, short style of the Complaints corpus, 58 of them
	// complaints, many of them polite requests for help after a failure;
	// 67 German posts about a rail operator in the style of GermEval 2017,
	// 26 of them negative) was written as a hold-out before the tenth round
	// of pack work and measured once with the packs as they were (F1 de
	// 0.939 P 1.000 R 0.885, en 0.965 P 0.982 R 0.948); the tenth round
	// looked only at its aggregate lines (unchanged at the end), and it is
	// marked as a hold-out, but the same hand wrote it and
	// golden-tune10.tsv, the tenth round's tuning text (23 batches, 1,050
	// texts, each batch measured before it was tuned on: pooled de P 0.964
	// R 0.723 F1 0.826, en P 0.932 R 0.756 F1 0.835).
	// golden-round11.tsv (130 English tweets to companies across domains in
	// the style of the Complaints corpus, 45 of them complaints, many of
	// them without a negative word: sarcasm, rhetorical questions, "thanks
	// for nothing", understatement, bare reports of a failure; 80 German
	// posts about a rail operator in the style of GermEval 2017, 27 of them
	// negative, with sarcasm) was written as a hold-out before the eleventh
	// round of pack work and measured once with the packs as they were (F1
	// de 0.833 P 0.952 R 0.741, en 0.703 P 0.897 R 0.578); it is marked as a
	// hold-out, and the eleventh round looked only at its aggregate lines,
	// but the same hand wrote it and golden-tune11.tsv, the eleventh round's
	// tuning text (32 batches, 1,602 texts, two fifths of them complaints,
	// most of those without a negative word, the rest look-alike questions,
	// praise, news and jokes; each batch measured before it was tuned on:
	// pooled de P 0.926 R 0.577 F1 0.711, en P 0.923 R 0.531 F1 0.674). At
	// the end of the round golden-round11.tsv measures de 0.833 (unchanged),
	// en 0.825.
	// golden-round12.tsv (100 English tweets to companies across domains in
	// the style of the Complaints corpus, 42 of them complaints, mostly
	// plain, some sarcastic; the rest questions, praise, thanks, news and
	// jokes; no German) was written as a hold-out before the twelfth round
	// of pack work and measured once with the packs as they were (F1 en
	// 0.938 P 0.974 R 0.905); it is marked as a hold-out, but the same hand
	// wrote it and golden-tune12.tsv, the twelfth round's tuning text (8
	// batches, 310 English texts, 149 of them complaints, a quarter of
	// those sarcastic or without a negative word; each batch measured
	// before it was tuned on: pooled en P 0.952 R 0.664 F1 0.783). At the
	// end of the round golden-round12.tsv measures en 0.938 (unchanged).
	// golden-round13.tsv (320 English tweets to companies across domains in
	// the style of the Complaints corpus, 118 of them complaints, in the real
	// mix: plain reports of a failure, polite requests for help after one,
	// sarcasm, rhetorical questions, threats to leave, beside questions,
	// praise, thanks, replies, news, jokes and look-alikes; 200 German posts
	// about a rail operator and other companies in the style of GermEval
	// 2017, 61 of them negative) was written by a hand that never read the
	// classifier, its packs or any golden file, and measured once with the
	// packs as they were (F1 de 0.893 P 0.900 R 0.885, en 0.883 P 0.903 R
	// 0.864; thresholds from 0.5 to 1.2 measured on both halves of the
	// file in the same run: 1.0 is as good as any, so it stays). It is a
	// hold-out: never read, never tuned on.
	// golden-tune13.tsv is the thirteenth round's tuning text, written for
	// recall on English complaint tweets in the real mix of the Complaints
	// corpus (30 batches, 1,200 English tweets to the brand across rail,
	// parcels, shops, telecoms, airlines, banks, energy and food delivery,
	// 475 of them complaints, many plain reports of a failure, polite
	// requests for help, sarcasm or rhetorical questions; the rest
	// questions, praise, thanks, conversation replies, promotions, news and
	// jokes; each batch written, then measured before it was tuned on:
	// pooled en P 0.963 R 0.703 F1 0.813). The round had no hold-out of its
	// own and looked only at the aggregate lines of the hold-outs: at its
	// end golden-round9.tsv measures en 0.902 (was 0.891) and
	// golden-round11.tsv en 0.850 (was 0.825), the others are unchanged. To
	// stay within the blob budget it dropped thirteen rules (one of them
	// merged into a new one) and 84 phrase cues that decide no verdict in
	// any golden file or VADER snippet. golden-round13.tsv, written by
	// another hand beside the round and never seen by it, measures en 0.893
	// after it (0.888 before: two complaints more, no false positive).
	// golden-dev14.tsv (300 English tweets and forum comments about
	// companies, 114 of them complaints, and 150 German posts, 50 of them
	// negative, more varied and longer than the earlier sets: stories that
	// end well, praise after a contrast, reported speech, negative words
	// aimed at something else, jokes, sarcasm and plain reports of a
	// failure) was written by a hand that never read the classifier,
	// measured once with the packs as they were (F1 de 0.878 P 0.896 R
	// 0.860, en 0.785 P 0.819 R 0.754: English precision below the bar of
	// 0.85) and then tuned on, for precision first (at the end: de 0.931 P
	// 0.922 R 0.940, en 0.907 P 0.912 R 0.904; the hold-outs' aggregate
	// lines and the VADER verdicts are unchanged). It is a development set,
	// not a hold-out.
	// golden-round15.tsv (360 English tweets and forum comments about
	// companies across many domains, 135 of them complaints, in the style
	// of dev14; 160 German posts, 53 of them negative) was written by yet
	// another hand that never read the classifier, and measured twice,
	// aggregate lines only: with the packs after the thirteenth round (en P
	// 0.828 R 0.785 F1 0.806, de P 0.815 R 0.830 F1 0.822) and after the
	// tuning on dev14 (identical counts: that tuning did not carry over to
	// another hand's wording). Thresholds from 0.8 to 1.2 in the first run:
	// none reaches both English F1 0.78 and P 0.85 (1.2: P 0.855, F1 0.767).
	// It is a hold-out.
	// golden-dev16.tsv (400 English tweets and forum comments about
	// companies, 148 of them complaints, no German) was written by a hand
	// that never read the classifier, with deliberately realistic
	// look-alikes of complaints: problems the company solved well, negative
	// words aimed at something else (weather, traffic, other customers,
	// oneself, pets, a competitor), jokes and memes with "dead", "killing
	// me", "disaster", neutral questions about a possible problem, neutral
	// news of delays caused by weather or strikes, people describing their
	// own mistakes, and praise in negative words ("insanely fast", "no
	// complaints", "can't fault them"). Measured before tuning: en P 0.661
	// R 0.818 F1 0.731 (tp 121 fp 62 fn 27 tn 190). It is a development
	// set, not a hold-out; the round tuned on it for structural fixes
	// rather than wording (a negated quantity before a complaint word,
	// complaint words aimed elsewhere before praise of the brand, a
	// happy ending, short praise sarcastic only when it is all the
	// praise, a text opening with a question for information), at the
	// end: en P 0.699 R 0.818 F1 0.754 (tp 121 fp 52). Of the hold-outs
	// only false positives changed, each one fewer: golden-holdout.tsv en
	// 0.875 (was 0.857), golden-round8.tsv en 0.913 (was 0.903),
	// golden-round13.tsv en 0.897 (was 0.893), golden-round15.tsv en
	// 0.812 (was 0.806; two), de 0.830 (was 0.822).
	// golden-round17.tsv (400 English tweets and forum comments about
	// companies across many domains, 149 of them complaints, in the real
	// mix) was written by a hand that never read the classifier and
	// measured twice, aggregate lines only: after the tuning on dev14 (P
	// 0.791 R 0.785 F1 0.788) and after the structural rules of the
	// sixteenth round (P 0.801 R 0.785 F1 0.793: two false positives
	// fewer). Thresholds 1.0-1.4 on it and on golden-round13/15 in the same
	// runs: 1.1 (which drops every text with one clear cue and nothing
	// else) raises English precision to 0.84-0.94 and lowers F1 to
	// 0.78-0.84; 1.0, the F1 optimum, stays the default. It is a hold-out.
	// golden-round18.tsv (360 English tweets to companies in the short,
	// informal style of the Complaints corpus and some forum comments, 133
	// of them complaints) was written by a fourth hand that never read the
	// classifier, after all of this session's tuning, and measured once with
	// the final packs and rules: P 0.826 R 0.714 F1 0.766 (1.1: P 0.837 R
	// 0.579). It is a hold-out.
	// golden-dev19.tsv (400 English tweets to the brand in the style of
	// real company-directed tweets, 150 of them complaints, many of those
	// sarcastic or without a negative word: dialogues, understatement,
	// rhetorical questions; the rest news, questions, praise, stories
	// whose problem the brand solved, mistakes of the author's own and
	// complaints about others with the brand mentioned in passing) was
	// written by a hand that never read the classifier and measured once
	// with the packs and rules as they were before the nineteenth round:
	// P 0.633 R 0.633 F1 0.633 (tp 95 fp 55 fn 55 tn 195). It is a
	// development set, not a hold-out. The nineteenth round added
	// structural rules for precision (the author's own mistake, a
	// question about what the brand does or what the author may do, a
	// fear or expectation, a story that turns to a good end after "but",
	// complaint words with a person or the weather as their subject,
	// switching to the brand, one-sentence news of what the brand says)
	// and two for recall (a dialogue with the brand as a speaker, a
	// short sentence repeating an amount); at its end dev19 measures P
	// 0.725 R 0.667 F1 0.694 (tp 100 fp 38), dev16 P 0.764 R 0.831 F1
	// 0.796 (was 0.699/0.818/0.754), dev14 en P 0.936 F1 0.920 (was
	// 0.912/0.907). Of the hold-outs (aggregate lines only):
	// golden-round17.tsv en P 0.836 F1 0.810 (was 0.801/0.793, six false
	// positives fewer), golden-round18.tsv en P 0.858 R 0.729 F1 0.789
	// (was 0.826/0.714/0.766), golden-round15.tsv en P 0.847 R 0.778 F1
	// 0.811 (was 0.841/0.785/0.812: one false positive and one complaint
	// fewer, from the rule on complaint words with a person as subject),
	// the others unchanged; the VADER verdicts are unchanged but for one
	// false positive fewer.
	// The twenty-first round (tuned on dev19 and dev16 only) added
	// structural rules for precision (a story in which the brand puts the
	// problem right and is praised after it, also "in 10 minutes";
	// "is there ...?" and "does the Flinkwerk ...?" as questions for
	// information; complaint words aimed at an airline, bank or taxi
	// beside the brand named in the text, or with an outside cause after
	// them, "a delay because of customs"; "just realised I've ..." as the
	// author's own mistake; "worried I'd ..." as a fear) and for recall
	// (two sources stating different amounts; "It's 21:40." after a
	// time given earlier; "week 3."; a mocked quotation of a claim of up
	// to five words at 1.0, was three words at 0.5), and pack entries
	// ("zero" as a negator and a complaint of its own, praise of how a
	// problem was handled, "not their fault", sarcastic openers). At its
	// end dev19 measures P 0.859 R 0.813 F1 0.836 (tp 122 fp 20 fn 28
	// tn 230; was 0.725/0.667/0.694), dev16 P 0.788 R 0.878 F1 0.831
	// (was 0.764/0.831/0.796), dev14 en P 0.938 R 0.921 F1 0.929 (was
	// 0.936/0.904/0.920). Of the hold-outs (aggregate lines only, en):
	// golden-fresh.tsv F1 0.984 (was 0.969, one false positive fewer),
	// golden-round6.tsv 0.978 (was 0.967), golden-round8.tsv 0.936 (was
	// 0.913), golden-round11.tsv 0.878 (was 0.850), golden-round13.tsv P
	// 0.923 R 0.915 F1 0.919 (was 0.912/0.881/0.897), golden-round15.tsv P
	// 0.850 R 0.800 F1 0.824 (was 0.847/0.778/0.811), golden-round17.tsv
	// P 0.837 R 0.792 F1 0.814 (was 0.836/0.785/0.810),
	// golden-round18.tsv P 0.867 R 0.737 F1 0.797 (was
	// 0.858/0.729/0.789), the others unchanged; no file got worse. Floors
	// raised to match.
	// golden-round20.tsv (400 English tweets mentioning the brand "as a
	// brand-monitoring tool collects them", 140 complaints; realistic
	// rather than adversarial) was written by a hand that never read the
	// classifier, kept outside the repository and measured on aggregate
	// lines only: after the nineteenth round P 0.852 R 0.821 F1 0.836
	// (the tree before that round: 0.817/0.829/0.823), after the
	// twenty-first P 0.850 R 0.850 F1 0.850 (tp 119 fp 21 fn 21 tn
	// 239). golden-round22.tsv (400 English tweets after the public
	// datasets of complaints to companies on Twitter, 145 complaints) was
	// written by another such hand during the twenty-first round and
	// measured once, after it: P 0.930 R 0.910 F1 0.920 (tp 132 fp 10 fn
	// 13 tn 245; the tree before the nineteenth round: 0.915/0.890/0.902).
	// Both are hold-outs.
	// The twenty-third round (tuned for English precision on the errors
	// of dev19, dev16, dev14 and the tune and round files that are not
	// hold-outs) added pack entries that cancel complaint words where
	// they complain of nothing ("crisis averted", a bad day at work, a
	// cabin that "cracked up", "explain the difference", "wouldn't get
	// wet", pity for "the poor agent", "I'm terrible at", "not a single
	// drop", "the only outage", "you're missing out", a bank that
	// "caught a fraudulent" charge, "didn't even have to chase"), praise
	// ("saved my evening", a refund that "came through"), exceptions to
	// rules (points one "thought I'd lost", "no more waiting", a call
	// answered "within" minutes, "always raining", power knocked out by a
	// storm, "what do I do?" after someone got into one's account, a slot
	// "I'd pay for", an insurer that "paid out my" claim; missedoccasion
	// no longer finds its occasion "the day" inside "the day after"),
	// structural rules (the roads as the subject of complaint words, a
	// one-sentence headline of what the brand recalls as news, a
	// complaint word made light of with "only" and at most 15 minutes)
	// and, for recall, rhetorical complaints ("why does Flinkwerk keep
	// ...", "why ... just to ...", "ever going to fix", "how does that
	// happen", "did not ask for", "now I have to pay"). At its end dev19
	// measures P 0.912 R 0.827 F1 0.867 (tp 124 fp 12 fn 26 tn 238; was
	// 0.859/0.813/0.836, tp 122 fp 20), dev16 P 0.865 R 0.912 F1 0.888
	// (tp 135 fp 21 fn 13 tn 231; was 0.788/0.878/0.831, tp 130 fp 35),
	// dev14 en P 0.946 R 0.921 F1 0.933 (fp 6; was 0.938/0.921/0.929,
	// fp 7), golden-round6.tsv en 0.989 (was 0.978) and
	// golden-round7.tsv en 0.957 (was 0.936), each with fewer false
	// positives. Of the hold-outs (aggregate lines only, en):
	// golden-round18.tsv P 0.877 R 0.752 F1 0.810 (tp 100 fp 14 fn 33
	// tn 213; was 0.867/0.737/0.797, tp 98 fp 15), golden-round20.tsv P
	// 0.856 R 0.850 F1 0.853 (tp 119 fp 20 fn 21 tn 240; was
	// 0.850/0.850/0.850, fp 21); the others are unchanged
	// (golden-round15.tsv P 0.850 R 0.800 F1 0.824, golden-round17.tsv P
	// 0.837 R 0.792 F1 0.814, golden-round13.tsv 0.919,
	// golden-round22.tsv 0.920). The German lines and the VADER verdicts
	// are unchanged. Floors raised to match.
	// Set 23 was written at the start of the fifth session by two more
	// such hands, in a wider mix than the tweets before it: half tweets
	// to the brand, half Reddit, Mastodon, review and forum posts, with
	// news, job posts and ads. Measured once, blind, on the tree of the
	// twenty-first round: German (golden-round23.tsv, 300 posts, 113
	// complaints) P 0.711 R 0.717 F1 0.714, a hold-out; English (400
	// posts, 153 complaints) P 0.694 R 0.817 F1 0.751 (tp 125 fp 55 fn 28
	// tn 192): precision far below the bar on the wider mix, so it became
	// the development set golden-dev23.tsv.
	// The twenty-fourth round (tuned on dev23, checked on dev19, dev16
	// and dev14) added structural English rules for precision on the
	// wider mix, each gated by a word class of its own: the brand cleared
	// ("not Flinkwerk's fault", "..., not @Flinkwerk.", "can't blame the
	// poor driver"), a warning of fraudsters in the brand's name ("PSA:
	// fake Flinkwerk pages ..., don't give your details"), the author's
	// own skill ("I'm terrible at DIY"), slip ("turns out I'd unplugged
	// it", "messed up my order address", "was wrong about", "knocked my
	// lamp off the shelf") or fear of what may come ("worried the bed
	// won't fit"), a fear that turned out wrong after "but" ("I was
	// dreading calling them but it took 3 minutes"), complaint words
	// aimed at another or an earlier provider ("my old provider was a
	// disaster, ...", "... every provider except Flinkwerk"), switching
	// from another provider, and a negated verb of giving that reaches a
	// word for trouble ("doesn't give me a headache"); and pack entries
	// (a shop's late opening and a flat that is a home are no complaint
	// words, thanks "for the patience", "surprisingly easy" and "heroes"
	// are praise). At its end dev23 measures P 0.796 R 0.817 F1 0.806
	// (tp 125 fp 32 fn 28 tn 215; was 0.694/0.817/0.751, fp 55), dev19
	// P 0.865 F1 0.838 (was 0.859/0.836, one false positive fewer),
	// dev16 P 0.798 F1 0.836 (was 0.788/0.831, two fewer), dev14
	// unchanged. Of the hold-outs (aggregate lines only):
	// golden-round17.tsv en P 0.843 R 0.792 F1 0.817 (was
	// 0.837/0.792/0.814), golden-round18.tsv en P 0.883 R 0.737 F1 0.803
	// (was 0.867/0.737/0.797), the others unchanged (English and
	// German); no complaint was lost in any file. English precision on
	// the wider mix stays below the bar of 0.85: most of dev23's
	// remaining false positives are complaint words about other
	// companies named beside the brand's praise, and stories whose
	// problem the brand solved that pack rules still count.
	// The twenty-third and twenty-fourth rounds ran at once, in branches
	// of their own; merged (the word classes now 17, so uint32): dev23 P
	// 0.796 R 0.817 F1 0.806, dev19 0.912/0.827/0.867, dev16
	// 0.871/0.912/0.891, round17 en 0.843/0.792/0.817, round18 en P 0.893
	// R 0.752 F1 0.816 (tp 100 fp 12), round20 0.856/0.850/0.853, the
	// others as after either round.
	// Set 25 (400 English posts in the same wide mix, 143 complaints,
	// with news of layoffs and earnings, job ads and technical threads)
	// was written by another such hand during the two rounds and
	// measured twice, blind: before them P 0.684 R 0.727 F1 0.705 (tp 104
	// fp 48 fn 39 tn 209), after them P 0.712 R 0.727 F1 0.720 (fp 42);
	// then it became the development set golden-dev25.tsv.
	// The twenty-fifth round (tuned on dev25 and dev23, checked on
	// dev19, dev16 and dev14) added a structural English rule for
	// precision: complaint words whose clause (cut at punctuation,
	// contrast words and "and", "so", "while", "whereas") names another
	// company or an @handle, as its subject or after "with" or "was",
	// and neither names nor addresses the brand, count at the elsewhere
	// factor when the text names the brand as a word ("Hermes has lost
	// it somewhere", "DPD is a nightmare on my street", "The worst ISP
	// I've ever had was BT"; a name is a capital not opening its
	// sentence or two to four capitals, not a place after "in", not a
	// product after "my"); and pack exceptions (a reason, "which is why
	// I always", is no rhetorical why; time spent helping is no phone
	// time). At its end dev25 measures P 0.727 R 0.727 F1 0.727 (tp 104
	// fp 39 fn 39 tn 218; was 0.712/0.727/0.720, fp 42), dev23 P 0.817
	// R 0.817 F1 0.817 (tp 125 fp 28; was 0.796/0.817/0.806, fp 32),
	// dev19, dev16 and dev14 unchanged. Of the hold-outs (aggregate
	// lines only): golden-round17.tsv en P 0.849 R 0.792 F1 0.819 (tp
	// 118 fp 21; was 0.843/0.792/0.817, fp 22), the others unchanged
	// (English and German); no complaint was lost in any file. English
	// precision on the wide mix stays below the bar of 0.85: most of
	// dev25's remaining false positives are news and press, adverts and
	// stories whose problem the brand solved.
	// Set 26 (400 English posts from the whole web, a third tweets, a
	// third star-rated reviews, a third threads, news, job ads and deals,
	// many naming other companies; 148 complaints) was written by
	// another such hand and measured twice, blind: after the
	// twenty-fourth round P 0.722 R 0.824 F1 0.770 (tp 122 fp 47 fn 26
	// tn 205), after the twenty-fifth the same; then it became the
	// development set golden-dev26.tsv.
	// The twenty-sixth round (tuned for English precision on dev26, dev25
	// and dev23, checked on dev19, dev16 and dev14) went for kinds of
	// post rather than phrasings, each rule kept only where it helped two
	// files or one with no loss anywhere: a business headline opening the
	// text, with the brand as subject ("Flinkwerk appoints ...",
	// "Flinkwerk to close 40 stores", "Flinkwerk shares fall ...") or
	// object ("Regulator fines Flinkwerk ...") of a verb of business news,
	// after a source label and with a reader's comment after it too, is
	// news (brandReports, which the word table had to double for);
	// adverts ("T&Cs apply", "use code"); a question whether a text is a
	// scam and a warning of a scam call (warnsOfFakes); a review rated 4
	// or 5 out of 5 at its start, its end or in a sentence of its own,
	// with no low rating beside it ("★★★★☆", "5/5", "Four stars for the
	// Flinkwerk chair"); a comparison question ("Flinkwerk vs T-Mobile
	// ...?") and "what's your ...?" for a fact (asksFirst). Job ads made
	// no false positive in any file and got no rule. At its end dev26
	// measures P 0.803 R 0.824 F1 0.813 (tp 122 fp 30 fn 26 tn 222; was
	// 0.722/0.824/0.770, fp 47), dev25 P 0.782 R 0.727 F1 0.754 (tp 104
	// fp 29; was 0.727/0.727/0.727, fp 39), dev23 unchanged (P 0.817 R
	// 0.817 F1 0.817), dev19, dev16 and dev14 unchanged; no complaint was
	// lost in any file. Of the hold-outs (aggregate lines only):
	// golden-round17.tsv en P 0.861 R 0.792 F1 0.825 (tp 118 fp 19; was
	// 0.849/0.792/0.819, fp 21), the others unchanged (English and
	// German). English precision on the wide mix stays below the bar of
	// 0.85: most of the remaining false positives are complaints about
	// other companies (often addressed by @handle) with the brand named
	// in passing, and stories whose problem the brand solved.
	// Set 27 (golden-round27.tsv: 400 English posts, 120 tweets, 100
	// reviews, 80 threads, 100 news, press, job and deal items; 147
	// complaints) was written by another such hand during the
	// twenty-sixth round and measured twice, blind: before that round P
	// 0.811 R 0.816 F1 0.814 (tp 120 fp 28 fn 27 tn 225), after it P
	// 0.833 R 0.816 F1 0.825 (fp 24). A hold-out.
	// The twenty-seventh round (tuned on dev26, dev25 and dev23, checked
	// on dev19, dev16 and dev14) extended namedOther to posts addressed
	// to another (addressedOther): a text that opens with @handles none
	// of which is the brand's, and names the brand only after them and
	// nowhere opening a sentence or a clause, aims the complaint words of
	// every clause at the one addressed when the clause names the brand,
	// if at all, only as the author's thing ("my flinkwerk order"); its
	// "you" is the one addressed. When every complaint cue of such a text
	// is aimed there, so are its complaint rules (scoreParts.away: at the
	// elsewhere factor). English only, as namedOther. At its end dev26
	// measures P 0.824 R 0.824 F1 0.824 (tp 122 fp 26 fn 26 tn 226; was
	// 0.803/0.824/0.813, fp 30), dev25, dev23, dev19, dev16 and dev14
	// unchanged. Of the hold-outs (aggregate lines only):
	// golden-round20.tsv en P 0.862 R 0.850 F1 0.856 (tp 119 fp 19; was
	// 0.856/0.850/0.853, fp 20), the others unchanged (English and
	// German), golden-round27.tsv among them (P 0.833 R 0.816 F1 0.825);
	// no complaint was lost in any file. Instructions per text in the
	// classifier's functions (cachegrind, BenchmarkClassify rules=1000,
	// 2,500 - 500 texts): 57,724 against 57,623 (+0.18%).
	// The twenty-eighth round (tuned on dev23, dev25 and dev26, checked
	// on dev19, dev16 and dev14) went for kinds of post again, each new
	// rule gated by a word class of its own (the classes now 25;
	// aboutOther, part of namedOther, by namedOther's own conditions) and
	// kept only with no loss in any file. For precision: "at least"
	// opening a clause on the brand in a text that names it nowhere
	// before, the brand as the bright spot among troubles of other kinds
	// (brightSpot); complaint words aimed at an article or its author in
	// a thread discussing the brand, or with everyone as their subject
	// (otherParty); a text about another company named twice at least and
	// more often than the brand, read as one addressed to it (aboutOther,
	// in namedOther, tried only where it can change the answer), its
	// quoted claims and other complaint rules aimed there too; "I made a
	// mistake", "me being dumb" (ownFault); a last sentence of praise that
	// is seldom sarcastic after a clause in which the brand acts without
	// a complaint word ("..., @Flinkwerk had a new one on my doorstep by
	// 10am. Impressed.": praisedDeed); ratings out of ten, halved ("10/10
	// wardrobe though"); pack entries for a replacement given "without
	// asking for photos" and "found my lost". For recall: a review rated 1
	// or 2 out of 5 as its verdict (ratedLow: "★★☆☆☆ Delivery was on time
	// but ...", "Fine product, but ... 2/5", "Flinkwerk broadband 1/5."),
	// a "why does/is" question about the brand's ways ("Why does the
	// Flinkwerk app need 300MB?", "why is it 5 taps now": whyBrand), the
	// date or the day of the wait now ("Ordered on the 3rd. It is now the
	// 21st.", "it's day 23.": clockNow), two sources stating different
	// months (contradicts), referrals that send the author round in a
	// circle ("store told me to ring the hotline. hotline told me to go to
	// the store": runaround), a clause opening with "0" after a count of
	// what did come ("10 emails from flinkwerk marketing this week. 0
	// replies from flinkwerk support.": zeroCount). At its end dev23
	// measures P 0.833 R 0.850 F1 0.841 (tp 130 fp 26 fn 23 tn 221; was
	// 0.817/0.817/0.817), dev25 P 0.836 R 0.783 F1 0.809 (tp 112 fp 22 fn
	// 31 tn 235; was 0.782/0.727/0.754), dev26 P 0.879 R 0.885 F1 0.882
	// (tp 131 fp 18 fn 17 tn 234; was 0.824/0.824/0.824), dev19 P 0.912 R
	// 0.833 F1 0.871 (was 0.912/0.827/0.867), dev16 P 0.872 R 0.919 F1
	// 0.895 (was 0.871/0.912/0.891), dev14 en P 0.946 R 0.930 F1 0.938
	// (was 0.946/0.921/0.933); golden-tune9.tsv en 0.995 (was 0.994),
	// golden-tune11.tsv en 0.963 (was 0.961). Of the hold-outs (aggregate
	// lines only, en): golden-round13.tsv P 0.931 R 0.915 F1 0.923 (was
	// 0.923/0.915/0.919), golden-round15.tsv P 0.858 R 0.807 F1 0.832 (was
	// 0.850/0.800/0.824), golden-round17.tsv P 0.863 R 0.805 F1 0.833 (was
	// 0.861/0.792/0.825), golden-round18.tsv P 0.895 R 0.767 F1 0.826 (was
	// 0.893/0.752/0.816), golden-round22.tsv P 0.930 R 0.917 F1 0.924 (was
	// 0.930/0.910/0.920), golden-round27.tsv P 0.838 R 0.844 F1 0.841 (tp
	// 124 fp 24 fn 23 tn 229; was 0.833/0.816/0.825, four complaints more
	// from ratedLow), the others unchanged (English and German); no file
	// lost a complaint or gained a false positive. Instructions per text
	// in the classifier's functions (cachegrind, BenchmarkClassify
	// rules=1000, 3,000 - 1,000 texts): 73,981 against 73,531 (+0.61%).
	// Floors raised to match.
	// Set 28 (golden-dev28.tsv: 400 English customer tweets to or about
	// the brand, 160 complaints) was written by another such hand and
	// measured blind once, P 0.771 R 0.819 F1 0.794 (tp 131 fp 39 fn 29
	// tn 201) at 2b8e1e9; then it became a development set of the
	// twenty-ninth round.
	// The twenty-ninth round (tuned for English precision on tweets on
	// dev28, checked on dev26, dev25, dev23, dev19, dev16 and dev14)
	// went for kinds of tweet: a comparison the brand wins, its
	// complaint words in a clause naming the other and none in a clause
	// naming the brand (winsOver: "Hermes lost my parcel AGAIN.
	// flinkwerk's own delivery has never done this", "@DeutscheBahn train
	// cancelled again, flinkwerk travel already rebooked me"; the other a
	// company of rivalWords, written in lower case too, a handle opening
	// the text or a name with a capital opening its clause), and those
	// companies named as others in namedOther too; a question for what
	// the author can do or how the service works, whose complaint words
	// ask about a possible problem (asksHow: "how late can i order for
	// next day delivery? is 10pm too late?", "any plans for ...?"); a
	// text that defends the brand against the complaints of others
	// (defendsBrand: "stop blaming @Flinkwerk for ...", "ppl who say
	// flinkwerk is ...", "don't get the flinkwerk hate"); a refusal by
	// another person ("my landlord won't let ..."); a happy turn that
	// takes back the complaint rules too, with "they" after it for the
	// brand named before; "without" in the subject of "is" ("the
	// packaging without plastic is great"); the brand's name said before
	// another speaker's label in a dialogue; the praise slang of tweets
	// ("elite", "wholesome", "slaps", "shoutout", "hats off"); time spent
	// on a pastime ("spent 40 mins comparing"). The new word classes take
	// the lexOf bits from the top (lexRivalName, lexDefend); the rules
	// are in score_tweets.go. At its end dev28 measures P 0.851 R 0.819
	// F1 0.834 (tp 131 fp 23 fn 29 tn 217; was 0.771/0.819/0.794, fp
	// 39), dev26 P 0.879 R 0.831 F1 0.854 (fp 17; was 0.860/0.831/0.845,
	// fp 20), dev25 P 0.806 R 0.727 F1 0.765 (fp 25; was fp 26), dev23 P
	// 0.833 R 0.817 F1 0.825 (fp 25; was fp 27), dev16 P 0.877 R 0.912
	// F1 0.894 (fp 19; was fp 20), dev19 and dev14 unchanged; no
	// complaint was lost in any file. Of the hold-outs (aggregate lines
	// only): golden-round10.tsv en P 1.000 R 0.948 F1 0.973 (fp 0; was
	// 0.982/0.948/0.965), golden-round15.tsv en P 0.864 R 0.800 F1 0.831
	// (tp 108 fp 17; was 0.850/0.800/0.824, fp 19), golden-round18.tsv
	// en P 0.901 R 0.752 F1 0.820 (tp 100 fp 11; was 0.893/0.752/0.816),
	// golden-round22.tsv en P 0.936 R 0.910 F1 0.923 (tp 132 fp 9; was
	// 0.930/0.910/0.920), the others unchanged (English and German),
	// golden-round27.tsv among them (P 0.833 R 0.816 F1 0.825). The
	// remaining false positives of dev28 are jokes and memes, good
	// stories with problem words ("stuck at home with a cold, flinkwerk
	// delivered soup ... bless"), the author's own mistake and quoted
	// titles. Instructions per text in the classifier's functions
	// (cachegrind, BenchmarkClassify rules=1000, 3,000 - 1,000 texts):
	// 79,584 against 79,220 (+0.46%).
	// Set 29 (golden-dev29.tsv: 400 English customer tweets, 160
	// complaints) was written by another such hand and measured blind
	// twice, P 0.745 R 0.875 F1 0.805 at 2b8e1e9 and P 0.759 R 0.887 F1
	// 0.818 (tp 142 fp 45 fn 18 tn 195) after the twenty-ninth round;
	// then it became a development set of the thirtieth.
	// The thirtieth round (tuned for English precision on tweets on dev29,
	// each rule kept only with no loss on dev28 or any other file) went
	// for kinds of tweet again: a reply of the brand's support signed
	// with its agent's initials ("Hi Grace, we're sorry your speaker
	// stopped working. ... ^YM": agentSigned, a look at the text's last
	// bytes), whose problem words are the customer's it answers; the
	// author defending the brand ("nah im defending flinkwerk on this
	// one", "Not gonna defend Flinkwerk on everything but ...", not "I
	// can't defend flinkwerk any more"), people who "rate" it down or
	// are "mad" at it (defendsBrand, now also where no complaint cue
	// holds, as the pack rules count too); a quoted question ("\"what
	// colour is this\"") is speech, not a claim in scare quotes
	// (askedQuote, in quotedClaim); a message "claiming to be" or
	// "pretending to be" from the brand and "it's a scam" beside a
	// warning (warnsOfFakes); "not sponsored", "not an ad" before praise
	// do not negate it (pack). At its end dev29 measures P 0.811 R 0.887
	// F1 0.848 (tp 142 fp 33 fn 18 tn 207; was 0.759/0.887/0.818, fp
	// 45), dev25 P 0.848 R 0.783 F1 0.815 (fp 20; was 0.842/0.783/0.812,
	// fp 21), dev28 (P 0.847 R 0.831 F1 0.839) and every other file
	// unchanged; no complaint was lost in any file. The hold-outs'
	// aggregate lines are all unchanged (English and German). The
	// remaining false positives of dev29 are jokes and memes whose one
	// weak cue carries the verdict ("stuck", "days straight", "no one
	// knows"), stories of the author's own doing ("because i left it
	// outside for 2 days"), comparisons the brand wins against a
	// company not in rivalWords (Lufthansa) and conditional moods ("if
	// my package doesnt come before the weekend im going to cry"), each
	// too near to complaints of the same form to take without a loss.
	// Instructions per text in the classifier's functions (cachegrind,
	// BenchmarkClassify rules=1000, 3,000 - 1,000 texts): 74,343 against
	// 74,242 (+0.14%).
	// Sets 28 and 30 (golden-round28.tsv: 400 English posts from the
	// whole web mix and 400 German posts, with the brand's trains and
	// buses among its businesses; golden-round30.tsv: 400 English tweets)
	// were written during the twenty-eighth and twenty-ninth rounds by
	// hands that never read the classifier and measured blind only
	// (aggregate lines): at 2b8e1e9 en P 0.777 R 0.819 F1 0.797, de
	// 0.791/0.791/0.791, tweets 0.792/0.787/0.790; after the thirtieth
	// round en 0.792/0.846/0.818 (one complaint fewer than after the
	// twenty-ninth, 0.794/0.852/0.822), de unchanged, tweets
	// 0.825/0.794/0.809. Both are hold-outs. Fresh tweet sets by new
	// hands (28, 29, 30) measured P 0.745-0.792 at 2b8e1e9, where the
	// older tweet hold-outs measured 0.850-0.930: the rules had fitted the
	// sets they were tuned on more than they generalised.
	// One line per file, in the order the files were written, with the F1
	// floors of its German and English part.
	files := []struct {
		name   string
		de, en float64
		// holdout files are measured, never read: -golden.errors does not
		// show their texts.
		holdout bool
	}{
		{"golden-tune.tsv", 0.90, 0.90, false},
		{"golden-round2.tsv", 0.88, 0.88, false},
		{"golden-round3.tsv", 0.80, 0.80, false},
		{"golden-holdout.tsv", 0.60, 0.72, true},
		{"golden-fresh.tsv", 0.85, 0.97, true},
		{"golden-round4.tsv", 0.85, 0.85, false},
		{"golden-tune4.tsv", 0.90, 0.90, false},
		{"golden-round5.tsv", 0.80, 0.80, false},
		{"golden-tune5.tsv", 0.90, 0.90, false},
		{"golden-round6.tsv", 0.88, 0.98, false},
		{"golden-tune6.tsv", 0.94, 0.95, false},
		{"golden-round7.tsv", 0.84, 0.95, false},
		{"golden-tune7.tsv", 0.95, 0.95, false},
		{"golden-round8.tsv", 0.80, 0.93, true},
		{"golden-tune8.tsv", 0.96, 0.96, false},
		{"golden-round9.tsv", 0.84, 0.86, true},
		{"golden-tune9.tsv", 0.96, 0.99, false},
		{"golden-round10.tsv", 0.92, 0.97, true},
		{"golden-tune10.tsv", 0.97, 0.97, false},
		{"golden-round11.tsv", 0.82, 0.87, true},
		{"golden-tune11.tsv", 0.95, 0.96, false},
		{"golden-round12.tsv", 0, 0.93, true},
		{"golden-tune12.tsv", 0, 0.97, false},
		{"golden-round13.tsv", 0.86, 0.92, true},
		{"golden-tune13.tsv", 0, 0.97, false},
		{"golden-dev14.tsv", 0.92, 0.93, false},
		{"golden-round15.tsv", 0.80, 0.83, true},
		{"golden-dev16.tsv", 0, 0.89, false},
		{"golden-round17.tsv", 0, 0.83, true},
		{"golden-round18.tsv", 0, 0.82, true},
		{"golden-dev19.tsv", 0, 0.87, false},
		{"golden-round20.tsv", 0, 0.85, true},
		{"golden-round22.tsv", 0, 0.92, true},
		{"golden-round23.tsv", 0.71, 0, true},
		{"golden-dev23.tsv", 0, 0.84, false},
		{"golden-dev25.tsv", 0, 0.81, false},
		{"golden-dev26.tsv", 0, 0.88, false},
		{"golden-round27.tsv", 0, 0.84, true},
		{"golden-dev28.tsv", 0, 0.83, false},
		{"golden-dev29.tsv", 0, 0.84, false},
		{"golden-round28.tsv", 0.79, 0.81, true},
		{"golden-round30.tsv", 0, 0.80, true},
	}
	for _, gf := range files {
		file := gf.name
		floors := map[string]float64{"de": gf.de, "en": gf.en}
		counts := map[string]*prf{}
		var v mention.Verdict
		for _, l := range readGolden(t, file) {
			m := mention.Mention{Text: l.text}
			if !c.Classify(&m, &v) {
				t.Errorf("%s:%d: not recognised as a brand mention", file, l.line)
			}
			for _, k := range []string{l.lang, "all"} {
				if counts[k] == nil {
					counts[k] = &prf{}
				}
				counts[k].add(v.Criticism, l.crit)
			}
			if *showErrors && !gf.holdout && v.Criticism != l.crit {
				t.Logf("%s:%d: got %v (score %.2f, lang %s), want %v: %s %s", file, l.line, v.Criticism, v.Score, v.Lang, l.crit, l.text, ruleNames(&v))
			}
		}
		for _, k := range []string{"de", "en", "all"} {
			cn := counts[k]
			if cn == nil {
				continue
			}
			p, r, f := cn.scores()
			t.Logf("%s %s: n=%d P=%.3f R=%.3f F1=%.3f (tp=%d fp=%d fn=%d tn=%d)", file, k, cn.tp+cn.fp+cn.fn+cn.tn, p, r, f, cn.tp, cn.fp, cn.fn, cn.tn)
			if floor, ok := floors[k]; ok && f < floor {
				t.Errorf("%s %s: F1 %.3f below the floor %.2f", file, k, f, floor)
			}
		}
	}
}

func ruleNames(v *mention.Verdict) string {
	var b strings.Builder
	for _, r := range v.Rules {
		b.WriteString(" [" + r.Rule + "]")
	}
	return b.String()
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

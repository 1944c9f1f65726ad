// Package classifier decides whether a mention is criticism of the brand,
// how severe it is and what it is about.
//
// It compiles three things into one matcher: the brand terms (is this a
// mention at all?), the built-in criticism packs "de" and "en" (embedded
// text files under packs/, written for earshot; no third-party lexicon is
// shipped), and the managers' custom rules written in a small query language
// (see Parse). Every term of all of them becomes one pattern of a single
// word-level matcher that runs over the normalised text (tokscan.go): each
// word is hashed once and looked up in a dictionary of the words of all
// patterns, which lists the one-word patterns it completes and the phrases
// anchored on it; prefix and compound-head wildcards are looked up by the
// hashes of a word's first and last bytes. It finds exactly what an
// Aho-Corasick automaton over the bytes with word-boundary checks finds
// (a test and a fuzz test compare the two), so the cost of a text hardly
// depends on the number of rules, and classifying allocates nothing in the
// steady state. The packs also ship compiled (packs/*.bin, written from
// their text by `go generate` and checked against it by TestPackBlobs):
// New (and so a start or a reload) decodes them and compiles only the
// brand terms and custom rules on top of them. After editing a pack's
// text, run go generate ./classifier/.
//
// # Normalisation
//
// Patterns and texts are normalised the same way: NFC, lower case, ß = ss,
// ä/ö/ü = ae/oe/ue (so "Rueckgabe" matches "Rückgabe"), common accents
// dropped, apostrophes inside words dropped ("don't" = "dont") and a final
// 's with its apostrophe ("Flinkwerk's" = "flinkwerk", and so "it's" =
// "it"): the phrase "it's thursday" matches texts with the apostrophe,
// "its thursday" those without, and a pack wants both). URLs and
// @handles are kept apart so that only brand terms match inside them (a
// brand term is a whole word with an optional s, or with a trailing * a
// prefix: "Flinkwerk*" matches #flinkwerkfail);
// emoji are tokens of their own and act as cues. Spans in the verdict are
// byte offsets into mention.Body, also for NFD input.
//
// # Rule language
//
//	(lieferung OR paket) NEAR/6 ("nicht angekommen" OR verspätet) title:rückruf lang:de
//
// Terms match whole words; "quoted phrases" match word sequences; a trailing
// * matches a prefix (at least MinPrefix letters: enttäusch*); a leading *
// matches the head of a compound (at least MinSuffix letters: *katastrophe
// matches "Lieferkatastrophe"). AND (or juxtaposition), OR, NOT and
// parentheses combine them; NEAR/n requires two terms at most n words apart;
// title: restricts to the title; author:, source: and lang: compare fields.
//
// # Scoring
//
// The score is a sum of evidence on an open scale where 1.0 (the default
// threshold, config rules.threshold) means "one clear complaint":
//
//   - criticism cues of the packs add their weight (0.5 mild, 1.0-1.5 clear,
//     2.0 strong: "Katastrophe", "never again");
//   - praise cues count against it (0.6 of their weight); gratitude ("danke",
//     "thanks") only when nothing else complains;
//   - a negator up to three words before a cue (nicht, kein, nie, ohne,
//     weder; not, no, never, n't, without) flips it: "nicht gut" becomes 0.9
//     of a complaint, "not bad" a little praise; in German a negator up to
//     three words after a praise cue flips it too ("gefällt mir nicht");
//   - intensifiers (sehr, total; very, so) multiply the next cue by 1.5,
//     softeners (etwas; a bit) by 0.6;
//   - contrast (aber, jedoch; but, however): cues before it count 0.5, after
//     it 1.5;
//   - complaint patterns without negative words are pack rules and cues:
//     waiting times ("3 hours on the tarmac"), "seit Wochen", "still no",
//     "Danke für nichts", refunds, broken promises, being ignored,
//     cancellations, "nie wieder"/"never again", complaint questions ("Wo
//     bleibt meine Bestellung?");
//   - irony markers ("na toll", "yeah right", 🙄) turn praise into criticism,
//     and so does a lone "not"/"nicht" after a pause at the end ("Great
//     job... not"); so do claps between words ("three 👏 missed 👏
//     deliveries 👏": one marker for the run, the claps no praise), and
//     praise right before "how" that frames a complaint rule ("impressive
//     how Flinkwerk manages to lose a parcel") when its clause holds all the
//     praise; an emphatic question ("Hallo??", "wo ist das Paket?!")
//     adds a little criticism;
//   - a complaint word feared or expected earlier in its clause
//     ("expecting a nightmare", "was dreading", "I thought ... lost",
//     "worried I'd hate"),
//     or in an "if" clause of a text that asks what the author may do
//     ("if my train is late, do I get ...?"), does not count;
//   - a negator that negates a quantity ("not a single", "not one") or
//     is a complaint word of its own ("nobody") before a complaint word
//     ("not a single issue", "nobody's fault") negates the complaint,
//     not the service;
//   - complaint words aimed elsewhere count 0.2: in a clause whose
//     subject is a person or the weather ("my neighbour", "the
//     traffic", "the roads", "my landlord", "the airline" beside the brand named in
//     the text; not a possessive, not followed by the brand's name or
//     "at" it), right before one ("worst neighbour ever"), or with an
//     outside cause after it ("a delay because of customs", "due to the
//     storm"), in a
//     text that names the brand; made light of with "only" and at most
//     15 minutes ("got us there only 10 min late"); in a clause without the
//     brand, before a clause of five words or more that names the brand
//     with praise and no complaint cue or contrast from there on ("What
//     a disaster of a day. Only good thing was the Flinkwerk barista
//     remembering my order"); complaint words before a happy ending (a
//     last sentence of five words or more with praise and no complaint
//     cue or contrast) count 0.5, and so do English complaint words
//     before a last "but" after which the brand acts, with praise (also
//     standing alone) and no complaint cue ("The heating was broken but
//     the Flinkwerk guard moved us to first class. Fair play."). Praise
//     in a shorter clause otherwise takes nothing back: after a
//     complaint it is sarcastic ("Top Service von Flinkwerk.");
//   - a story in which the brand puts the problem right ("reversed it",
//     "sent a replacement", "rebooked me", "new one in 10 minutes"; not
//     "finally fixed", "will be
//     fixed"), with praise after it and no complaint cue from there on,
//     ends well without a "but" too: the complaint cues before count
//     half, its short praise is meant, and it counts 1.5 of praise;
//   - a text that opens by asking for information ("Does anyone know
//     whether ...?", "Which ...?", "Is there a deadline ...?" (not "a
//     reason", "anyone", nor negated), "Does Flinkwerk pay ...?" without
//     "ever", "even", "still", "again"; one question mark, no
//     exclamation) counts 2.0 of praise: it asks about a possible
//     problem; so does one sentence reporting what the brand says,
//     announces or recalls, without I, we or you ("Flinkwerk says
//     delays ... expected until Sunday", "Flinkwerk recalls 5,000
//     toasters over overheating risk"): it is news;
//   - a text whose author admits causing the problem ("my bad", "note to
//     self", "Idiot me", "I ordered the wrong size", "misread my ticket",
//     "realised I'd booked", "just realised I've been paying twice", with
//     "I" or "we" or no subject; an apology
//     to the brand) halves the criticism and counts 2.5 of praise, unless a complaint cue follows in a later sentence or a
//     contrast follows the admission;
//   - switching to the brand ("moving my contract to Flinkwerk", not
//     negated, no complaint cue after it) counts 2.0 of praise;
//   - praise standing alone beside a complaint is sarcastic only when it
//     is all the praise there is;
//   - a text written as a dialogue with the brand as one speaker
//     ("me: pays for 500mbit. flinkwerk: here's 38.", "Flinkwerk: ...
//     Also Flinkwerk: ...") adds 1.0 of criticism;
//   - a short sentence that repeats an amount stated next to it ("Three
//     weeks for a SIM card. Three weeks.") adds 1.0, as shouting a fact
//     again does ("a month. A MONTH.");
//   - a sentence stating what time it is now after a time given
//     earlier ("arriving today between 8 and 20. It's 21:40.") adds 1.0,
//     as a repeated amount does;
//   - a short clause counting the days of a wait ("same blinking
//     light. week 3.", "4th day") adds 1.0;
//   - two sources that state different amounts ("my contract says 250
//     Mbit. speedtest says 31.", "ticket says platform 7, the board
//     says 3"), in a text where the author or reader speaks, add 1.0;
//   - a short quotation (up to five words) of a claim that the text mocks ("the \"next
//     day\" delivery", "Really enjoying the \"premium lounge\" where
//     ..."; not a name with a capital, the brand's own name, or what
//     someone said, wrote or mentioned) adds 1.0;
//   - exclamation marks (up to three, +10% each) and words in capitals
//     (+0.3) amplify existing criticism;
//   - custom rules with criticism: true add their weight (default 1, so one
//     such rule alone flags a text), criticism: false subtract it.
//
// Severity grows with score/threshold: low below 2.2, medium below 4, high
// above; legal, safety or publicity cues (Anwalt, lawyer, recall,
// shitstorm) raise it to high, or crisis with a high score; a large
// engagement raises it one step; a custom rule's severity is a minimum.
//
// Verdict.Rules lists the matched rules (pack rules are named "de:..." and
// "en:...") and, as "cues:criticism" and "cues:praise", the pack cues that
// counted, each with spans into mention.Body for highlighting.
//
// The language comes from the mention or from function words; when they
// hardly lean either way ("flinkwerk macht einfach was es will"), the cues
// of both packs apply.
//
// Topics come from the topic rules of the packs (delivery, service,
// quality, billing, app, staff) and from custom rules (counted double), the
// strongest first.
package classifier

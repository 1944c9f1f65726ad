package classifier

import "github.com/earshot/earshot/mention"

// Rules of the twenty-ninth round (English customer tweets). Their word
// classes take the lexOf bits from the top down.

const (
	lexRivalName uint32 = 1 << 31 // rivalName: a company people compare the brand with
	lexDefend    uint32 = 1 << 30 // defendsBrand: the complaints of others
)

var tweetWords = []struct {
	class uint32
	words []string
}{
	{lexRivalName, rivalWords},
	{lexDefend, []string{"blaming", "complaining", "moaning", "whining", "hating", "slating", "bashing", "slagging",
		"say", "says", "complain", "moan", "whine", "hate", "complaints", "slander", "negativity", "rate", "mad",
		"defend", "defending"}},
	{lexFake, []string{"claiming", "pretending"}},
}

// rivalWords are companies people in the brand's market name beside it,
// as they write them in lower case too: couriers, shops, telecoms and
// the railway.
var rivalWords = []string{"hermes", "dhl", "dpd", "gls", "ups", "fedex", "evri", "amazon", "otto", "zalando",
	"ikea", "mediamarkt", "saturn", "vodafone", "telekom", "o2", "lieferando", "ebay", "temu", "shein", "argos",
	"currys", "tesco", "aldi", "lidl", "rewe", "edeka", "deliveroo", "wolt", "gorillas", "flink", "bahn"}

// rivalName reports whether word k names a company of rivalWords (as
// listed there; TestRivalWords checks the two agree).
func rivalName(nt *normText, k int32) bool {
	tk := &nt.toks[k]
	if tk.kind != tokWord || tk.end-tk.start < 2 || tk.end-tk.start > 10 {
		return false
	}
	switch string(nt.buf[tk.start:tk.end]) {
	case "hermes", "dhl", "dpd", "gls", "ups", "fedex", "evri", "amazon", "otto", "zalando",
		"ikea", "mediamarkt", "saturn", "vodafone", "telekom", "o2", "lieferando", "ebay", "temu", "shein", "argos",
		"currys", "tesco", "aldi", "lidl", "rewe", "edeka", "deliveroo", "wolt", "gorillas", "flink", "bahn":
		return true
	}
	return false
}

// winsOver reports whether the text compares the brand with another
// company that comes off worse ("Hermes lost my parcel AGAIN. flinkwerk's
// own delivery has never done this", "@DeutscheBahn train cancelled
// again, flinkwerk travel already rebooked me"): a complaint cue in a
// clause that names the other (a company of rivalWords, a handle
// opening the text that is not the brand's, or a name written with a
// capital opening the clause: "Quickcart still hasn't shipped") and not
// the brand, the
// brand named as a word in a clause of its own, and no complaint cue in
// a clause that names the brand. Not in a text opening with the brand's
// handle, which complains to the brand of the other ("@Flinkwerk DPD
// lost it again").
func winsOver(nt *normText, flags []uint8, m *mention.Mention, cues []cueHit, rival bool) bool {
	toks := nt.toks
	n := int32(len(toks))
	if n == 0 || flags[0]&flagBrand != 0 {
		return false
	}
	// no complaint cue in a clause that names the brand
	ca, cb := int32(-1), int32(-1) // the clause of the cue looked at last
	for i := range cues {
		if cu := &cues[i]; cu.sign > 0 && (cu.t0 < ca || cu.t0 >= cb) {
			ca, cb = clauseOf(nt, flags, cu.t0)
			if hasBrand(flags, ca, cb) {
				return false
			}
		}
	}
	lead := int32(0) // the handles opening the text
	for lead < n && toks[lead].kind == tokHandle {
		lead++
	}
	atOther := false
	ca, cb = -1, -1
	for i := 0; i < len(cues) && !atOther; i++ {
		cu := &cues[i]
		if cu.sign <= 0 || cu.t0 >= ca && cu.t0 < cb {
			continue
		}
		ca, cb = clauseOf(nt, flags, cu.t0)
		atOther = ca < lead || namedCap(nt, flags, m, ca)
		for k := ca; k < cb && rival && !atOther; k++ {
			atOther = rivalName(nt, k)
		}
	}
	if !atOther {
		return false
	}
	for k := lead; k < n; k++ {
		if flags[k]&flagBrand == 0 || toks[k].kind != tokWord {
			continue
		}
		a, b := clauseOf(nt, flags, k)
		clean := !namedCap(nt, flags, m, a)
		for j := a; j < b && clean && rival; j++ {
			clean = !rivalName(nt, j)
		}
		if clean {
			return true
		}
	}
	return false
}

// clauseOf returns the clause of token t: cut at punctuation, contrast
// words and the words that join clauses (clauseJoin).
func clauseOf(nt *normText, flags []uint8, t int32) (int32, int32) {
	toks := nt.toks
	sent := toks[t].sent
	a := t
	for a > 0 && flags[a]&flagContrast == 0 {
		pk := &toks[a-1]
		if pk.sent != sent || pk.kind == tokPunct || clauseJoin(nt, pk) {
			break
		}
		a--
	}
	b := t + 1
	for b < int32(len(toks)) {
		tk := &toks[b]
		if tk.sent != sent || tk.kind == tokPunct || flags[b]&flagContrast != 0 || clauseJoin(nt, tk) {
			break
		}
		b++
	}
	return a, b
}

// asksHow returns the criticism to take back from the complaint cues of
// a text that opens with a question for what the author can do or how
// the service works ("can i change the address after ordering?", "how
// late can i order for next day delivery? is 10pm too late?", "any plans
// for a family plan?", "is it possible to ...?", "how long does a refund
// take?"), or -1 when it does not: the complaint words of its questions
// ask about a possible problem rather than report one. Not when the
// first question is rhetorical ("still", "even", "actually", "ever",
// "never", "a human"), and not when a sentence that asks nothing holds
// a complaint cue.
func asksHow(nt *normText, flags []uint8, cues []cueHit) float64 {
	toks := nt.toks
	n := int32(len(toks))
	var w [3]int32 // the first three words
	c := 0
	for k := int32(0); k < n && toks[k].sent == 0 && c < 3; k++ {
		if flags[k]&flagBrand != 0 || toks[k].kind != tokWord {
			continue
		}
		if c == 0 && (tokIs(nt, k, "hi") || tokIs(nt, k, "hey") || tokIs(nt, k, "hello")) {
			continue
		}
		w[c] = k
		c++
	}
	if c < 3 {
		return -1
	}
	self := func(k int32) bool { return tokIs(nt, k, "i") || tokIs(nt, k, "we") }
	ask := false
	switch string(nt.buf[toks[w[0]].start:toks[w[0]].end]) {
	case "can", "could":
		ask = self(w[1]) // "can i change ...?"
	case "do":
		ask = self(w[1]) && (tokIs(nt, w[2], "need") || tokIs(nt, w[2], "have")) // "do i need to ...?"
	case "how":
		switch string(nt.buf[toks[w[1]].start:toks[w[1]].end]) {
		case "do", "can", "could", "should":
			ask = self(w[2]) // "how do i add ...?"
		case "late", "early", "soon", "long", "often", "far":
			ask = true // "how late can i order ...?", "how long does a refund take?"
		}
	case "is":
		ask = tokIs(nt, w[1], "it") && tokIs(nt, w[2], "possible")
	case "any":
		ask = tokIs(nt, w[1], "plans") // "any plans for ...?"
	}
	if !ask {
		return -1
	}
	// the first sentence is a question, not a rhetorical one
	first := int32(-1)
	for k := w[0]; k < n && toks[k].sent == 0; k++ {
		tk := &toks[k]
		if tk.kind == tokPunct {
			if nt.buf[tk.start] == '?' {
				first = k
			}
			continue
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "ever", "even", "still", "again", "actually", "seriously", "really", "supposed", "least", "never",
			"human", "person", "anyone", "someone", "somebody", "why", "escalate", "complain", "complaint":
			return -1
		}
	}
	if first < 0 {
		return -1
	}
	back := 0.0
	for i := range cues {
		cu := &cues[i]
		if cu.sign <= 0 || cu.kind != roleNeg {
			continue
		}
		if !asked(nt, cu.t0) {
			return -1
		}
		back += cu.got
	}
	return back
}

// asked reports whether the sentence of token t ends with a question mark.
func asked(nt *normText, t int32) bool {
	toks := nt.toks
	sent := toks[t].sent
	last := t
	for k := t + 1; k < int32(len(toks)) && toks[k].sent == sent; k++ {
		last = k
	}
	tk := &toks[last]
	return tk.kind == tokPunct && nt.buf[tk.start] == '?'
}

// defendsBrand reports whether the text defends the brand against the
// complaints of others: it tells them to stop ("stop blaming @Flinkwerk
// for the strike delays"), speaks of those who complain ("ppl who say
// flinkwerk is \"too expensive\" have clearly never compared prices",
// "people complaining about flinkwerk delivery times in a week with 3
// public holidays") or does not get their complaints ("honestly don't
// get the flinkwerk hate"). The complaint words it quotes are theirs.
func defendsBrand(nt *normText, flags []uint8) bool {
	toks := nt.toks
	n := int32(len(toks))
	word := func(k int32) string {
		if k < 0 || k >= n || toks[k].kind != tokWord {
			return ""
		}
		return string(nt.buf[toks[k].start:toks[k].end])
	}
	for k := int32(0); k < n; k++ {
		if toks[k].kind != tokWord {
			continue
		}
		ing, say := false, false
		switch word(k) {
		case "blaming", "complaining", "moaning", "whining", "hating", "slating", "bashing", "slagging":
			ing = true
		case "say", "says", "complain", "moan", "whine":
			say = true
		case "hate", "complaints", "slander", "negativity":
		case "rate":
			say = true // "people who rate flinkwerk 1 star because ..."
		case "mad":
			ing = true // "people are mad at flinkwerk for the delays"
		case "defend", "defending":
			if defends(nt, flags, k) {
				return true
			}
			continue
		default:
			continue
		}
		// back over the words between: "who", "that", "all the", the
		// brand's name ("the flinkwerk hate")
		j := k - 1
		for ; j >= 0 && j >= k-4 && toks[j].sent == toks[k].sent; j-- {
			if flags[j]&flagBrand != 0 {
				continue
			}
			switch word(j) {
			case "who", "that", "all", "the", "always", "keep", "constantly", "still", "are", "so", "getting":
				continue
			}
			break
		}
		if j < 0 || toks[j].sent != toks[k].sent {
			continue
		}
		switch word(j) {
		case "stop", "quit":
			// "people stop blaming", not "I'll stop complaining when"
			if ing {
				switch word(j - 1) {
				case "i", "ill", "id", "im", "we", "to", "will", "would", "wont", "cant", "never", "when", "if":
				default:
					return true
				}
			}
		case "people", "ppl", "everyone", "everybody", "folks", "those", "yall", "haters", "anyone":
			if ing || say && (word(j+1) == "who" || word(j+1) == "that") {
				return true
			}
		case "get", "understand":
			if !ing && !say && (word(j-1) == "dont" || word(j-1) == "never" || word(j-1) == "cant") {
				return true
			}
		}
	}
	return false
}

// namedCap reports whether word k, not the brand's, is written with a
// capital and names another (otherName).
func namedCap(nt *normText, flags []uint8, m *mention.Mention, k int32) bool {
	tk := &nt.toks[k]
	return tk.kind == tokWord && flags[k]&flagBrand == 0 && capital(m, tk, 0) && otherName(nt, m, k)
}

// brandLabel reports whether the brand's word in the speaker label that
// ends before the colon at k names the speaker: not when the label
// ends in a person other than the brand, the brand's name a word said
// before the next speaker ("me: \"flinkwerk\" friend: \"no way\"").
func brandLabel(nt *normText, flags []uint8, k int32) bool {
	if flags[k-1]&flagBrand != 0 {
		return true
	}
	switch string(nt.buf[nt.toks[k-1].start:nt.toks[k-1].end]) {
	case "me", "friend", "mate", "mum", "mom", "dad", "boss", "partner", "wife", "husband", "bf", "gf",
		"colleague", "flatmate", "roommate", "kid", "son", "daughter", "sister", "brother", "nan", "grandma":
		return false
	}
	return true
}

// withoutSubject reports whether the negator at token k is "without"
// in the subject of a verb "is" or "was" before the word at t ("the new
// packaging without plastic is great"): it negates the subject's thing,
// not the word said of it.
func withoutSubject(nt *normText, k, t int32) bool {
	if !tokIs(nt, k, "without") {
		return false
	}
	for j := k + 1; j < t; j++ {
		switch string(nt.buf[nt.toks[j].start:nt.toks[j].end]) {
		case "is", "was", "are", "were":
			return true
		}
	}
	return false
}

// brandThey reports whether "they" after the contrast at c stands for
// the brand, named before the contrast ("my flinkwerk parcel arrived
// squashed but everything inside was fine, they pack stuff really
// well").
func brandThey(nt *normText, flags []uint8, c int32) bool {
	if !hasBrand(flags, 0, c) {
		return false
	}
	for k := c + 1; k < int32(len(nt.toks)); k++ {
		switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
		case "they", "theyre", "theyve", "their", "them":
			return true
		}
	}
	return false
}

// defends reports whether "defend" at k has the author defend the brand:
// the brand named within three words after it ("nah im defending
// flinkwerk on this one", "I will defend Flinkwerk's drivers"), not
// negated unless a contrast follows in its sentence ("Not gonna defend
// Flinkwerk on everything but this outage was a fibre cut"; not "I
// can't defend flinkwerk any more").
func defends(nt *normText, flags []uint8, k int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	sent := toks[k].sent
	named := false
	for j := k + 1; j < n && j <= k+3 && toks[j].sent == sent && !named; j++ {
		named = flags[j]&flagBrand != 0
	}
	if !named {
		return false
	}
	negated := false
	for j := k - 1; j >= 0 && j >= k-3 && toks[j].sent == sent; j-- {
		negated = negated || flags[j]&flagNegator != 0
	}
	if !negated {
		return true
	}
	for j := k + 1; j < n && toks[j].sent == sent; j++ {
		if flags[j]&flagContrast != 0 {
			return true
		}
	}
	return false
}

// agentSigned reports whether the text ends with the initials a support
// agent signs the brand's replies with ("... we'll dig in ^BK"): it is the
// brand's own reply, whose problem words are the customer's it answers.
func agentSigned(text string) bool {
	i := len(text)
	for i > 0 && (text[i-1] == ' ' || text[i-1] == '\t' || text[i-1] == '\n') {
		i--
	}
	j := i
	for j > 0 && i-j < 3 && text[j-1] >= 'A' && text[j-1] <= 'Z' {
		j--
	}
	return j < i && j > 0 && text[j-1] == '^'
}

// askedQuote reports whether the quotation opening at word q0 asks a
// question ("\"what colour is this\"", "\"how are you so organised\""):
// it reports what someone asked, not a claim it mocks.
func askedQuote(nt *normText, q0 int32) bool {
	switch tk := &nt.toks[q0]; string(nt.buf[tk.start:tk.end]) {
	case "what", "how", "who", "where", "when", "which", "whats", "hows", "wheres":
		return true
	}
	return false
}

// posesAs reports whether "claiming" or "pretending" at k is followed by
// "to be" ("a text claiming to be from flinkwerk", "pretending to be
// @Flinkwerk"): a message posing as another's.
func posesAs(nt *normText, k int32) bool {
	return k+2 < int32(len(nt.toks)) && tokIs(nt, k+1, "to") && tokIs(nt, k+2, "be")
}

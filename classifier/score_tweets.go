package classifier

// Rules of the twenty-ninth round (English customer tweets). Their word
// classes take the lexOf bits from the top down.

const (
	lexRivalName uint32 = 1 << 31 // rivalName: a company people compare the brand with
)

var tweetWords = []struct {
	class uint32
	words []string
}{
	{lexRivalName, rivalWords},
}

// rivalWords are companies people in the brand's market name beside it,
// as they write them in lower case too: couriers, shops, telecoms and
// the railway.
var rivalWords = []string{"hermes", "dhl", "dpd", "gls", "ups", "fedex", "evri", "amazon", "otto", "zalando",
	"ikea", "mediamarkt", "saturn", "vodafone", "telekom", "o2", "lieferando", "ebay", "temu", "shein", "argos",
	"currys", "tesco", "aldi", "lidl", "rewe", "edeka", "deliveroo", "wolt", "gorillas", "flink", "bahn"}

// rivalName reports whether word k names a company of rivalWords.
func rivalName(nt *normText, k int32) bool {
	tk := &nt.toks[k]
	if tk.kind != tokWord {
		return false
	}
	w := nt.buf[tk.start:tk.end]
	if len(w) < 2 || len(w) > 10 {
		return false
	}
	for _, r := range rivalWords {
		if string(w) == r {
			return true
		}
	}
	return false
}

// winsOver reports whether the text compares the brand with another
// company that comes off worse ("Hermes lost my parcel AGAIN. flinkwerk's
// own delivery has never done this", "@DeutscheBahn train cancelled
// again, flinkwerk travel already rebooked me"): a complaint cue in a
// clause that names the other (a company of rivalWords, or a handle
// opening the text that is not the brand's) and not the brand, the
// brand named as a word in a clause of its own, and no complaint cue in
// a clause that names the brand. Not in a text opening with the brand's
// handle, which complains to the brand of the other ("@Flinkwerk DPD
// lost it again").
func winsOver(nt *normText, flags []uint8, cues []cueHit) bool {
	toks := nt.toks
	n := int32(len(toks))
	if n == 0 || flags[0]&flagBrand != 0 {
		return false
	}
	lead := int32(0) // the handles opening the text
	for lead < n && toks[lead].kind == tokHandle {
		lead++
	}
	atOther := false
	for i := range cues {
		cu := &cues[i]
		if cu.sign <= 0 {
			continue
		}
		a, b := clauseOf(nt, flags, cu.t0)
		for k := a; k < b; k++ {
			if flags[k]&flagBrand != 0 {
				return false
			}
			if k < lead || rivalName(nt, k) {
				atOther = true
			}
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
		clean := true
		for j := a; j < b && clean; j++ {
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

package classifier

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/earshot/earshot/mention"
)

// scoreParts collects the evidence of one text before it is combined.
type scoreParts struct {
	crit   float64 // criticism from cues
	praise float64 // praise from cues and praise rules of the packs
	thanks float64 // gratitude, counted as praise only when nothing complains
	short  float64 // praise standing alone ("Toll."), sarcastic next to a complaint
	opener float64 // praise opening the text ("Toll, ..."), sarcastic when it is the only praise beside a complaint rule
	how    float64 // praise right before "how" ("impressive how ...") and in its clause, sarcastic beside a complaint rule when it is all the praise
	rules  float64 // criticism from rules
	minus  float64 // custom praise or exclusion rules
	irony  float64
	ask    float64 // a text opening with a question for information (askCredit), counted as praise
	turned bool    // the text turns to a good end after a contrast (happyTurn): its short praise is meant
	away   bool    // addressed to another, all complaint cues aimed at it (namedOther): so are the rules
	own    float64 // the author admits causing the problem (ownCredit), counted as praise
	toward float64 // the author moves to the brand (towardCredit), counted as praise
	rated  float64 // an overall rating of 4 or 5 out of 5 (ratedCredit), counted as praise
	excl   int
	shout  int
	severe int
}

// Scoring constants. The scale is documented in the package comment.
const (
	intensFactor    = 1.5
	softFactor      = 0.6
	negatedNeg      = 0.4 // "nicht schlecht": a little praise
	negatedPos      = 1.0 // "nicht gut": a complaint (weight at least 1)
	beforeContrast  = 0.5
	afterContrast   = 1.5
	praiseFactor    = 0.6
	ironyFlip       = 0.8
	emphQuestion    = 0.6 // "Hallo??", "wo bleibt das Paket?!"
	trailingNot     = 1.0 // "Great job... not"
	scareQuote      = 1.0 // "the \"fresh\" salad": praise in quotes of its own
	clapIrony       = 1.0 // "three 👏 missed 👏 deliveries": claps between words
	quoteClaim      = 1.0 // "the \"next day\" delivery": a claim in quotes of its own
	echoShout       = 1.0 // "3 hours on the phone. 3 HOURS"
	dialogueCue     = 1.0 // "me: pays for 500mbit. flinkwerk: here's 38."
	contradiction   = 1.0 // "my contract says 250 Mbit. speedtest says 31."
	whyCue          = 1.0 // "Why does the Flinkwerk app need 300MB?"
	lowRated        = 1.5 // "★☆☆☆☆", "2/5" as the review's verdict
	runaroundCue    = 1.5 // "store told me to ring the hotline. hotline told me to go to the store"
	askCredit       = 2.0 // a text opening with a question for information, as praise
	ownCredit       = 2.5 // the author's own mistake ("I forgot", "my bad"), as praise
	ownFactor       = 0.5 // and the criticism beside it
	towardCredit    = 2.0 // "switching to Flinkwerk", as praise
	ratedCredit     = 2.5 // "★★★★★", "5/5", "4 stars." as the review's verdict, as praise
	ratedFactor     = 0.5 // and the criticism beside it
	fixedCredit     = 1.5 // the brand put the problem right (resolved), as praise
	happyFactor     = 0.5 // a complaint cue before a last sentence of praise
	elsewhereFactor = 0.2 // a complaint cue aimed elsewhere, before praise of the brand
	exclStep        = 0.1
	maxExcl         = 3
	shoutBonus      = 0.3
	negationReach   = 3
	modifierReach   = 2
	lookaheadReachD = 3
)

// total combines the parts into the score.
func (p *scoreParts) total() float64 {
	crit := p.crit + p.rules
	if p.away {
		crit = p.crit + p.rules*elsewhereFactor
	}
	if p.own > 0 {
		crit *= ownFactor // the author's own mistake
	}
	// A review rated 4 or 5 out of 5 tells its verdict: the faults it
	// weighs on the way are no complaint of it.
	if p.rated > 0 {
		crit *= ratedFactor
	}
	praise := p.praise + p.ask + p.own + p.toward + p.rated
	// Praise right before "how" beside a complaint rule frames the
	// complaint ("Genuinely impressive how Flinkwerk manages to lose a
	// parcel", "Funny how the app always works perfectly when it's time to
	// take my money and never when ..."): when the frame's clause holds
	// all the praise there is, it is sarcastic, as after an irony marker
	// (not in "Impressive how they handled the storm, every train ran,
	// staff were great").
	if p.rules > 0 && p.how > 0 && praise-p.how < 1e-9 {
		crit += ironyFlip * p.how
		praise -= p.how
	}
	// Praise standing alone ("Toll.", "Great, thanks.") beside a
	// complaint is sarcastic when it is all the praise there is; after
	// praise of its own ("Support sorted out my broken laptop in four
	// days. Honestly impressed.") it is not.
	if crit > 0 && p.praise-p.short < 1e-9 && !p.turned {
		crit += ironyFlip * p.short
		praise -= p.short
	}
	if crit > 0 {
		// Praise that opens the text, when it is all the praise there is
		// and a complaint rule holds, is sarcastic too ("Toll, jetzt sind
		// die Mülleimer auch noch weg"); with more praise ("well done,
		// lost parcel found within a day, amazing") or with complaint cues
		// only ("Love it, the refund came the next day") it is not.
		if p.rules > 0 && p.praise-p.short-p.opener < 1e-9 && !p.turned {
			crit += ironyFlip * p.opener
			praise -= p.opener
		}
		crit *= 1 + exclStep*float64(min(p.excl, maxExcl))
		if p.shout > 0 {
			crit += shoutBonus
		}
	} else {
		praise += p.thanks
	}
	return crit - praiseFactor*praise - p.minus
}

// score applies the cues of the packs: negation, intensifiers, softeners,
// contrast, irony, exclamation and shouting. It adds the cue matches to v.
func (c *Classifier) score(s *scratch, v *mention.Verdict, langBits uint8) scoreParts {
	var p scoreParts
	nt := &s.nt
	n := len(nt.toks)
	if cap(s.flags) < n {
		s.flags = make([]uint8, n, n+n/2)
	}
	s.flags = s.flags[:n]
	clear(s.flags)
	s.cues = s.cues[:0]
	flags := s.flags
	// How many cues cover each token (counted up to 2), counted as the
	// cues are listed: a cue can only lie inside another when every token
	// of it is covered twice.
	if cap(s.cueCnt) < n {
		s.cueCnt = make([]uint8, n, n+n/2)
	}
	cnt := s.cueCnt[:n]
	clear(cnt)
	contrasts, nonneg := 0, 0
	brandN := int32(0) // the brand's names
	lex := lexOf(nt)
	hits := s.hits
	for hi := range hits {
		h := &hits[hi]
		hp := &c.hot[h.pat]
		if hp.brand {
			if flags[h.t0]&flagBrand == 0 {
				brandN++
			}
			for t := h.t0; t < h.t1; t++ {
				flags[t] |= flagBrand
			}
		}
		if !hp.hasRole || !hp.ascii && repeatedEmoji(nt, h.t0, h.t1) {
			continue
		}
		for _, r := range c.roles(hp) {
			if r.lang&langBits == 0 {
				continue
			}
			switch r.kind {
			case roleNegator:
				flags[h.t1-1] |= flagNegator
			case roleIntens:
				flags[h.t1-1] |= flagIntens
			case roleSoft:
				flags[h.t1-1] |= flagSoft
			case roleContrast:
				flags[h.t0] |= flagContrast
				contrasts++
			case roleIrony:
				p.irony += r.weight
				s.cues = append(s.cues, cueHit{t0: h.t0, t1: h.t1, kind: roleIrony, w: r.weight})
				countCue(cnt, h.t0, h.t1)
			case roleSevere:
				p.severe++
			case roleNonNeg:
				nonneg++
			case roleNeg, rolePos, roleThanks, roleFunc:
				s.cues = append(s.cues, cueHit{t0: h.t0, t1: h.t1, kind: r.kind, w: r.weight})
				countCue(cnt, h.t0, h.t1)
			}
		}
	}
	for _, h := range s.hits {
		if nonneg == 0 {
			break
		}
		for _, r := range c.roles(&c.hot[h.pat]) {
			if r.kind == roleNonNeg && r.lang&langBits != 0 {
				for t := h.t0; t < h.t1; t++ {
					flags[t] &^= flagNegator
					flags[t] |= flagNonNeg
				}
			}
		}
	}
	// The tokens that start a contrast, in order.
	s.contrast = s.contrast[:0]
	if contrasts > 0 {
		for k := range flags {
			if flags[k]&flagContrast != 0 {
				s.contrast = append(s.contrast, int32(k))
			}
		}
	}
	others := clauseMemo{a: -1, b: -1, brandN: brandN, rival: lex&lexRivalName != 0} // the clause namedOther looked at last
	maxLen, inOrder := int32(-1), false                                              // of the cues, when one is shared
	clapped := false                                                                 // a run of claps between words counted
	howEnd := int32(-1)                                                              // the end of the clause of praise before "how"
	full := false                                                                    // a complaint cue counted not aimed at another named
	for i := range s.cues {
		cu := &s.cues[i]
		shared := cnt[cu.t0] >= 2
		for t := cu.t0 + 1; t < cu.t1 && shared; t++ {
			shared = cnt[t] >= 2
		}
		if shared {
			if maxLen < 0 {
				maxLen, inOrder = cueOrder(s.cues)
			}
			if contained(s.cues, i, maxLen, inOrder) {
				continue
			}
		}
		if cu.kind == roleIrony {
			cu.sign = 1
			continue
		}
		// "Problem" in "kein Problem", "complaints" in "no complaints":
		// a complaint word inside a phrase that cancels it does not count.
		if cu.kind == roleNeg && insideNonNeg(flags, cu.t0, cu.t1) {
			continue
		}
		// A complaint phrase that negates a quantity ("not a single",
		// "not one", "kein einziges"), or a complaint word that is a
		// negator of its own ("nobody"), with a complaint word right
		// after it ("not a single issue", "nobody's fault") negates the
		// complaint, not the service: it is praise, counted by the
		// negated word.
		if cu.kind == roleNeg && (quantifierEnd(nt, cu.t1) || cu.t1 == cu.t0+1) && hasNegator(flags, cu.t0, cu.t1) && negatedNext(s.cues, i, flags) {
			continue
		}
		// Claps between the words ("three 👏 missed 👏 deliveries 👏")
		// are sarcastic emphasis: one irony marker for the run, neither
		// praise nor negated ("never 👏 again").
		if cu.kind == rolePos && nt.toks[cu.t0].kind == tokEmoji && clapEmphasis(nt, cu.t0, cu.t1) {
			if !clapped {
				clapped = true
				p.irony += clapIrony
				cu.kind, cu.w, cu.sign = roleIrony, clapIrony, 1
			}
			continue
		}
		negated := false
		mult := 1.0
		toks := nt.toks
		sent0 := toks[cu.t0].sent
		// A cue with a negator of its own ("not ok", "kein Netz") is
		// negated already: a negator before it does not flip it back
		// ("no water is not ok").
		selfNeg := flags[cu.t0]&flagNegator != 0
		for t := cu.t0 + 1; t < cu.t1; t++ {
			selfNeg = selfNeg || flags[t]&flagNegator != 0
		}
		for k := cu.t0 - 1; !selfNeg && k >= 0 && k >= cu.t0-negationReach; k-- {
			if tk := &toks[k]; tk.kind == tokPunct || flags[k]&flagContrast != 0 || tk.sent != sent0 {
				break
			}
			f := flags[k]
			if f&flagNegator != 0 {
				negated = !withoutSubject(nt, k, cu.t0)
				break
			}
			if cu.kind == roleNeg && wishWord(nt, k) {
				break // "I don't need 14 emails a day": an unwanted thing stays a complaint
			}
			if k >= cu.t0-modifierReach {
				if f&flagIntens != 0 {
					mult *= intensFactor
				}
				if f&flagSoft != 0 {
					mult *= softFactor
				}
			}
		}
		// German puts the negation after the verb: "gefällt mir nicht".
		if !negated && !selfNeg && (cu.kind == rolePos || cu.kind == roleFunc) && langBits&langDE != 0 {
			for k := cu.t1; k < int32(n) && k < cu.t1+lookaheadReachD; k++ {
				if tk := &toks[k]; tk.kind == tokPunct || flags[k]&flagContrast != 0 || tk.sent != sent0 {
					break
				}
				if flags[k]&flagNegator != 0 {
					negated = true
					break
				}
			}
		}
		// "doesn't give me a headache", "hasn't caused us a single
		// issue": a negated verb of giving reaches past its objects.
		if !negated && !selfNeg && cu.kind == roleNeg && lex&lexFault != 0 && negatedGive(nt, flags, cu.t0) {
			negated = true
		}
		cf := 1.0
		if contrasts > 0 {
			cf = contrastFactor(nt, s.contrast, cu.t0, cu.t1)
		}
		w := cu.w * mult
		switch cu.kind {
		case roleNeg:
			if negated {
				p.praise += w * negatedNeg
				cu.sign = -1
			} else if lex&lexUnreal != 0 && unreal(nt, flags, cu.t0) {
				// Feared or supposed, not reported: "Went in expecting
				// a nightmare", "if my train is late, do I get ...?"
				continue
			} else if lex&lexFear != 0 && fearsAhead(nt, flags, cu.t0, cu.t1) {
				continue // "worried the bed won't fit": feared, not reported
			} else if lex&lexSkill != 0 && selfSkill(nt, flags, cu.t0, cu.t1) {
				continue // "I'm terrible at DIY": the author's skill, not the brand's
			} else {
				if lex&lexParty != 0 && otherParty(nt, flags, cu.t0, cu.t1) {
					w *= elsewhereFactor // "my neighbour refuses to ..."
				} else if lex&lexOnly != 0 && minimised(nt, cu.t0) {
					w *= elsewhereFactor // "got us there only 10 min late"
				}
				if lex&lexRival != 0 && rivalClause(nt, flags, cu.t0) {
					w *= elsewhereFactor // "my old provider was a disaster, ..."
				} else if langBits&langDE == 0 && namedOther(nt, flags, s.m, cu.t0, &others) {
					w *= elsewhereFactor // "Hermes has lost it somewhere"
				} else {
					full = true
				}
				p.crit += w * cf
				cu.sign = 1
				cu.got = w * cf
			}
		case rolePos:
			if negated {
				p.crit += max(w, 1) * negatedPos * cf
				cu.sign = 1
			} else if greeting(nt, cu.t0, cu.t1) {
				continue
			} else if scareQuoted(nt, s.m, cu.t0, cu.t1) {
				p.irony += scareQuote
				cu.kind, cu.w, cu.sign = roleIrony, scareQuote, 1
			} else if wished(nt, flags, cu.t0, cu.t1) {
				// Praise wished for is not praise given ("all I want is
				// for one train to leave on time"); it is not counted as
				// a complaint either (a flip cost precision: "would be
				// great", "would love to order again").
				continue
			} else {
				p.praise += w * cf
				cu.sign = -1
				if shortSentence(nt, flags, cu.t0) {
					p.short += w * cf
					cu.got = 1
				} else if opener(nt, flags, cu.t0, cu.t1) {
					p.opener += w * cf
				}
				if cu.t0 < howEnd {
					p.how += w * cf // in the clause of "impressive how"
				} else if beforeHow(nt, cu.t1) {
					p.how += w * cf
					howEnd = clauseEnd(nt, cu.t1)
				}
			}
		case roleFunc:
			if negated && lex&lexFear != 0 && fearsAhead(nt, flags, cu.t0, cu.t1) {
				continue // "worried it won't fit"
			}
			if negated {
				if lex&lexParty != 0 && langBits&langDE == 0 && otherParty(nt, flags, cu.t0, cu.t1) {
					w *= elsewhereFactor // "my landlord won't let flinkwerk install fibre"
				} else if langBits&langDE == 0 && namedOther(nt, flags, s.m, cu.t0, &others) {
					w *= elsewhereFactor // "Hermes won't even answer the phone"
				} else {
					full = true
				}
				p.crit += w * cf
				cu.sign = 1
			}
		case roleThanks:
			if !negated {
				p.thanks += w
			}
		}
	}
	// In a text about another, every complaint cue aimed at it, the
	// complaint rules below are aimed there too ("FedEx "delivered" my
	// @Flinkwerk TV ...").
	sf := 1.0
	if others.addr > 0 && !full && p.crit > 0 {
		sf = elsewhereFactor
	}
	// An emphatic question ("??", "?!") is a complaint question; a lone
	// "not"/"nicht" after a pause at the end ("liefert pünktlich...
	// nicht") turns what came before into sarcasm.
	if nt.quest >= 2 || nt.quest > 0 && nt.excl > 0 {
		if t := emphaticQuestion(nt); t >= 0 {
			p.crit += emphQuestion * sf
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: emphQuestion, sign: 1})
		}
	}
	if lex&lexColons != 0 {
		if t := dialogue(nt, flags); t >= 0 {
			p.crit += dialogueCue * sf
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: dialogueCue, sign: 1})
		}
	}
	t := echoShouting(nt, flags)
	if t < 0 && lex&lexAmount != 0 {
		t = echoed(nt)
		if t < 0 && lex&lexNow != 0 {
			t = clockNow(nt)
		}
		if t < 0 && lex&lexDays != 0 {
			t = dayCount(nt)
		}
	}
	if t < 0 && lex&lexZero != 0 {
		t = zeroCount(nt, flags, s.cues)
	}
	if t >= 0 {
		p.crit += echoShout * sf
		s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: echoShout, sign: 1})
	}
	if lex&lexWhy != 0 && langBits&langDE == 0 {
		if t := whyBrand(nt, flags, s.cues); t >= 0 {
			p.crit += whyCue * sf
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: whyCue, sign: 1})
		}
	}
	if lex&lexSend != 0 {
		if t := runaround(nt, flags); t >= 0 {
			p.crit += runaroundCue * sf
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: runaroundCue, sign: 1})
		}
	}
	if lex&(lexSays|lexAmount) == lexSays|lexAmount {
		if t := contradicts(nt); t >= 0 {
			p.crit += contradiction * sf
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: contradiction, sign: 1})
		}
	}
	if hasQuote(s.m.Title) || hasQuote(s.m.Text) {
		if t := quotedClaim(nt, flags, s.m); t >= 0 {
			p.crit += quoteClaim * sf
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: quoteClaim, sign: 1})
		}
	}
	if t := trailingNegator(nt, flags); t >= 0 {
		p.irony += trailingNot
		s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleIrony, w: trailingNot, sign: 1})
	}
	if p.irony > 0 {
		p.crit += p.irony + ironyFlip*p.praise
		p.praise, p.thanks = 0, 0
		for i := range s.cues {
			if s.cues[i].sign < 0 {
				s.cues[i].sign = 1
			}
		}
	}
	// A text addressed to another whose complaint cues are all aimed at
	// it ("@Evri driver threw my flinkwerk order over the fence") aims
	// the complaint rules there too.
	p.away = others.addr > 0 && !full && p.crit > 0 && p.irony == 0
	if p.crit > 0 && p.praise > 0 && p.irony == 0 {
		p.crit -= aimedElsewhere(nt, flags, s.cues)
		if a := happyEnd(nt, flags, s.cues); a > 0 {
			p.crit -= happyTakeBack(s.cues, a)
		} else if a := happyTurn(nt, flags, s.cues); a > 0 && langBits&langDE == 0 {
			p.crit -= happyTakeBack(s.cues, a)
			p.turned = true
			// the complaint rules tell the trouble before the turn too
			// ("bus was 40 mins late, coffee was cold, but the flinkwerk
			// store staff were lovely")
			p.away = true
		} else if lex&lexFixed != 0 && langBits&langDE == 0 {
			// The brand put the problem right, praised after ("charged
			// twice by mistake, chat spotted it and reversed it.
			// painless"): a story that ends well, without a "but".
			if a := resolved(nt, flags, s.cues); a > 0 {
				p.crit -= happyTakeBack(s.cues, a)
				p.turned = true
				p.ask += fixedCredit
			}
		}
	}
	// A last sentence of praise alone after the brand's deed ("Router
	// died last night, @Flinkwerk had a new one on my doorstep by 10am.
	// Impressed."): a story that ends well.
	if p.crit > 0 && p.short > 0 && lex&lexVerdict != 0 && p.irony == 0 && !p.turned && langBits&langDE == 0 {
		if a := praisedDeed(nt, flags, s.cues); a > 0 {
			p.crit -= happyTakeBack(s.cues, a)
			p.turned = true
		}
	}
	// The brand as the one bright spot after the troubles of a day ("my
	// boss is a nightmare but at least the Flinkwerk lunch delivery is
	// reliable"): the complaint words before it and in its sentence are
	// aimed elsewhere, and the contrast praises the brand.
	if p.crit > 0 && lex&lexLeast != 0 && p.irony == 0 && langBits&langDE == 0 {
		if a := brightSpot(nt, flags); a > 0 {
			e := a // the end of its sentence: "keeps the flat warm" is no complaint
			for e < int32(len(nt.toks)) && nt.toks[e].sent == nt.toks[a].sent {
				e++
			}
			for i := range s.cues {
				if cu := &s.cues[i]; cu.kind == roleNeg && cu.sign > 0 && cu.t1 <= e {
					p.crit -= (1 - elsewhereFactor) * cu.got
				}
			}
			p.turned = true
			p.ask += fixedCredit
		}
	}
	// A comparison the brand wins ("Hermes lost my parcel AGAIN.
	// flinkwerk's own delivery has never done this"): the complaint is
	// aimed at the other, and the comparison praises the brand.
	if p.crit > 0 && p.irony == 0 && langBits&langDE == 0 && winsOver(nt, flags, s.m, s.cues, lex&lexRivalName != 0) {
		p.away, p.turned = true, true
		p.ask += fixedCredit
	}
	// Complaint words that the text says do not hold for the brand
	// ("problems with every provider I've had except Flinkwerk") are
	// aimed elsewhere.
	if p.crit > 0 && lex&lexRival != 0 && p.irony == 0 {
		p.crit -= excepted(nt, flags, s.cues)
	}
	// A warning of fraudsters using the brand's name is aimed at them,
	// and tells news rather than a complaint of the brand.
	if p.crit > 0 && lex&lexFake != 0 && p.irony == 0 && warnsOfFakes(nt, flags) {
		p.crit *= elsewhereFactor
		p.ask = askCredit
	}
	// So is a text that defends the brand against the complaints of
	// others ("stop blaming @Flinkwerk for the strike delays").
	if lex&lexDefend != 0 && p.irony == 0 && langBits&langDE == 0 && defendsBrand(nt, flags) {
		p.crit *= elsewhereFactor
		p.away = true
		p.ask = askCredit
	}
	// So is a reply of the brand's support, signed by its agent ("Hi
	// Grace, we're sorry your speaker stopped working. ... ^YM").
	if p.irony == 0 && agentSigned(s.m.Text) {
		p.crit *= elsewhereFactor
		p.away = true
		p.ask = askCredit
	}
	// A fear or expectation that turned out wrong after "but" ("I was
	// dreading calling them but it took 3 minutes") tells a good end.
	if lex&(lexFear|lexUnreal) != 0 && p.irony == 0 && !p.turned && langBits&langDE == 0 {
		if a := fearTurned(nt, flags, s.cues); a > 0 {
			p.crit -= happyTakeBack(s.cues, a)
			p.turned = true
			p.ask += fixedCredit
		}
	}
	// A text that opens by asking for information ("Does anyone know
	// whether Flinkwerk charges for roaming?") asks about a possible
	// problem rather than reporting one.
	if nt.quest == 1 && nt.excl == 0 && p.irony == 0 && asksFirst(nt, flags, lex) {
		p.ask = askCredit
	}
	// So does one that asks what the author can do or how the service
	// works ("how late can i order for next day delivery? is 10pm too
	// late?"): the complaint words of its questions are no report.
	if nt.quest > 0 && nt.excl == 0 && p.irony == 0 && p.ask == 0 && langBits&langDE == 0 {
		if back := asksHow(nt, flags, s.cues); back >= 0 {
			p.crit -= back
			p.ask = askCredit
		}
	}
	// So does a one-sentence report of what the brand says, announces or
	// recalls, with no one speaking for themselves: it is news
	// ("Flinkwerk says delays on the northern line expected until
	// Sunday").
	if lex&(lexSays|lexNews) != 0 && nt.quest == 0 && nt.excl == 0 && p.irony == 0 && brandReports(nt, flags, lex) {
		p.ask = askCredit
	}
	// A text whose author admits causing the problem ("Misread my ticket
	// and went to the wrong station", "my bad") blames no one else,
	// unless a complaint comes after the admission.
	if lex&lexOwn != 0 && p.irony == 0 && ownFault(nt, flags, s.cues) {
		p.own = ownCredit
	}
	if lex&lexSlip != 0 && p.irony == 0 && p.own == 0 && ownSlip(nt, flags, s.cues) {
		p.own = ownCredit // "turns out I'd unplugged it"
	}
	// So does one that clears the brand ("not Flinkwerk's fault", "my
	// bank messed up, not @Flinkwerk"): the blame lies elsewhere.
	if lex&lexFault != 0 && p.irony == 0 && p.own == 0 && clearsBrand(nt, flags, s.cues) {
		p.own = ownCredit
	}
	// Switching to the brand ("seriously thinking of moving to
	// Flinkwerk") is no complaint of it, whatever the text says of the
	// one left behind before.
	if lex&lexMove != 0 && p.irony == 0 && movesToBrand(nt, flags, s.cues) {
		p.toward = towardCredit
	}
	// So is switching from another provider in a text that names the
	// brand ("thinking of switching from Three, do you have a guide?").
	if lex&lexMove != 0 && p.irony == 0 && p.toward == 0 && movesFromOther(nt, flags, s.cues) {
		p.toward = towardCredit
	}
	// A review that rates the brand 4 or 5 out of 5, and nothing 2 or
	// less, weighs faults and finds for it ("★★★★☆ Bass is a bit muddy
	// but ...", "Assembly took ages ... but it's comfy. 4/5").
	if lex&lexRating != 0 && p.irony == 0 && ratedHigh(nt, flags, s.m) {
		p.rated = ratedCredit
	}
	// One rated 1 or 2 out of 5, and nothing 4 or more, finds against it
	// whatever it grants on the way ("★★☆☆☆ Delivery was on time but
	// the table had a scratch", "Fine product, but ... 2/5").
	if lex&lexRating != 0 && p.rated == 0 {
		if t := ratedLow(nt, flags, s.m); t >= 0 {
			p.crit += lowRated
			s.cues = append(s.cues, cueHit{t0: t, t1: t + 1, kind: roleNeg, w: lowRated, sign: 1})
		}
	}
	p.excl = nt.excl
	for t := range nt.toks {
		if nt.caps == 0 {
			break // no token in capitals
		}
		if nt.toks[t].caps && flags[t]&flagBrand == 0 {
			p.shout++
		}
	}
	if p.crit > 0 {
		mt := addMatch(v, "cues:criticism", "", true, round2(p.crit))
		for _, cu := range s.cues {
			if cu.sign > 0 {
				s.addSpan(mt, cu.t0, cu.t1)
			}
		}
	}
	if p.praise > 0 {
		mt := addMatch(v, "cues:praise", "", false, round2(p.praise))
		for _, cu := range s.cues {
			if cu.sign < 0 {
				s.addSpan(mt, cu.t0, cu.t1)
			}
		}
	}
	return p
}

// countCue counts a cue over tokens [t0, t1) in cnt, up to 2 a token.
func countCue(cnt []uint8, t0, t1 int32) {
	for t := t0; t < t1; t++ {
		cnt[t] = min(cnt[t]+1, 2)
	}
}

// cueOrder returns the length in tokens of the longest cue and whether
// the cues come in order of their last token (as the hits they come from
// do: sorted by end).
func cueOrder(cues []cueHit) (int32, bool) {
	maxLen, inOrder := int32(0), true
	for i := range cues {
		maxLen = max(maxLen, cues[i].t1-cues[i].t0)
		if i > 0 && cues[i].t1 < cues[i-1].t1 {
			inOrder = false
		}
	}
	return maxLen, inOrder
}

// contained reports whether cue i lies inside a longer cue (a phrase such as
// "kein problem" hides its word "problem"), or has the span of an earlier
// cue. With the cues in order of their last token (inOrder), only the
// cues before i that end where it ends and the cues after it that end at
// most maxLen tokens after its start can contain it.
func contained(cues []cueHit, i int, maxLen int32, inOrder bool) bool {
	a := cues[i]
	if !inOrder {
		for j, b := range cues {
			if j != i && b.t0 <= a.t0 && b.t1 >= a.t1 && (b.t1-b.t0 > a.t1-a.t0 || b.t0 == a.t0 && b.t1 == a.t1 && j < i) {
				return true
			}
		}
		return false
	}
	for j := i - 1; j >= 0 && cues[j].t1 == a.t1; j-- {
		if cues[j].t0 <= a.t0 { // longer, or the same span earlier
			return true
		}
	}
	for j := i + 1; j < len(cues) && cues[j].t1-a.t0 <= maxLen; j++ {
		if b := cues[j]; b.t0 <= a.t0 && b.t1 >= a.t1 && b.t1-b.t0 > a.t1-a.t0 {
			return true
		}
	}
	return false
}

// repeatedEmoji reports whether tokens t0 to t1 are one emoji right after
// the same emoji: "😭😭😭" is one cue, not three.
func repeatedEmoji(nt *normText, t0, t1 int32) bool {
	if t1 != t0+1 || t0 == 0 || nt.toks[t0].kind != tokEmoji || nt.toks[t0-1].kind != tokEmoji {
		return false
	}
	a, b := &nt.toks[t0-1], &nt.toks[t0]
	return string(nt.buf[a.start:a.end]) == string(nt.buf[b.start:b.end])
}

// clapEmphasis reports whether the cue [t0, t1) is a 👏 in a run of claps
// between single words ("👏 three 👏 missed 👏 deliveries 👏"): at least
// three claps, each one word from the next. It runs for praise cues that
// are an emoji only.
func clapEmphasis(nt *normText, t0, t1 int32) bool {
	toks := nt.toks
	if t1 != t0+1 || toks[t0].kind != tokEmoji || !isClap(nt, t0) {
		return false
	}
	n := int32(len(toks))
	claps := 1
	for k := t0 + 2; k < n && toks[k-1].kind == tokWord && isClap(nt, k); k += 2 {
		claps++
	}
	for k := t0 - 2; k >= 0 && toks[k+1].kind == tokWord && isClap(nt, k); k -= 2 {
		claps++
	}
	return claps >= 3
}

// isClap reports whether token k is the emoji 👏.
func isClap(nt *normText, k int32) bool {
	tk := &nt.toks[k]
	return tk.kind == tokEmoji && string(nt.buf[tk.start:tk.end]) == "👏"
}

// contrastFactor weighs a cue (tokens t to end) by its place around
// "aber"/"but": before the contrast it counts less, after it more. A
// contrast word inside the cue ("nur" in "immer nur dieselbe Ausrede") is
// part of it, not a contrast. contrast lists the tokens that start a
// contrast, in order.
func contrastFactor(nt *normText, contrast []int32, t, end int32) float64 {
	sent := nt.toks[t].sent
	f := 1.0
	for _, k := range contrast {
		if k >= t && k < end {
			continue
		}
		ks := nt.toks[k].sent
		firstOfSent := k == 0 || nt.toks[k-1].sent != ks
		switch {
		case k < t && ks == sent:
			return afterContrast
		case k > t && (ks == sent || ks == sent+1 && firstOfSent):
			f = beforeContrast
		}
	}
	return f
}

// shortSentence reports whether the sentence of token t has at most two
// words and does not end in an exclamation mark, as in "Toll." or "Great,
// thanks." (which next to a complaint are sarcastic, unlike "Top!").
func shortSentence(nt *normText, flags []uint8, t int32) bool {
	// The words are counted first, stopping at the third (most sentences
	// are longer); only a short sentence is looked at for its end. The
	// brand's name is not counted ("Flinkwerk liefert zuverlässig.").
	sent := nt.toks[t].sent
	words := 0
	for k := t; k >= 0 && nt.toks[k].sent == sent; k-- {
		if nt.toks[k].kind == tokWord && flags[k]&flagBrand == 0 {
			if words++; words > 2 {
				return false
			}
		}
	}
	for k := t + 1; k < int32(len(nt.toks)) && nt.toks[k].sent == sent; k++ {
		if nt.toks[k].kind == tokWord && flags[k]&flagBrand == 0 {
			if words++; words > 2 {
				return false
			}
		}
	}
	for k := t + 1; k < int32(len(nt.toks)) && nt.toks[k].sent == sent; k++ {
		if tk := nt.toks[k]; tk.kind == tokPunct && (k+1 == int32(len(nt.toks)) || nt.toks[k+1].sent != sent) {
			if nt.buf[tk.start] == '!' {
				return false
			}
		}
	}
	return true
}

// opener reports whether the cue [t0, t1) opens the text (only the brand's
// name before it) and its clause ends within three words after it, with
// more text after: "Toll, Flinkwerk, jetzt ...", "Great job on the
// checkout, only took 7 attempts".
func opener(nt *normText, flags []uint8, t0, t1 int32) bool {
	for k := int32(0); k < t0; k++ {
		if nt.toks[k].kind == tokWord && flags[k]&flagBrand == 0 {
			return false
		}
	}
	n := int32(len(nt.toks))
	for k := t1; k < n && k < t1+4; k++ {
		if nt.toks[k].kind == tokPunct {
			return k+1 < n
		}
	}
	return false
}

// beforeHow reports whether token t is the word "how" ("impressive how
// ..."), in the sentence of the token before it.
func beforeHow(nt *normText, t int32) bool {
	if t >= int32(len(nt.toks)) || t == 0 {
		return false
	}
	tk := &nt.toks[t]
	return tk.kind == tokWord && tk.sent == nt.toks[t-1].sent && string(nt.buf[tk.start:tk.end]) == "how"
}

// clauseEnd returns the first punctuation token from t on in t's
// sentence, or the end of the sentence.
func clauseEnd(nt *normText, t int32) int32 {
	sent := nt.toks[t].sent
	for k := t; k < int32(len(nt.toks)); k++ {
		if tk := &nt.toks[k]; tk.kind == tokPunct || tk.sent != sent {
			return k
		}
	}
	return int32(len(nt.toks))
}

// emphaticQuestion returns the first punctuation token that is a run of
// question marks ("??") or a question mark next to an exclamation mark
// ("?!", "!?"), or -1.
func emphaticQuestion(nt *normText) int32 {
	for t := range nt.toks {
		tk := &nt.toks[t]
		if tk.kind != tokPunct {
			continue
		}
		c := nt.buf[tk.start]
		if c == '?' && tk.oend-tk.ostart >= 2 {
			return int32(t)
		}
		if t+1 < len(nt.toks) && (c == '?' || c == '!') {
			nx := &nt.toks[t+1]
			if nx.kind == tokPunct && nx.ostart == tk.oend {
				if d := nt.buf[nx.start]; d != c && (d == '?' || d == '!') {
					return int32(t)
				}
			}
		}
	}
	return -1
}

// greeting reports whether the cue [t0, t1) is the "Liebe" of a letter's
// salutation ("Liebe Bahn, ...", "Hallo lieber Kundenservice, ..."): the
// first word of the text, or the second after a greeting word (hallo, hi,
// hey, moin, servus), with a comma after at most three more words, the
// next of which is no pronoun or article ("Liebe es, ..." is "I love it").
func greeting(nt *normText, t0, t1 int32) bool {
	toks := nt.toks
	if t0 > 1 || t1 != t0+1 || t1 >= int32(len(toks)) || toks[t1].kind != tokWord {
		return false
	}
	word := func(k int32) []byte { return nt.buf[toks[k].start:toks[k].end] }
	switch string(word(t0)) {
	case "liebe", "lieber", "liebes":
	default:
		return false
	}
	if t0 == 1 {
		switch string(word(0)) {
		case "hallo", "hi", "hey", "moin", "servus":
		default:
			return false
		}
	}
	switch string(word(t1)) {
	case "es", "das", "dich", "euch", "ihn", "sie", "den", "die", "dieses", "diese", "eure", "euren", "deine", "ihre":
		return false
	}
	for k := t1 + 1; k < int32(len(toks)) && k <= t1+3; k++ {
		if toks[k].kind == tokPunct {
			return nt.buf[toks[k].start] == ','
		}
	}
	return false
}

// scareQuoted reports whether the tokens [t0, t1) stand in quotes of their
// own, with at most one more word inside them: "the \"fresh\" salad", "your
// „schnelle“ Lieferung", "\"super fast\" delivery". Praise in such quotes is
// meant the other way round. Not looked at: a longer quotation; one that
// reports what someone said or rated ("she said \"great job\"", "CEO:
// \"excellent\"", "Testurteil „sehr gut“"); a name or title, which starts
// with a capital ("the \"Super Saver\" plan"); single quotes, which are
// also apostrophes and, in reviews, titles.
func scareQuoted(nt *normText, m *mention.Mention, t0, t1 int32) bool {
	toks := nt.toks
	before := func(t int32) bool { return quoteBefore(m, int(toks[t].ostart)) }
	after := func(t int32) bool { return quoteAfter(m, int(toks[t].oend)) }
	q0 := t0 // the first token inside the quotes
	if !before(t0) {
		if t0 == 0 || toks[t0-1].kind != tokWord || !before(t0-1) {
			return false
		}
		q0 = t0 - 1
	}
	q1 := t1 // the token after the quotes
	if !after(t1 - 1) {
		if q0 < t0 || t1 >= int32(len(toks)) || toks[t1].kind != tokWord || !after(t1) {
			return false
		}
		q1 = t1 + 1
	}
	return mocking(nt, m, q0, q1)
}

// mocking reports whether the quoted tokens [q0, q1) may mock what they
// quote: not a name or title (a capital first), not what someone said or
// rated (a reporting word before them in the sentence or right after
// them, a colon before them).
func mocking(nt *normText, m *mention.Mention, q0, q1 int32) bool {
	toks := nt.toks
	if r, _ := bodyRune(m, int(toks[q0].ostart), false); unicode.IsUpper(r) {
		return false
	}
	sent := toks[q0].sent
	for k := q0 - 1; k >= 0 && toks[k].sent == sent; k-- {
		if reports(nt, k) || k == q0-1 && toks[k].kind == tokPunct && nt.buf[toks[k].start] == ':' {
			return false
		}
	}
	for k := q1; k < int32(len(toks)) && k <= q1+1 && toks[k].sent == sent; k++ {
		if reports(nt, k) {
			return false
		}
	}
	return true
}

// quotedClaim returns the first token of a short quotation that mocks a
// claim ("the \"next day\" delivery", "\"100% cotton\" my foot", "zeigt
// „pünktlich“ an", "a \"back in service soon\" sign"): at most five
// words in double quotes of their own,
// mocking (see there), or -1.
func quotedClaim(nt *normText, flags []uint8, m *mention.Mention) int32 {
	toks := nt.toks
	for q0 := int32(0); q0 < int32(len(toks)); q0++ {
		if toks[q0].kind != tokWord || !quoteBefore(m, int(toks[q0].ostart)) || askedQuote(nt, q0) {
			continue
		}
		for k := q0; k < int32(len(toks)) && k < q0+5 && toks[k].kind == tokWord; k++ {
			if hasBrand(flags, k, k+1) {
				break // the brand's own name quoted ("her first word was \"flinkwerk\"")
			}
			if quoteAfter(m, int(toks[k].oend)) {
				if (k > q0 || toks[k].end-toks[k].start > 1) && mocking(nt, m, q0, k+1) { // not a letter ("q")
					return q0
				}
				break
			}
		}
	}
	return -1
}

// reportWords say that a quotation reports what someone said, wrote or
// rated (folded, as the tokens are).
var reportWords = map[string]bool{
	"said": true, "says": true, "say": true, "saying": true, "called": true, "calls": true, "call": true,
	"named": true, "rated": true, "rates": true, "rating": true, "voted": true, "wrote": true, "writes": true,
	"described": true, "describes": true, "claims": true, "claimed": true, "quote": true, "quoted": true,
	"titled": true, "review": true, "reviews": true, "reviewer": true, "grade": true, "award": true, "awarded": true,
	"mentions": true, "mentioned": true, "hitting": true, "mean": true,
	"sagt": true, "sagte": true, "sagen": true, "gesagt": true, "nennt": true, "nannte": true, "genannt": true,
	"bewertet": true, "bewertung": true, "note": true, "urteil": true, "testurteil": true, "testsieger": true,
	"schreibt": true, "schrieb": true, "titel": true, "lautet": true, "zitat": true, "meint": true, "meinte": true,
}

func reports(nt *normText, k int32) bool {
	tk := nt.toks[k]
	return tk.kind == tokWord && reportWords[string(nt.buf[tk.start:tk.end])]
}

// bodyRune returns the character at offset o of the mention's body
// (title, a separator, text), or with back the one ending at o, and whether
// there is one.
func bodyRune(m *mention.Mention, o int, back bool) (rune, bool) {
	s, i := m.Text, o-len(m.Title)-1
	if m.Title != "" && o <= len(m.Title) {
		s, i = m.Title, o
	} else if m.Title == "" {
		i = o
	}
	if back {
		if i <= 0 || i > len(s) {
			return 0, false
		}
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		return r, true
	}
	if i < 0 || i >= len(s) {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r, true
}

// quoteBefore reports whether an opening quotation mark stands right
// before offset o, itself at the start of the body or after a space or
// bracket.
func quoteBefore(m *mention.Mention, o int) bool {
	r, ok := bodyRune(m, o, true)
	if !ok || !isQuote(r) {
		return false
	}
	p, ok := bodyRune(m, o-utf8.RuneLen(r), true)
	return !ok || p == ' ' || p == '\n' || p == '(' || p == '\t'
}

// quoteAfter reports whether a closing quotation mark stands right at
// offset o, followed by the end, a space or punctuation.
func quoteAfter(m *mention.Mention, o int) bool {
	r, ok := bodyRune(m, o, false)
	if !ok || !isQuote(r) {
		return false
	}
	n, ok := bodyRune(m, o+utf8.RuneLen(r), false)
	return !ok || n == ' ' || n == '\n' || n == '\t' || strings.ContainsRune(".,;:!?)", n)
}

// hasQuote reports whether s holds a double quotation mark (isQuote), with
// a byte search for each of their first bytes.
func hasQuote(s string) bool {
	if strings.IndexByte(s, '"') >= 0 {
		return true
	}
	for i := 0; ; {
		j := strings.IndexByte(s[i:], 0xE2) // “ ” „: E2 80 9C-9E
		if j < 0 {
			break
		}
		i += j + 1
		if i+1 < len(s) && s[i] == 0x80 && s[i+1] >= 0x9C && s[i+1] <= 0x9E {
			return true
		}
	}
	for i := 0; ; {
		j := strings.IndexByte(s[i:], 0xC2) // « »: C2 AB, C2 BB
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(s) && (s[i] == 0xAB || s[i] == 0xBB) {
			return true
		}
	}
	return false
}

func isQuote(r rune) bool {
	switch r {
	case '"', '“', '”', '„', '«', '»':
		return true
	}
	return false
}

// trailingNegator returns the token of a final "not"/"nicht" that stands
// after punctuation ("Great job... not", "pünktlich, nicht"), or -1.
func trailingNegator(nt *normText, flags []uint8) int32 {
	last := len(nt.toks) - 1
	for last >= 0 && nt.toks[last].kind == tokPunct {
		last--
	}
	if last < 1 || nt.toks[last].kind != tokWord || flags[last]&flagNegator == 0 || nt.toks[last-1].kind != tokPunct {
		return -1
	}
	w := nt.buf[nt.toks[last].start:nt.toks[last].end]
	if string(w) != "not" && string(w) != "nicht" {
		return -1
	}
	return int32(last)
}

// echoShouting returns the first word in capitals that repeats a word
// written earlier in lower case ("a month. A MONTH.", "Drei Wochen. DREI
// WOCHEN"), or -1: shouting a fact again is a complaint.
func echoShouting(nt *normText, flags []uint8) int32 {
	if nt.caps == 0 {
		return -1
	}
	for t := range nt.toks {
		tk := &nt.toks[t]
		if !tk.caps || tk.kind != tokWord || flags[t]&flagBrand != 0 {
			continue
		}
		w := nt.buf[tk.start:tk.end]
		for k := 0; k < t; k++ {
			e := &nt.toks[k]
			if e.kind == tokWord && !e.caps && e.sent != tk.sent && string(nt.buf[e.start:e.end]) == string(w) {
				return int32(t)
			}
		}
	}
	return -1
}

// insideNonNeg reports whether every token of t0..t1 lies inside a phrase
// of the nonneg section.
func insideNonNeg(flags []uint8, t0, t1 int32) bool {
	for t := t0; t < t1; t++ {
		if flags[t]&flagNonNeg == 0 {
			return false
		}
	}
	return true
}

// wishWord reports whether token k is a verb of wanting or needing: a
// negation before it does not make the complaint cue after it praise ("I
// don't need 14 emails a day", "we don't want excuses").
func wishWord(nt *normText, k int32) bool {
	switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
	case "need", "want", "brauche", "brauchen", "braucht", "will", "wollen", "mochte", "moechte", "wanted", "needed":
		return true
	}
	return false
}

// wished reports whether the praise cue [t0, t1) stands in the scope of a
// wish or a counterfactual in its clause: "all I want is for one train to
// leave on time", "would love to know when you open", "would be nice if
// it came on time", "Wäre schneller gewesen", "Wer pünktlich sein will",
// "enjoy my noodles I guess". Praise with the brand as its measure ("I
// wish every shop was as good as you") is praise still. It runs for
// praise cues only, over at most 10 tokens before the cue and 8 after.
func wished(nt *normText, flags []uint8, t0, t1 int32) bool {
	toks := nt.toks
	// word returns the bytes of word k, or nil; compared as
	// string(word(k)), which does not allocate.
	word := func(k int32) []byte {
		if k < 0 || k >= int32(len(toks)) || toks[k].kind != tokWord {
			return nil
		}
		return nt.buf[toks[k].start:toks[k].end]
	}
	// The brand as the measure of a comparison is praise: "I wish every
	// shop was as good as you" (but "if only delivery were as fast as the
	// checkout" is not).
	if w := string(word(t0 - 1)); w == "as" || w == "so" {
		if w := string(word(t1)); w == "as" || w == "wie" {
			switch string(word(t1 + 1)) {
			case "you", "u", "ihr", "euch", "du", "dich", "sie":
				return false
			}
			if t1+1 < int32(len(toks)) && flags[t1+1]&flagBrand != 0 {
				return false
			}
		}
	}
	sent := toks[t0].sent
	// Back to the start of the clause, at most 10 tokens.
	for k := t0 - 1; k >= 0 && k >= t0-10; k-- {
		tk := &toks[k]
		if tk.sent != sent || tk.kind == tokPunct {
			break
		}
		switch string(word(k)) {
		case "wish", "wishing":
			return true
		case "want", "ask":
			if string(word(k-1)) == "i" && string(word(k-2)) == "all" || string(word(k-1)) == "we" && string(word(k-2)) == "all" {
				return true
			}
		case "only":
			if string(word(k-1)) == "if" {
				return true
			}
		case "would", "could", "should":
			// Near the praise only: "would have been faster", "would
			// love to know", not "what could have been a soap opera is a
			// compelling look".
			if k < t0-5 {
				break
			}
			switch string(word(k + 1)) {
			case "have", "ve":
				return true
			case "love", "like":
				if string(word(k)) == "would" {
					return true
				}
			case "be":
				if string(word(t1)) == "if" {
					return true // "would be nice if it came on time"
				}
			}
		case "waere", "waeren", "waert", "haette", "haetten", "wuerde", "wuerden", "wenigstens":
			return true
		case "wer":
			for j := t1; j < int32(len(toks)) && j < t1+4; j++ {
				if toks[j].sent != sent || toks[j].kind == tokPunct {
					break
				}
				if w := string(word(j)); w == "will" || w == "moechte" || w == "mochte" {
					return true
				}
			}
		}
	}
	// Forward to the end of the clause: a German counterfactual verb at the
	// end ("wenn der Zug pünktlich wäre"), a shrug ("enjoy my noodles I
	// guess").
	for k := t1; k < int32(len(toks)) && k < t1+8; k++ {
		tk := &toks[k]
		if tk.sent != sent || tk.kind == tokPunct {
			break
		}
		switch string(word(k)) {
		case "waere", "waeren", "waert", "haette", "haetten":
			return true
		case "guess", "suppose":
			if string(word(k-1)) == "i" {
				return true
			}
		}
	}
	return false
}

// hasNegator reports whether one of the tokens [t0, t1) is a negator.
func hasNegator(flags []uint8, t0, t1 int32) bool {
	for t := t0; t < t1; t++ {
		if flags[t]&flagNegator != 0 {
			return true
		}
	}
	return false
}

// negatedNext reports whether a complaint cue starts right after cue i
// (at its end) with no negator of its own: the one that cue i negates.
func negatedNext(cues []cueHit, i int, flags []uint8) bool {
	end := cues[i].t1
	for j := i + 1; j < len(cues); j++ {
		cj := &cues[j]
		if cj.t0 == end && cj.kind == roleNeg && !hasNegator(flags, cj.t0, cj.t1) {
			return true
		}
		if cj.t1 > end+16 {
			break
		}
	}
	return false
}

// quantifierEnd reports whether the token before t is a quantifier that
// a negator makes "none" ("single", "one", "einzige").
func quantifierEnd(nt *normText, t int32) bool {
	if t == 0 {
		return false
	}
	tk := &nt.toks[t-1]
	switch string(nt.buf[tk.start:tk.end]) {
	case "single", "one", "einzige", "einziges", "einzigen", "einziger":
		return true
	}
	return false
}

// segment returns the clause of token t: its sentence, cut at contrast
// words ("Traffic was hell but the Flinkwerk driver got us there").
func segment(nt *normText, flags []uint8, t int32) (int32, int32) {
	toks := nt.toks
	sent := toks[t].sent
	a := t
	for a > 0 && toks[a-1].sent == sent && flags[a]&flagContrast == 0 {
		a--
	}
	b := t + 1
	for b < int32(len(toks)) && toks[b].sent == sent && flags[b]&flagContrast == 0 {
		b++
	}
	return a, b
}

// hasBrand reports whether one of the tokens [a, b) is the brand's.
func hasBrand(flags []uint8, a, b int32) bool {
	for t := a; t < b; t++ {
		if flags[t]&flagBrand != 0 {
			return true
		}
	}
	return false
}

// aimedElsewhere returns the criticism to take back from complaint cues
// aimed at something other than the brand: cues in a clause without the
// brand's name that comes before a clause naming the brand with praise
// of its own, with no complaint cue and no contrast from there on ("The weather is a disaster today. At
// least my Flinkwerk room is lovely", "Traffic was absolute hell but the
// Flinkwerk driver got us there, legend"). Praise standing alone ("Great.")
// does not count: next to a complaint it is sarcastic.
func aimedElsewhere(nt *normText, flags []uint8, cues []cueHit) float64 {
	// the last clause with genuine praise and the brand, without complaint
	pa := int32(-1)
	for i := len(cues) - 1; i >= 0 && pa < 0; i-- {
		cu := &cues[i]
		if cu.kind != rolePos || cu.sign >= 0 || cu.got != 0 {
			continue
		}
		a, b := segment(nt, flags, cu.t0)
		if !hasBrand(flags, a, b) || words(nt, flags, a, b) < 5 {
			continue
		}
		// nothing complains from the clause on, and no contrast turns
		// it ("... were nice but could not fix it")
		clean := true
		for j := range cues {
			if cues[j].sign > 0 && cues[j].t1 > a {
				clean = false
				break
			}
		}
		for t := b; clean && t < int32(len(flags)); t++ {
			clean = flags[t]&flagContrast == 0
		}
		if clean {
			pa = a
		}
	}
	if pa <= 0 {
		return 0
	}
	back := 0.0
	for i := range cues {
		cu := &cues[i]
		if cu.kind != roleNeg || cu.sign <= 0 || cu.got == 0 || cu.t1 > pa {
			continue
		}
		if a, b := segment(nt, flags, cu.t0); !hasBrand(flags, a, b) {
			back += (1 - elsewhereFactor) * cu.got
			cu.got *= elsewhereFactor
		}
	}
	return back
}

// words counts the words of tokens [a, b) that are not the brand's.
func words(nt *normText, flags []uint8, a, b int32) int {
	n := 0
	for t := a; t < b; t++ {
		if nt.toks[t].kind == tokWord && flags[t]&flagBrand == 0 {
			n++
		}
	}
	return n
}

// happyEnd returns the first token of the end of a story that ends well,
// or 0: the text's last sentence, after other sentences, holds genuine
// praise in at least five words and no complaint cue or contrast ("My
// parcel got stuck at customs for a week. Support explained the
// paperwork and it arrived the next day, brilliant service."). The
// complaint cues before it count as before a contrast (its complaint
// rules do not: taking them back cost recall on sarcasm).
func happyEnd(nt *normText, flags []uint8, cues []cueHit) int32 {
	n := int32(len(nt.toks))
	last := n - 1
	for last >= 0 && nt.toks[last].kind != tokWord {
		last--
	}
	if last < 0 {
		return 0
	}
	sent := nt.toks[last].sent
	if sent == 0 {
		return 0
	}
	a := last
	for a > 0 && nt.toks[a-1].sent == sent {
		a--
	}
	praise := false
	for i := range cues {
		cu := &cues[i]
		if cu.t1 <= a {
			continue
		}
		if cu.sign > 0 {
			return 0
		}
		praise = praise || cu.kind == rolePos && cu.sign < 0 && cu.got == 0
	}
	if !praise || words(nt, flags, a, n) < 5 {
		return 0
	}
	for t := a; t < n; t++ {
		if flags[t]&flagContrast != 0 {
			return 0
		}
	}
	return a
}

// happyTurn returns the contrast word that turns a story to a good end,
// or 0: the last contrast of the text, with complaint cues before it,
// none after it, the brand's name after it, praise after it
// (also praise standing alone: "The heating was broken but the
// Flinkwerk guard moved us all to first class. Fair play.") and at
// least five words from it to the end. English only: German turns
// ("aber") are as often the start of the complaint.
func happyTurn(nt *normText, flags []uint8, cues []cueHit) int32 {
	n := int32(len(nt.toks))
	c := n - 1
	for c > 0 && flags[c]&flagContrast == 0 {
		c--
	}
	if c <= 0 || words(nt, flags, c, n) < 5 {
		return 0
	}
	// the brand acts after the turn: its name (with "they" as well,
	// reviews turned: "fans hated it, but they didn't mind")
	acts := false
	for k := c + 1; k < n && !acts; k++ {
		acts = flags[k]&flagBrand != 0
	}
	if !acts && !brandThey(nt, flags, c) {
		return 0
	}
	before, praise := false, false
	for i := range cues {
		cu := &cues[i]
		switch {
		case cu.t0 < c:
			before = before || cu.sign > 0 && cu.kind == roleNeg
		case cu.sign > 0:
			return 0
		default:
			praise = praise || cu.kind == rolePos && cu.sign < 0
		}
	}
	if !before || !praise {
		return 0
	}
	return c
}

// happyTakeBack returns the criticism to take back from the complaint
// cues before token a, the start of a happy ending.
func happyTakeBack(cues []cueHit, a int32) float64 {
	back := 0.0
	for i := range cues {
		if cu := &cues[i]; cu.kind == roleNeg && cu.sign > 0 && cu.t1 <= a {
			back += (1 - happyFactor) * cu.got
		}
	}
	return back
}

// asksFirst reports whether the text opens (the brand's name or a
// greeting aside) with a question asking for information: "which ...",
// "does anyone know", "anyone know if", "can someone tell me", its
// sentence ending
// in the text's one question mark; or a comparison of the brand with
// another ("Flinkwerk vs O2 for a SIM only deal?"). "Anyone else ...?" shares a problem
// and is no such question, nor is a question after a story.
func asksFirst(nt *normText, flags []uint8, lex uint32) bool {
	toks := nt.toks
	var w [3]int32 // the first three words
	n := 0
	k := int32(0)
	brand1 := false // the brand's name right after the first word
	for ; k < int32(len(toks)) && toks[k].sent == 0 && n < 3; k++ {
		if flags[k]&flagBrand != 0 {
			// or after "the" ("Does the Flinkwerk card work abroad?")
			brand1 = brand1 || n == 1 && k == w[0]+1 || n == 2 && k == w[1]+1 && tokIs(nt, w[1], "the")
			continue
		}
		if toks[k].kind != tokWord {
			continue
		}
		if n == 0 && (tokIs(nt, k, "hi") || tokIs(nt, k, "hey") || tokIs(nt, k, "hello")) {
			continue
		}
		w[n] = k
		n++
	}
	if n < 2 {
		return false
	}
	ask := false
	switch {
	case tokIs(nt, w[0], "which"):
		ask = true
	case tokIs(nt, w[0], "anyone") || tokIs(nt, w[0], "anybody"):
		ask = tokIs(nt, w[1], "know") || tokIs(nt, w[1], "knows")
	case n == 3 && (tokIs(nt, w[0], "does") || tokIs(nt, w[0], "do") || tokIs(nt, w[0], "can") || tokIs(nt, w[0], "could")):
		ask = (tokIs(nt, w[1], "anyone") || tokIs(nt, w[1], "anybody") || tokIs(nt, w[1], "someone") || tokIs(nt, w[1], "somebody")) &&
			(tokIs(nt, w[2], "know") || tokIs(nt, w[2], "tell") || tokIs(nt, w[2], "explain") && !(w[2]+1 < int32(len(toks)) && tokIs(nt, w[2]+1, "why")))
	}
	// "Does Flinkwerk pay compensation for ...?", "Is Flinkwerk's return
	// window counted from ...?": a question about what the brand does,
	// not a rhetorical one ("Is Flinkwerk ever going to ...?", "Does
	// Flinkwerk even test ...?").
	if !ask && brand1 && (tokIs(nt, w[0], "does") || tokIs(nt, w[0], "do") || tokIs(nt, w[0], "is") || tokIs(nt, w[0], "are") || tokIs(nt, w[0], "will")) {
		ask = true
		for j := w[0] + 1; ask && j < int32(len(toks)) && toks[j].sent == 0; j++ {
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "ever", "even", "still", "again", "actually", "seriously", "really", "why", "supposed", "trying", "bother":
				ask = false
			}
		}
	}
	// "Is there a deadline for claiming ...?", "Are there toilets on
	// ...?": asks what there is, not rhetorically ("is there a reason
	// ...", "is there anyone who can actually ...", "a single working
	// escalator") and without a negator ("a number that doesn't hang
	// up on me").
	if !ask && n >= 2 && (tokIs(nt, w[0], "is") || tokIs(nt, w[0], "are")) && tokIs(nt, w[1], "there") {
		ask = true
		for j := w[1] + 1; ask && j < int32(len(toks)) && toks[j].sent == 0; j++ {
			if flags[j]&flagNegator != 0 {
				ask = false
			}
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "reason", "anyone", "anybody", "someone", "somebody", "single", "point", "ever", "even", "still",
				"again", "actually", "seriously", "really", "why", "supposed", "always", "human", "person":
				ask = false
			}
		}
	}
	// "What's your returns address for large furniture?", "when is the
	// next sale?": asks for a fact, not "what's the point of ...", "what's
	// the secret to getting a human", "what the hell", nor with "still"
	// or "actually".
	if !ask && n >= 2 && (tokIs(nt, w[0], "what") || tokIs(nt, w[0], "where") || tokIs(nt, w[0], "when")) {
		d := w[1] // the determiner after "what's" or "what is"
		if t := &toks[w[0]]; t.oend-t.ostart == t.end-t.start {
			d = -1
			if n == 3 && tokIs(nt, w[1], "is") {
				d = w[2]
			}
		}
		if d > 0 && d+1 < int32(len(toks)) && (tokIs(nt, d, "the") || tokIs(nt, d, "your")) {
			ask = true
			for j := d + 1; ask && j < int32(len(toks)) && toks[j].sent == 0; j++ {
				switch string(nt.buf[toks[j].start:toks[j].end]) {
				case "point", "deal", "hell", "heck", "problem", "excuse", "matter", "story", "holdup", "hold", "secret", "trick",
					"ever", "even", "still", "again", "actually", "seriously", "really", "supposed":
					ask = false
				}
			}
		}
	}
	// "Flinkwerk vs T-Mobile prepaid for a family of 4?": a comparison
	// asks which to choose, after a source label too ("r/personalfinance:").
	if !ask && lex&lexVersus != 0 {
		for j := int32(1); j+1 < int32(len(toks)) && toks[j].sent == 0; j++ {
			if toks[j].kind == tokWord && (flags[j-1]&flagBrand != 0 || flags[j+1]&flagBrand != 0) &&
				(tokIs(nt, j, "vs") || tokIs(nt, j, "versus")) {
				ask, k = true, j
				break
			}
		}
	}
	if !ask {
		return false
	}
	for ; k < int32(len(toks)); k++ {
		if tk := &toks[k]; tk.kind == tokPunct && nt.buf[tk.start] == '?' {
			return tk.sent == 0 || toks[k-1].sent == 0
		}
	}
	return false
}

// tokIs reports whether token k is the word w (folded).
func tokIs(nt *normText, k int32, w string) bool {
	tk := &nt.toks[k]
	return string(nt.buf[tk.start:tk.end]) == w
}

// ownFault reports whether the author admits causing the problem: "my
// bad", "my fault", "user error", "note to self", "silly me" in a
// sentence of its own, or a mistake verb ("forgot", "misread",
// "accidentally", an action on "the wrong" thing, "I'd" chosen it after
// "realised"/"saw") whose subject is "I" or "we" or that opens its
// sentence without one ("Misplaced my ticket"), an apology to the brand ("Sorry @Flinkwerk for the angry DM"). Not when
// complaint cues of weight 1 or more come in sentences after the
// admission's, or any after a contrast that follows it ("my fault, but
// three weeks for a refund is a joke"), and not for "forgot how"
// ("I forgot how bad ...") or "forgot," ("I forgot, the case doesn't
// fit").
func ownFault(nt *normText, flags []uint8, cues []cueHit) bool {
	toks := nt.toks
	n := int32(len(toks))
	word := func(k int32) []byte {
		if k < 0 || k >= n || toks[k].kind != tokWord {
			return nil
		}
		return nt.buf[toks[k].start:toks[k].end]
	}
	at := int32(-1)
	for k := int32(0); k < n && at < 0; k++ {
		if toks[k].kind != tokWord {
			continue
		}
		switch string(word(k)) {
		case "bad", "fault", "mistake":
			// "my bad", "my (own) fault", not "not my fault"
			j := k - 1
			if string(word(j)) == "own" {
				j--
			}
			if string(word(j)) == "my" && (j == 0 || flags[j-1]&flagNegator == 0) {
				at = k
			}
			// "I made a mistake with my order", not "they made a mistake"
			if k >= 2 && string(word(k-1)) == "a" && string(word(k-2)) == "made" && ownSubject(nt, flags, k-2) {
				at = k
			}
		case "error":
			if string(word(k-1)) == "user" {
				at = k
			}
			if k >= 2 && string(word(k-1)) == "an" && string(word(k-2)) == "made" && ownSubject(nt, flags, k-2) {
				at = k
			}
		case "self":
			if string(word(k-1)) == "to" && string(word(k-2)) == "note" {
				at = k
			}
		case "sorry":
			// "Sorry @Flinkwerk for the angry DM", "... sorry flinkwerk":
			// the author apologises to the brand
			if k+1 < n && flags[k+1]&flagBrand != 0 && (k == 0 || flags[k-1]&flagNegator == 0) {
				at = k
			}
		case "me":
			// "(probably me being dumb)"
			if string(word(k+1)) == "being" {
				switch string(word(k + 2)) {
				case "dumb", "stupid", "silly", "thick", "daft", "clumsy", "impatient":
					at = k
					continue
				}
			}
			// "Idiot me forgot ...", "Classic me."
			switch string(word(k - 1)) {
			case "idiot", "silly", "stupid", "dumb", "classic", "clumsy":
				if k == 1 || toks[k-2].sent != toks[k].sent || toks[k-2].kind == tokPunct {
					at = k
				}
			}
		case "forgot", "forgotten", "forgetting", "misread", "misplaced", "mistyped", "misspelled", "misspelt",
			"misclicked", "overslept", "accidentally":
			switch string(word(k + 1)) {
			case "", "how", "what", "that", "about", "why":
				continue // "I forgot how bad ...", "I forgot, ..."
			case "to":
				switch string(word(k + 2)) {
				case "mention", "say", "add":
					continue
				}
			}
			if ownSubject(nt, flags, k) {
				at = k
			}
		case "accident":
			if string(word(k-1)) == "by" && ownSubject(nt, flags, k-1) {
				at = k
			}
		case "wrong":
			// "I ordered the wrong size", "I typed my postcode wrong",
			// not "ordered a cake with the wrong name", "ordered and
			// they sent the wrong one"
		verb:
			for j := k - 1; j >= 0 && j >= k-6 && toks[j].kind == tokWord; j-- {
				switch string(word(j)) {
				case "with", "and", "but":
					break verb
				case "ordered", "booked", "typed", "entered", "picked", "chose", "chosen", "selected", "put",
					"clicked", "bought", "went", "took", "used", "gave", "dialled", "dialed", "scanned",
					"tapped", "pressed", "grabbed", "filled", "plugged":
					if ownSubject(nt, flags, j) {
						at = k
					}
					break verb
				}
			}
		case "realised", "realized", "realise", "realize":
			// "Just realised I've been paying for two accounts", "and
			// realise you unplugged the router": not "didn't realise",
			// "realised Flinkwerk charged me twice", "I'd" (below)
			switch string(word(k + 1)) {
			case "i", "ive", "im", "we", "weve", "were", "you", "youve", "youre":
				if !hasNegator(flags, max(k-2, 0), k) {
					at = k
				}
			}
		case "id":
			// "realised I'd forgotten", "saw I'd chosen": not "I'd been
			// charged"
			switch string(word(k - 1)) {
			case "realised", "realized", "saw", "noticed", "remembered":
				switch string(word(k + 1)) {
				case "", "been", "got", "not", "never", "no", "already", "still", "like", "have":
				default:
					at = k
				}
			}
		}
	}
	// Unless a complaint follows the admission.
	return at >= 0 && !complaintAfter(nt, flags, cues, at)
}

// ownSubject reports whether the subject of the verb at token k is the
// author: the nearest pronoun before it in its clause, at most five
// words back, is "I" or "we" (a negator between them cancels it: "I
// didn't forget"; a conjunction ends the clause: "I ordered and the
// courier forgot"), or none comes before it and it is one of the first
// two words of its sentence ("Misplaced my ticket", "Totally forgot to
// ...").
func ownSubject(nt *normText, flags []uint8, k int32) bool {
	toks := nt.toks
	sent := toks[k].sent
	w := 0
	for j := k - 1; j >= 0 && toks[j].sent == sent; j-- {
		tk := &toks[j]
		if tk.kind == tokPunct {
			if nt.buf[tk.start] != ',' {
				break
			}
			continue
		}
		if flags[j]&flagNegator != 0 {
			return false
		}
		if w++; w > 5 {
			return false
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "i", "id", "ive", "im", "we", "wed", "weve", "myself":
			return true
		case "and", "but", "so", "because", "when", "while", "after", "then", "that", "who", "which":
			return false
		case "you", "they", "he", "she", "it", "youve", "theyve", "theyd", "youd", "hes", "shes", "someone", "somebody":
			return false
		}
	}
	return w <= 1
}

// unreal reports whether the complaint cue at token t0 stands in the
// scope of a fear or expectation that came before it in its clause
// ("Went in expecting a nightmare", "was dreading the call to cancel",
// "Thought I'd lost my points", "was worried it would be awful"), or,
// in a text that asks (a question mark, no exclamation mark), of an
// "if" when the text asks what the author may do ("if my train is over
// 60 min late, do I get ...?"; not "as if", "even if", "what if ...?").
// It looks back at most twelve words, to punctuation or a contrast.
func unreal(nt *normText, flags []uint8, t0 int32) bool {
	toks := nt.toks
	sent := toks[t0].sent
	asks := nt.quest > 0 && nt.excl == 0
	for k := t0 - 1; k >= 0 && k >= t0-12; k-- {
		tk := &toks[k]
		if tk.sent != sent || tk.kind == tokPunct || flags[k]&flagContrast != 0 {
			return false
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "expecting", "dreading", "dreaded", "feared", "fearing", "assumed", "bracing", "braced":
			return true
		case "thought":
			// "Thought I'd lost", "I thought the driver had", not "my
			// next thought was", "well thought"
			if k == 0 || toks[k-1].sent != sent || tokIs(nt, k-1, "i") || tokIs(nt, k-1, "we") {
				return true
			}
		case "worried":
			// "was worried", "worried I'd hate it", not "worried about
			// my parcel"
			if k > 0 && (tokIs(nt, k-1, "was") || tokIs(nt, k-1, "were") || tokIs(nt, k-1, "been")) ||
				k+1 < t0 && (tokIs(nt, k+1, "id") || tokIs(nt, k+1, "itd") || tokIs(nt, k+1, "wed") || tokIs(nt, k+1, "theyd")) {
				return true
			}
		case "if":
			if asks && !(k > 0 && (tokIs(nt, k-1, "as") || tokIs(nt, k-1, "even"))) && asksForSelf(nt) {
				return true
			}
		}
	}
	return false
}

// asksForSelf reports whether a question of the text asks what the
// author may or must do: "do I get", "should I refuse", "am I allowed",
// "can we".
func asksForSelf(nt *normText) bool {
	toks := nt.toks
	for k := 0; k+1 < len(toks); k++ {
		if !tokIs(nt, int32(k+1), "i") && !tokIs(nt, int32(k+1), "we") {
			continue
		}
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "do", "does", "should", "am", "can", "could", "will", "would", "is", "are", "must":
		default:
			continue
		}
		for j := k + 2; j < len(toks) && toks[j].sent == toks[k].sent; j++ {
			if toks[j].kind == tokPunct && nt.buf[toks[j].start] == '?' {
				return true
			}
		}
	}
	return false
}

// otherParty reports whether the complaint cue [t0, t1) is aimed at
// someone or something other than the brand: a person or the weather
// as the subject of its clause (one of its first three words, not
// followed by the brand's name: "My neighbour took my parcel in and
// now refuses to answer", "the traffic was hell", "the roads were a
// nightmare", not "someone at
// Flinkwerk hung up on me"), or right after the cue ("worst neighbour
// ever"); the brand's name must be in the text.
func otherParty(nt *normText, flags []uint8, t0, t1 int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	// Only beside the brand's name: without it (no brand terms), the
	// text is about what it complains of.
	if !hasBrand(flags, 0, n) {
		return false
	}
	a, b := segment(nt, flags, t0)
	named := false // the brand's name as a word, not only its @handle
	for k := int32(0); k < n && !named; k++ {
		named = flags[k]&flagBrand != 0 && toks[k].kind == tokWord
	}
	third := func(k int32) bool {
		// not a possessive, which loses its 's in the folded text ("my
		// dog's food subscription")
		if k >= n || toks[k].kind != tokWord || toks[k].oend-toks[k].ostart != toks[k].end-toks[k].start {
			return false
		}
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "landlord", "landlady", "neighbour", "neighbours", "neighbor", "neighbors", "flatmate", "roommate",
			"housemate", "council", "government", "tourists", "toddler", "dad", "mum", "mom", "wife", "husband",
			"boyfriend", "girlfriend", "boss", "traffic", "roads", "roadworks", "weather", "heatwave", "cat", "dog",
			"everyone", "everybody":
		case "airline", "airlines", "shuttle", "bank", "taxi", "insurer",
			// the piece written about the brand, in a thread discussing
			// it ("this article is wrong on the facts"), not "your help
			// article"
			"article", "author", "journalist", "reporter", "headline":
			// a company, which may be the brand's own ("@flinkwerk
			// your bank app", "@flinkwerk the taxi never came"): only
			// beside the brand named in the text, not "your"
			if !named || k > 0 && tokIs(nt, k-1, "your") {
				return false
			}
		default:
			return false
		}
		// "someone at Flinkwerk", "the driver from Flinkwerk", not "my
		// dad called Flinkwerk"
		if k+1 < n && (flags[k+1]&flagBrand != 0 || k+2 < n && flags[k+2]&flagBrand != 0 &&
			(tokIs(nt, k+1, "at") || tokIs(nt, k+1, "from") || tokIs(nt, k+1, "of") || tokIs(nt, k+1, "in"))) {
			return false
		}
		return true
	}
	if t1 < b && third(t1) {
		return true
	}
	// an outside cause named after it: "a delay because of customs",
	// "delayed by a day due to the storm"
	for j := t1; j+2 < b && j <= t1+4; j++ {
		if !(tokIs(nt, j, "because") && tokIs(nt, j+1, "of") || tokIs(nt, j, "due") && tokIs(nt, j+1, "to") ||
			tokIs(nt, j, "caused") && tokIs(nt, j+1, "by")) {
			continue
		}
		c := j + 2
		if c+1 < b && (tokIs(nt, c, "the") || tokIs(nt, c, "a") || tokIs(nt, c, "an")) {
			c++
		}
		switch string(nt.buf[toks[c].start:toks[c].end]) {
		case "customs", "weather", "storm", "snow", "flooding", "floods", "tree", "fog", "ice", "wind", "winds",
			"accident", "police", "strike", "strikes", "heatwave", "traffic":
			return true
		}
		break
	}
	w := 0
	for k := a; k < b && k < t0 && w < 3; k++ {
		if toks[k].kind != tokWord {
			continue
		}
		if flags[k]&flagBrand != 0 {
			return false
		}
		if third(k) {
			return true
		}
		w++
	}
	return false
}

// movesToBrand reports whether the author moves to the brand: a verb of
// switching at most five words before "to" and the brand's name
// ("switching to Flinkwerk", "moving my contract to Flinkwerk", "the
// transfer to Flinkwerk Bank"), with no negator in between or up to
// three words before the verb, and no complaint cue after it ("Moved to
// Flinkwerk in May and the app has crashed every day since").
func movesToBrand(nt *normText, flags []uint8, cues []cueHit) bool {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(1); k+1 < n; k++ {
		if flags[k+1]&flagBrand == 0 || !tokIs(nt, k, "to") {
			continue
		}
		for j := k - 1; j >= 0 && j >= k-5; j-- {
			if toks[j].kind == tokPunct || flags[j]&flagNegator != 0 || toks[j].sent != toks[k].sent {
				break
			}
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "switch", "switching", "switched", "move", "moving", "moved", "transfer", "transferring",
				"transferred", "port", "porting", "ported":
				// not "not switching to Flinkwerk", "wont be moving to"
				if hasNegator(flags, max(j-3, 0), j) {
					return false
				}
				for i := range cues {
					if cues[i].sign > 0 && cues[i].kind == roleNeg && cues[i].t0 > k {
						return false
					}
				}
				return true
			}
		}
	}
	return false
}

// dialogue returns the first token of the brand's speaker label in a
// text written as a dialogue that sets what the brand says or does
// against another speaker ("me: pays for 500mbit. flinkwerk: here's
// 38.", "Flinkwerk: \"we value your loyalty\". Also Flinkwerk: ...", "the
// ticket inspector: ... the app: spinning wheel"), or -1. A speaker
// label is one to three words before a colon at the start of a clause;
// the brand's is one with its name, "them", "you", "the app", "staff" or
// "support". Two labels at least, one the brand's; "me: ... also me:"
// is a joke on oneself.
func dialogue(nt *normText, flags []uint8) int32 {
	toks := nt.toks
	labels, brand := 0, int32(-1)
	a := int32(0) // the start of the current clause
	for k := int32(0); k < int32(len(toks)); k++ {
		tk := &toks[k]
		if tk.kind != tokPunct {
			if k > 0 && toks[k-1].sent != tk.sent {
				a = k
			}
			continue
		}
		if nt.buf[tk.start] != ':' || k-a < 1 || k-a > 3 {
			a = k + 1
			continue
		}
		labels++
		for j := a; j < k; j++ {
			// not "@flinkwerk" addressed, nor a word before the speaker
			// ("me: \"flinkwerk\" friend: ...")
			if flags[j]&flagBrand != 0 && toks[j].kind == tokWord && brandLabel(nt, flags, k) {
				brand = j
				break
			}
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "them", "they", "you", "app", "staff", "support":
				brand = j
			}
		}
		a = k + 1
	}
	if labels < 2 {
		return -1
	}
	return brand
}

// echoed returns the first word of a short sentence that repeats an
// amount the text states next to it ("Three hours. Three hours to travel
// 120km", "Three weeks for a SIM card. Three weeks."), or -1: a sentence
// of at most three words, the first a number, whose words open the
// sentence before or after it. Repeating a fact is a complaint, also
// without capitals (echoShouting).
func echoed(nt *normText) int32 {
	toks := nt.toks
	n := int32(len(toks))
	// the sentences, as [start, end) of their words
	for a := int32(0); a < n; {
		b := a
		for b < n && toks[b].sent == toks[a].sent {
			b++
		}
		e := b // the end of the words (before the closing punctuation)
		for e > a && toks[e-1].kind == tokPunct {
			e--
		}
		if w := e - a; w >= 1 && w <= 3 && toks[a].kind == tokWord && amount(nt, a) {
			// the sentence before, and the one after
			if a > 0 && opens(nt, a, e, sentStart(nt, a-1)) || b < n && opens(nt, a, e, b) {
				return a
			}
		}
		a = b
	}
	return -1
}

// clockNow returns the time in a sentence that states what time it is
// now after a time or amount given earlier in the text ("arriving today
// between 8 and 20\". It's 21:40.", "calling your hotline since 9.
// it's now 12:30", "engineer due between 8 and 12. its 4pm", "Ordered
// on the 3rd. It is now the 21st.", "credit within 5 days. it's day
// 23."), or -1: a sentence opening with "it's" (or "its", "it is"),
// perhaps "now", a number that is a time of day (with a colon, am or
// pm) or ends the sentence, or a date ("the 21st") or day of the wait
// ("day 23") that ends it, and a number in an earlier sentence. Stating the time is a complaint about
// the wait ("It's 2025 and ..." and "it's 20 degrees" are not times).
func clockNow(nt *normText) int32 {
	toks := nt.toks
	n := int32(len(toks))
	digit := func(k int32) bool {
		return k < n && toks[k].kind == tokWord && nt.buf[toks[k].start]-'0' < 10
	}
	earlier := false // a number in an earlier sentence
	for k := int32(0); k < n; k++ {
		tk := &toks[k]
		if tk.kind != tokWord {
			continue
		}
		if !earlier {
			earlier = nt.buf[tk.start]-'0' < 10
			continue
		}
		if nt.buf[tk.start] != 'i' || k > 0 && toks[k-1].sent == tk.sent || !(tokIs(nt, k, "it") || tokIs(nt, k, "its")) {
			continue
		}
		d := k + 1
		if d < n && tokIs(nt, k, "it") && tokIs(nt, d, "is") {
			d++ // "It is now the 21st."
		}
		if d < n && (tokIs(nt, d, "now") || tokIs(nt, d, "already") || tokIs(nt, d, "nearly") || tokIs(nt, d, "almost")) {
			d++
		}
		// a date or a day of the wait ending the sentence: "It is now
		// the 21st.", "it's day 23."
		if d+1 < n && (tokIs(nt, d, "the") && ordinal(nt, d+1) || tokIs(nt, d, "day") || tokIs(nt, d, "week")) &&
			digit(d+1) && toks[d+1].sent == toks[k].sent && sentEnds(nt, d+1) {
			return d + 1
		}
		if !digit(d) || toks[d].sent != toks[k].sent {
			continue
		}
		w := nt.buf[toks[d].start:toks[d].end]
		if strings.HasSuffix(string(w), "am") || strings.HasSuffix(string(w), "pm") {
			return d
		}
		if d+2 < n && toks[d+1].kind == tokPunct && nt.buf[toks[d+1].start] == ':' && digit(d+2) && toks[d+2].sent == toks[d].sent {
			return d
		}
		if sentEnds(nt, d) {
			return d // "its 3."
		}
	}
	return -1
}

// sentEnds reports whether word d ends its sentence, perhaps before
// closing punctuation.
func sentEnds(nt *normText, d int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	return d+1 == n || toks[d+1].sent != toks[d].sent || toks[d+1].kind == tokPunct && (d+2 == n || toks[d+2].sent != toks[d].sent)
}

// ordinal reports whether word k is a number with an ordinal suffix
// ("3rd", "21st").
func ordinal(nt *normText, k int32) bool {
	w := nt.buf[nt.toks[k].start:nt.toks[k].end]
	l := len(w)
	if l < 3 || w[0]-'0' >= 10 {
		return false
	}
	switch string(w[l-2:]) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// dayCount returns the first word of a short clause that counts the
// days or weeks of a wait ("same blinking light. week 3.", "Still no
// internet, 4th day", "Day 12 now."), or -1: two words between
// punctuation (three with "now", "already", "today"; not "Day 14
// done"), the first "day", "week" or "month" with a number after it, or
// the second after an ordinal ("4th").
func dayCount(nt *normText) int32 {
	toks := nt.toks
	n := int32(len(toks))
	unit := func(k int32) bool {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "day", "week", "month":
			return true
		}
		return false
	}
	for a := int32(0); a < n; {
		b := a // the clause: to punctuation
		for b < n && toks[b].kind != tokPunct {
			b++
		}
		if w := b - a; w == 2 || w == 3 && (tokIs(nt, a+2, "now") || tokIs(nt, a+2, "already") || tokIs(nt, a+2, "today")) {
			first, second := nt.buf[toks[a].start:toks[a].end], nt.buf[toks[a+1].start:toks[a+1].end]
			if unit(a) && second[0]-'0' < 10 {
				return a // "week 3"
			}
			if l := len(first); unit(a+1) && l > 2 && first[0]-'0' < 10 &&
				(string(first[l-2:]) == "th" || string(first[l-2:]) == "rd" || string(first[l-2:]) == "nd") {
				return a // "4th day"
			}
		}
		a = b + 1
	}
	return -1
}

// zeroCount returns the "0" that opens a clause after a clause opening
// with a number more than it, or -1: a count of what never came beside a
// count of what did ("10 emails from flinkwerk marketing this week. 0
// replies from flinkwerk support.", "3 engineer appointments. 0
// engineers at my door.", "5 bars, 0 kb/s"). Not a rating ("0 for
// Evri", "0 stars", "0/10") and not a complaint word counted as none
// ("2 lamps, 0 problems").
func zeroCount(nt *normText, flags []uint8, cues []cueHit) int32 {
	toks := nt.toks
	n := int32(len(toks))
	counted := false // a clause opened with a number other than 0
	for k := int32(0); k+1 < n; k++ {
		tk := &toks[k]
		if tk.kind != tokWord || nt.buf[tk.start]-'0' >= 10 {
			continue
		}
		if k > 0 && toks[k-1].kind != tokPunct && toks[k-1].sent == tk.sent && flags[k-1]&flagBrand == 0 {
			continue // not opening its clause (the brand's handle aside)
		}
		if !(tk.end-tk.start == 1 && nt.buf[tk.start] == '0') {
			counted = true
			continue
		}
		nx := &toks[k+1]
		if !counted || nx.kind != tokWord || nx.sent != tk.sent || nt.buf[nx.start]-'0' < 10 ||
			tokIs(nt, k+1, "for") || tokIs(nt, k+1, "star") || tokIs(nt, k+1, "stars") || tokIs(nt, k+1, "out") {
			continue
		}
		cue := false
		for i := range cues {
			cue = cue || cues[i].t0 == k+1 || cues[i].t0 == k && cues[i].t1 > k+1
		}
		if !cue {
			return k
		}
	}
	return -1
}

// minimised reports whether the complaint cue at token t0 comes right
// after "only", a few minutes (at most 15) and their unit, or starts
// with the unit ("got us there only 10 min late", "only 5 minutes
// late"): the author makes light of it. More minutes, hours and days
// are left alone ("only 90 minutes late today. new personal best" is
// sarcastic).
func minimised(nt *normText, t0 int32) bool {
	u := t0 - 1 // the unit
	if u < 2 || !minutes(nt, u) {
		u = t0
	}
	if u < 2 || nt.toks[u-2].sent != nt.toks[t0].sent || !minutes(nt, u) || !tokIs(nt, u-2, "only") {
		return false
	}
	w := nt.buf[nt.toks[u-1].start:nt.toks[u-1].end]
	switch {
	case len(w) == 1 && w[0]-'0' < 10:
		return true
	case len(w) == 2 && w[0] == '1' && w[1] >= '0' && w[1] <= '5':
		return true
	}
	switch string(w) {
	case "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten":
		return true
	}
	return false
}

// minutes reports whether word k is a unit of minutes.
func minutes(nt *normText, k int32) bool {
	switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
	case "min", "mins", "minute", "minutes":
		return true
	}
	return false
}

// sentStart returns the first token of the sentence of token k.
func sentStart(nt *normText, k int32) int32 {
	for k > 0 && nt.toks[k-1].sent == nt.toks[k].sent {
		k--
	}
	return k
}

// opens reports whether the words [a, e) open the sentence that starts
// at token s, followed by more words.
func opens(nt *normText, a, e, s int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	for k := a; k < e; k++ {
		j := s + k - a
		if j >= n || toks[j].sent != toks[s].sent || toks[j].kind != tokWord ||
			string(nt.buf[toks[j].start:toks[j].end]) != string(nt.buf[toks[k].start:toks[k].end]) {
			return false
		}
	}
	j := s + e - a
	return j < n && toks[j].sent == toks[s].sent && toks[j].kind == tokWord
}

// amount reports whether word k is a number: digits, or two to twelve,
// twenty, thirty, forty, fifty.
func amount(nt *normText, k int32) bool {
	w := nt.buf[nt.toks[k].start:nt.toks[k].end]
	if len(w) > 0 && w[0] >= '0' && w[0] <= '9' {
		return true
	}
	switch string(w) {
	case "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
		"twenty", "thirty", "forty", "fifty":
		return true
	}
	return false
}

// brandReports reports whether the text is news of the brand, with no
// word that speaks of the author or the reader (I, my, we, you, ...):
// one sentence in which the brand's name is the subject of a verb of
// saying ("Flinkwerk says ...", "Flinkwerk warns of delays ...") or of
// "recalls" ("Flinkwerk recalls 5,000 toasters over overheating risk"),
// or a headline (headline) opening the text. A headline may have a
// comment after it ("Flinkwerk to close 40 stores. Sad to see the Hull
// one go"): the complaint words of a reader of news are no complaint of
// their own.
func brandReports(nt *normText, flags []uint8, lex uint32) bool {
	toks := nt.toks
	n := int32(len(toks))
	news := lex&lexNews != 0 && headline(nt, flags)
	if !news && lex&lexSays == 0 {
		return false
	}
	says := false
	for k := int32(0); k < n; k++ {
		tk := &toks[k]
		if !news && tk.sent != 0 && !(tk.kind == tokPunct && k == n-1) && tk.kind != tokURL {
			return false // more than one sentence
		}
		if tk.kind != tokWord {
			continue
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "i", "my", "me", "mine", "im", "ive", "id", "we", "our", "us", "you", "your", "u":
			return false
		case "says", "said", "announces", "announced", "warns", "warned", "confirms", "confirmed", "reports",
			"apologises", "apologizes", "expects", "recalls", "recalled":
			says = says || k > 0 && flags[k-1]&flagBrand != 0
		}
	}
	return says || news
}

// headline reports whether the text opens, after a source label of up to
// four tokens before a colon ("Headline:", "Press release:",
// "r/unitedkingdom:"), with a headline of business news: the brand's name
// as the subject of a verb of it ("Flinkwerk appoints ...", "Flinkwerk
// launches ...", "Flinkwerk to cut 200 jobs", "Flinkwerk shares fall 4%
// after ...") or, after a subject of one to three words, as its object
// ("Regulator fines Flinkwerk ...", "Analysts downgrade Flinkwerk to
// hold"). Headlines put the actor first; "Nice of Flinkwerk to announce
// layoffs the week the CEO got a raise" does not.
func headline(nt *normText, flags []uint8) bool {
	toks := nt.toks
	n := int32(len(toks))
	s := int32(0)
	for k := int32(0); k < n && k <= 4 && toks[k].sent == 0; k++ {
		if toks[k].kind == tokPunct && nt.buf[toks[k].start] == ':' {
			s = k + 1
			break
		}
	}
	for s < n && toks[s].kind == tokEmoji {
		s++
	}
	if s >= n || toks[s].sent != toks[0].sent {
		return false
	}
	if flags[s]&flagBrand != 0 {
		k := s + 1
		for k < n && flags[k]&flagBrand != 0 {
			k++
		}
		if k+1 >= n || toks[k].kind != tokWord {
			return false
		}
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "shares", "stock":
			switch string(nt.buf[toks[k+1].start:toks[k+1].end]) {
			case "fall", "falls", "fell", "rise", "rises", "rose", "jump", "jumps", "jumped", "slide", "slides",
				"slump", "slumps", "drop", "drops", "tumble", "tumbles", "plunge", "plunges", "soar", "soars",
				"surge", "surges", "climb", "climbs", "sink", "sinks", "hit", "hits", "up", "down":
				return true
			}
		case "to":
			switch string(nt.buf[toks[k+1].start:toks[k+1].end]) {
			case "cut", "close", "open", "acquire", "buy", "launch", "axe", "shut", "raise", "hire", "expand",
				"exit", "sell", "invest", "scrap", "introduce", "create", "appoint", "merge", "trial":
				return true
			}
		case "appoints", "names", "hires", "launches", "unveils", "opens", "closes", "cuts", "axes", "slashes",
			"raises", "posts", "sues", "acquires", "buys", "agrees", "plans", "faces", "denies", "settles", "wins",
			"beats", "misses", "pledges", "partners", "expands", "signs", "invests", "shuts", "scraps",
			"publishes", "fined", "sued", "trials", "introduces", "unveiled", "launched", "appointed":
			return true
		}
		return false
	}
	for b := s + 2; b < n && b <= s+4 && toks[b-1].kind == tokWord && toks[b-1].sent == toks[s].sent; b++ {
		if flags[b]&flagBrand == 0 {
			continue
		}
		switch string(nt.buf[toks[b-1].start:toks[b-1].end]) {
		case "fines", "downgrade", "downgrades", "upgrade", "upgrades", "sues", "probes", "investigates",
			"acquires", "buys", "backs", "clears", "raps", "criticises", "criticizes":
			return true
		}
		return false
	}
	return false
}

// resolved returns the word that tells the problem was put right
// ("fixed", "reversed", "sent a replacement", "rebooked", "new one in
// 10 minutes", "within an hour"), or 0: complaint
// cues before it, none in its clause or after it, praise after it, and not negated,
// promised or late ("never fixed", "promised to refund", "finally
// sorted") in the three words before it.
func resolved(nt *normText, flags []uint8, cues []cueHit) int32 {
	toks := nt.toks
	for k := int32(len(toks)) - 1; k > 0; k-- {
		if toks[k].kind != tokWord {
			continue
		}
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "fixed", "sorted", "reversed", "refunded", "replaced", "replacement", "rebooked", "resolved",
			"found", "credited", "waived", "swapped", "restored", "reimbursed":
		case "min", "mins", "minute", "minutes", "seconds", "hour":
			// done quickly: "new one in 10 minutes", "within an hour"
			if k < 2 || !tokIs(nt, k-2, "in") && !tokIs(nt, k-2, "within") ||
				!(tokIs(nt, k-1, "a") || tokIs(nt, k-1, "an") || nt.buf[toks[k-1].start]-'0' < 10) {
				continue
			}
		default:
			continue
		}
		for j := k - 1; j >= 0 && j >= k-3 && toks[j].sent == toks[k].sent; j-- {
			if flags[j]&flagNegator != 0 {
				return 0
			}
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "finally", "eventually", "supposedly", "allegedly", "promised", "to", "will", "would", "should",
				"never", "still", "yet", "be", "been", "being", "when":
				return 0
			}
		}
		// its clause, back to punctuation or "and" ("and Flinkwerk lost
		// the replacement" is no fix)
		a := k
		for a > 0 && toks[a-1].sent == toks[k].sent && toks[a-1].kind != tokPunct && !tokIs(nt, a-1, "and") {
			a--
		}
		before, praise := false, false
		for i := range cues {
			cu := &cues[i]
			switch {
			case cu.t0 < k:
				if cu.sign > 0 && cu.kind == roleNeg {
					if cu.t1 > a {
						return 0
					}
					before = true
				}
			case cu.sign > 0:
				return 0
			default:
				praise = praise || cu.kind == rolePos && cu.sign < 0
			}
		}
		if before && praise {
			return k
		}
		return 0
	}
	return 0
}

// month reports whether word k names a month (not "may" in lower case
// alone: "May" opens no sentence in "Hotline says May").
func month(nt *normText, k int32) bool {
	switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
	case "january", "february", "march", "april", "june", "july", "august", "september", "october",
		"november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec":
		return true
	case "may":
		return k > 0 && nt.toks[k-1].kind == tokWord && nt.toks[k+0].sent == nt.toks[k-1].sent &&
			(tokIs(nt, k-1, "says") || tokIs(nt, k-1, "in") || tokIs(nt, k-1, "said"))
	}
	return false
}

// contradicts returns the verb of saying of a second source that states
// another amount than a first ("my contract says 250 Mbit. speedtest
// says 31.", "ticket says platform 7, the board says 3"), or -1: two
// verbs of saying after different words, each with a number at most
// three words after it in its sentence, the numbers different, in a
// text where the author or the reader speaks (I, my, you, ...; not news:
// "Flinkwerk says 200 jobs, the union says 500").
func contradicts(nt *normText) int32 {
	toks := nt.toks
	n := int32(len(toks))
	first, val := int32(-1), int32(-1) // the first verb with a number, and its number
	at := int32(-1)                    // the second source's verb
	person := false
	for k := int32(0); k < n; k++ {
		if toks[k].kind != tokWord {
			continue
		}
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "i", "my", "me", "im", "ive", "we", "our", "us", "you", "your":
			person = true
			continue
		case "says", "say", "said", "shows", "showed", "reads":
		default:
			continue
		}
		if k == 0 || toks[k-1].kind != tokWord {
			continue
		}
		v := int32(-1)
		for j := k + 1; j < n && j <= k+5 && toks[j].sent == toks[k].sent; j++ {
			if toks[j].kind != tokWord {
				continue
			}
			if j <= k+3 && nt.buf[toks[j].start]-'0' < 10 || month(nt, j) {
				v = j
				break
			}
		}
		if v < 0 {
			continue
		}
		if first < 0 {
			first, val = k, v
			continue
		}
		if at < 0 && string(nt.buf[toks[k-1].start:toks[k-1].end]) != string(nt.buf[toks[first-1].start:toks[first-1].end]) &&
			string(nt.buf[toks[v].start:toks[v].end]) != string(nt.buf[toks[val].start:toks[val].end]) {
			at = k
		}
	}
	if !person {
		return -1
	}
	return at
}

// clearsBrand reports whether the author clears the brand of the
// problem the text tells: "not Flinkwerk's fault", "it wasn't the
// Flinkwerk driver's fault", or a clause after a comma that ends in
// "not @Flinkwerk" ("My bank messed up the direct debit, not
// @Flinkwerk."), or "can't blame" the brand or its people (blamesNone).
// The blame lies elsewhere, as with the author's own mistake; not when a
// complaint follows (complaintAfter).
func clearsBrand(nt *normText, flags []uint8, cues []cueHit) bool {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(0); k+1 < n; k++ {
		if flags[k]&flagNegator == 0 || toks[k].kind != tokWord {
			continue
		}
		j := k + 1
		if tokIs(nt, j, "blame") {
			if blamesNone(nt, flags, cues, j) {
				return true
			}
			continue
		}
		if tokIs(nt, j, "the") {
			j++
		}
		if j >= n || flags[j]&flagBrand == 0 {
			continue
		}
		for j < n && flags[j]&flagBrand != 0 {
			j++
		}
		// "not Flinkwerk's fault", "not the Flinkwerk driver's fault"
		fault := j < n && tokIs(nt, j, "fault") || j+1 < n && toks[j].kind == tokWord && tokIs(nt, j+1, "fault")
		// ", not @Flinkwerk." closing its clause
		closing := k > 0 && toks[k-1].kind == tokPunct && nt.buf[toks[k-1].start] == ',' &&
			(j == n || toks[j].kind == tokPunct)
		if fault || closing {
			return !complaintAfter(nt, flags, cues, k)
		}
	}
	return false
}

// blamesNone reports whether the author will not blame the brand or its
// people ("can't blame the poor driver", "can't blame them, it was
// snowing sideways"), k being a "blame" after a negator: the brand's
// name, "them", "him", "her" or a driver, courier or the staff in the
// three words after it, and no complaint cue after it at all ("can't
// blame the driver, the dispatch is a mess").
func blamesNone(nt *normText, flags []uint8, cues []cueHit, k int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	who := false
	for j := k + 1; j < n && j <= k+3 && toks[j].sent == toks[k].sent && !who; j++ {
		switch string(nt.buf[toks[j].start:toks[j].end]) {
		case "them", "him", "her", "driver", "drivers", "courier", "staff":
			who = true
		default:
			who = flags[j]&flagBrand != 0
		}
	}
	if !who {
		return false
	}
	for i := range cues {
		if cues[i].sign > 0 && cues[i].kind == roleNeg && cues[i].t0 > k {
			return false
		}
	}
	return true
}

// complaintAfter reports whether a complaint follows token at, which
// takes back what it says for the brand: complaint cues of weight 1 or
// more in later sentences, or any after a contrast that follows it
// ("not Flinkwerk's fault, but their support was useless").
func complaintAfter(nt *normText, flags []uint8, cues []cueHit, at int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	turn := n
	for k := at + 1; k < n && turn == n; k++ {
		if flags[k]&flagContrast != 0 && !(k+1 < n && tokIs(nt, k+1, "of")) { // not "instead of"
			turn = k
		}
	}
	later := 0.0
	for i := range cues {
		cu := &cues[i]
		if cu.sign <= 0 || cu.kind != roleNeg {
			continue
		}
		if cu.t0 > turn {
			return true
		}
		if toks[cu.t0].sent > toks[at].sent {
			later += cu.w
		}
	}
	return later >= 1
}

// warnsOfFakes reports whether the text warns of fraudsters using the
// brand's name ("PSA: fake Flinkwerk pages on Facebook are offering free
// gift cards, don't give your details", "Scammers are sending fake
// delivery fee texts again. Don't click the link"): a word for them
// ("scammers", "phishing", "impersonating", or "fake" before the brand's
// name or the messages they send, "a scam text", "it was a scam") and a
// warning to the reader ("PSA", "beware", "watch out", "don't click", "do
// not reply", "isn't them", "not from"), or a question whether it is one
// ("is this a scam text?"). Its complaint words are aimed at the
// fraudsters; "Flinkwerk is a scam, don't buy there" names none and stays
// a complaint.
func warnsOfFakes(nt *normText, flags []uint8) bool {
	toks := nt.toks
	n := int32(len(toks))
	fraud, warns := false, false
	for k := int32(0); k < n; k++ {
		if toks[k].kind != tokWord {
			continue
		}
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "scammers", "scammer", "fraudsters", "phishing", "impersonating", "spoofed", "spoofing":
			fraud = true
		case "fake":
			for j := k + 1; j < n && j <= k+2 && !fraud; j++ {
				if flags[j]&flagBrand != 0 {
					fraud = true
					break
				}
				if messageWord(nt, j) {
					fraud = true
				}
			}
		case "scam", "scams":
			// "a scam text", "it was a scam" (the call, not the brand),
			// and "is this a scam?", which asks rather than blames
			if k+1 < n && messageWord(nt, k+1) {
				fraud = true
			}
			if k >= 3 && tokIs(nt, k-1, "a") {
				a, b := k-3, k-2
				switch {
				case tokIs(nt, a, "is") && tokIs(nt, b, "this"):
					fraud, warns = true, true
				case (tokIs(nt, a, "it") || tokIs(nt, a, "that")) && tokIs(nt, b, "was") || tokIs(nt, b, "its"):
					// a call or a text that was one; "this is a scam"
					// still calls the brand one
					fraud = true
				}
			}
		case "claiming", "pretending":
			fraud = fraud || posesAs(nt, k) // "a text claiming to be from flinkwerk"
		case "psa", "beware":
			warns = true
		case "watch":
			warns = warns || k+1 < n && tokIs(nt, k+1, "out")
		case "dont", "never":
			// "don't click the link", "never give your details"
			if k+1 < n {
				switch string(nt.buf[toks[k+1].start:toks[k+1].end]) {
				case "click", "reply", "give", "enter", "share", "open", "respond", "answer", "call":
					warns = true
				}
			}
		case "not", "isnt":
			// "it isn't them", "not from Flinkwerk"
			warns = warns || k+1 < n && (tokIs(nt, k+1, "them") || tokIs(nt, k+1, "from") || tokIs(nt, k+1, "us"))
		}
	}
	return fraud && warns
}

// ratedHigh reports whether the text is a review with an overall rating
// of 4 or 5 out of 5 ("★★★★☆", "4★", "5/5", "Four stars") and no rating
// of 2 or less but one for a part or another ("0 stars for the wait",
// "1 star to Yodel"). A rating is overall where it opens the text (after a source
// label of up to three words: "Trustpilot ★★★★★", "Google review 4
// stars"), opens a sentence or ends the text, and is not for a part of
// it ("5 stars for the packaging, shame the lamp was in pieces"; "5
// stars for the Flinkwerk coffee table" names the brand). "Gave it 4
// stars last year. Now 1" tells a rating given before; "asks me to rate
// it 5 stars" is no rating of the author's.
func ratedHigh(nt *normText, flags []uint8, m *mention.Mention) bool {
	toks := nt.toks
	n := int32(len(toks))
	last := n - 1
	for last >= 0 && toks[last].kind == tokPunct {
		last--
	}
	high := false
	for k := int32(0); k < n; k++ {
		v, e := rating(nt, m, k)
		if e < 0 {
			continue
		}
		// for a part or another ("0 stars for the wait", "1 star to
		// Yodel"), unless it names the brand
		part := e+1 < n && (tokIs(nt, e+1, "for") || tokIs(nt, e+1, "to")) && !hasBrand(flags, e+1, min(e+6, n))
		if v <= 2 && !part {
			return false
		}
		if v >= 4 && !high {
			opens := k <= 3 && !hasBrand(flags, 0, k) && !givenTo(nt, k) || toks[k-1].sent != toks[k].sent || e == last
			high = opens && !part
		}
		k = e
	}
	return high
}

// ratedLow returns the first token of an overall rating of 1 or 2 out
// of 5 (as in ratedHigh: opening the text after a label, opening a
// sentence or ending the text, or ending a sentence of at most five
// words, "Flinkwerk broadband 1/5."; not for a part or another, "1 star to
// Yodel", nor told, "gave it 2 stars"), or -1; -1 also when a rating of
// 4 or more is overall too. 0 stars are left alone ("Evri 0 stars,
// Flinkwerk 4").
func ratedLow(nt *normText, flags []uint8, m *mention.Mention) int32 {
	toks := nt.toks
	n := int32(len(toks))
	last := n - 1
	for last >= 0 && toks[last].kind == tokPunct {
		last--
	}
	low := int32(-1)
	for k := int32(0); k < n; k++ {
		v, e := rating(nt, m, k)
		if e < 0 {
			continue
		}
		part := e+1 < n && (tokIs(nt, e+1, "for") || tokIs(nt, e+1, "to")) && !hasBrand(flags, e+1, min(e+6, n))
		overall := !part && (k <= 3 && !hasBrand(flags, 0, k) && !givenTo(nt, k) || k > 0 && toks[k-1].sent != toks[k].sent || e == last ||
			sentEnds(nt, e) && e-sentStart(nt, k) <= 4 && !givenTo(nt, k)) // "Flinkwerk broadband 1/5."
		switch {
		case overall && v >= 4:
			return -1
		case overall && v >= 1 && v <= 2 && low < 0:
			low = k
		}
		k = e
	}
	return low
}

// givenTo reports whether one of the words before token k (at most three)
// names whom a rating was given to ("Gave it 4 stars last year"): a
// rating told, not the one of the label that opens a review.
func givenTo(nt *normText, k int32) bool {
	for j := int32(0); j < k; j++ {
		switch string(nt.buf[nt.toks[j].start:nt.toks[j].end]) {
		case "it", "them", "you", "him", "her":
			return true
		}
	}
	return false
}

// rating returns the value and the last token of a rating out of five
// that starts at token k ("★★★★☆" counts the full stars; "4★", "4/5",
// "4 stars", "four stars"; out of ten halved, "10/10" as 5, "3/10" as
// 2), or -1 as the last token where none does.
func rating(nt *normText, m *mention.Mention, k int32) (int, int32) {
	toks := nt.toks
	n := int32(len(toks))
	if isStar(nt, k) >= 0 {
		if k > 0 && isStar(nt, k-1) >= 0 {
			return 0, -1
		}
		v, e := 0, k
		for ; e < n && isStar(nt, e) >= 0; e++ {
			v += isStar(nt, e)
		}
		if e-k < 3 {
			return 0, -1 // "★★" are no rating out of five
		}
		return v, e - 1
	}
	if toks[k].kind != tokWord || k+1 >= n {
		return 0, -1
	}
	v := -1
	switch string(nt.buf[toks[k].start:toks[k].end]) {
	case "0", "zero":
		v = 0
	case "1", "one":
		v = 1
	case "2", "two":
		v = 2
	case "3", "three":
		v = 3
	case "4", "four":
		v = 4
	case "5", "five":
		v = 5
	case "6", "7", "8", "9", "10":
		v = int(nt.buf[toks[k].start]-'0') * 10 // out of ten only
		if toks[k].end-toks[k].start == 2 {
			v = 100
		}
	}
	if v < 0 {
		return 0, -1
	}
	if v < 10 && isStar(nt, k+1) > 0 && toks[k+1].ostart == toks[k].oend {
		return v, k + 1 // "4★"
	}
	switch string(nt.buf[toks[k+1].start:toks[k+1].end]) {
	case "star", "stars":
		if v < 10 {
			return v, k + 1
		}
	case "5", "10":
		if r, _ := bodyRune(m, int(toks[k].oend), false); r == '/' && toks[k+1].ostart == toks[k].oend+1 {
			if tokIs(nt, k+1, "5") {
				if v < 10 {
					return v, k + 1 // "4/5"
				}
				return 0, -1
			}
			if v >= 10 {
				v /= 10
			}
			return (v + 1) / 2, k + 1 // "10/10" as 5, "3/10" as 2
		}
	}
	return 0, -1
}

// isStar returns 1 for the emoji ★, 0 for ☆ and -1 for any other token.
func isStar(nt *normText, k int32) int {
	tk := &nt.toks[k]
	if tk.kind != tokEmoji {
		return -1
	}
	switch string(nt.buf[tk.start:tk.end]) {
	case "★":
		return 1
	case "☆":
		return 0
	}
	return -1
}

// messageWord reports whether word k names what fraudsters send or set
// up: texts, emails, pages, calls, ...
func messageWord(nt *normText, k int32) bool {
	switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
	case "texts", "text", "emails", "email", "pages", "page", "accounts", "account", "sites", "site",
		"websites", "website", "messages", "message", "calls", "call", "profiles", "ads", "links", "link":
		return true
	}
	return false
}

// selfSkill reports whether the complaint cue [t0, t1) judges the
// author's own skill: "terrible at DIY", "I'm hopeless with tech", "I'm
// so bad at remembering": "at" or "with" right after it, not followed by
// the brand's name within three words, and "I'm" or "I am" before it
// (with at most two words between, "so", "really"), or nothing, the cue
// opening its sentence. "Flinkwerk are terrible at replying" and "bad
// at communicating, as usual" keep their subject.
func selfSkill(nt *normText, flags []uint8, t0, t1 int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	if t1 >= n || !(tokIs(nt, t1, "at") || tokIs(nt, t1, "with")) || toks[t1].sent != toks[t0].sent {
		return false
	}
	if hasBrand(flags, t1, min(t1+4, n)) {
		return false
	}
	if t0 == 0 || toks[t0-1].sent != toks[t0].sent {
		return true // opening its sentence
	}
	for k := t0 - 1; k >= 0 && k >= t0-3 && toks[k].sent == toks[t0].sent && toks[k].kind == tokWord; k-- {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "im":
			return true
		case "am":
			return k > 0 && tokIs(nt, k-1, "i")
		case "so", "really", "just", "truly", "genuinely", "absolutely", "pretty", "quite":
		default:
			return false
		}
	}
	return false
}

// movesFromOther reports whether the author, in a text that names the
// brand, is switching from another provider ("I'm thinking of switching
// from Three. Do you have a PAC code guide?"): a verb of switching whose
// subject is the author (ownSubject), "from" right after it and no
// brand's name, "you" or "your" in the two words after that, with no
// negator in the three words before the verb and no complaint cue after
// it ("switching from fibre to 5G because it keeps dropping").
func movesFromOther(nt *normText, flags []uint8, cues []cueHit) bool {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(0); k+2 < n; k++ {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "switch", "switching", "switched", "move", "moving", "moved", "transfer", "transferring",
			"transferred", "port", "porting", "ported":
		default:
			continue
		}
		if !tokIs(nt, k+1, "from") || hasNegator(flags, max(k-3, 0), k) || !ownSubject(nt, flags, k) {
			continue
		}
		for j := k + 2; j < n && j <= k+3; j++ {
			if flags[j]&flagBrand != 0 || tokIs(nt, j, "you") || tokIs(nt, j, "your") {
				return false
			}
		}
		for i := range cues {
			if cues[i].sign > 0 && cues[i].kind == roleNeg && cues[i].t0 > k {
				return false
			}
		}
		return hasBrand(flags, 0, n)
	}
	return false
}

// rivalClause reports whether the complaint cue at token t0 is aimed at
// another provider named in its clause (cut at punctuation, not only at
// contrast words): a kind of provider that is the author's earlier one,
// another or counted ("my old provider was a disaster", "after 3 bad
// providers in a row", "every other network"; not "their couriers"),
// in a clause without
// the brand's name, which the text names elsewhere ("..., @flinkwerk has
// been rock solid since march"). Complaints of the brand beside it
// still count.
func rivalClause(nt *normText, flags []uint8, t0 int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	a := t0
	for a > 0 && toks[a-1].sent == toks[t0].sent && toks[a-1].kind != tokPunct && flags[a]&flagContrast == 0 {
		a--
	}
	b := t0 + 1
	for b < n && toks[b].sent == toks[t0].sent && toks[b].kind != tokPunct && flags[b]&flagContrast == 0 {
		b++
	}
	if hasBrand(flags, a, b) || !hasBrand(flags, 0, n) {
		return false
	}
	for k := a; k < b; k++ {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "providers", "companies", "couriers", "networks", "suppliers", "isps", "carriers", "retailers",
			"provider", "company", "courier", "network", "supplier", "isp", "carrier", "retailer":
		default:
			continue
		}
		// not the brand's own ("their couriers", "the courier"): one
		// counted, earlier or other
		for j := k - 1; j >= a && j >= k-2; j-- {
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "old", "previous", "former", "other", "every", "all", "most", "many", "several":
				return true
			}
			if amount(nt, j) {
				return true
			}
		}
	}
	return false
}

// clauseMemo remembers the last clause namedOther looked at, so that the
// complaint cues of one clause look at it once, whether the text names
// the brand as a word and whether it is addressed to another
// (addressedOther) (0 not known yet, 1 yes, -1 no).
type clauseMemo struct {
	a, b   int32
	rival  bool // the text names a company of rivalWords
	other  bool
	named  int8
	addr   int8
	about  int8  // aboutOther, tried once: 1 when it holds (and addr set)
	brand  bool  // the clause looked at last names the brand, not as the author's thing
	brandN int32 // the brand's names in the text
}

// namedOther reports whether the complaint cue at token t0 is aimed at
// another company the text names: its clause (cut at punctuation,
// contrast words and "and", "so", "while", "whereas") holds no brand's
// name and does not address the brand ("you", "your"), but holds the
// name of another (otherName), as the subject before the complaint
// words or after them as the object of "with" or the complement of
// "was" ("Hermes has lost it somewhere", "DPD is a nightmare on my
// street", "Had a nightmare with IKEA delivery", "The worst ISP I've
// ever had was BT"; not "refused to match Argos", which complains of
// the brand); and the text names the brand as a word. A tweet to the
// brand's handle alone ("@Flinkwerk DPD lost it again") complains to the
// brand of its courier. A text addressed to another (addressedOther:
// "@DPD_UK where is my parcel, ordered from Flinkwerk a week ago",
// "@Evri driver threw my flinkwerk order over the fence") aims the
// complaint words of every clause at it that does not name the brand
// other than as the author's thing ("my flinkwerk order"); its "you" is
// the one addressed.
func namedOther(nt *normText, flags []uint8, m *mention.Mention, t0 int32, memo *clauseMemo) bool {
	if t0 >= memo.a && t0 < memo.b {
		return memo.other
	}
	if namedOtherIn(nt, flags, m, t0, memo) {
		return true
	}
	// A text about another (aboutOther) is read as one addressed to it:
	// tried only when that can change the answer, once.
	if memo.addr > 0 || memo.about != 0 || memo.brand {
		return false
	}
	memo.about = -1
	if !aboutOther(nt, flags, m, int(memo.brandN)) {
		return false
	}
	memo.about, memo.addr = 1, 1
	memo.a, memo.b = -1, -1
	return namedOtherIn(nt, flags, m, t0, memo)
}

// namedOtherIn is namedOther, the text addressed to another when
// memo.addr says so.
func namedOtherIn(nt *normText, flags []uint8, m *mention.Mention, t0 int32, memo *clauseMemo) bool {
	memo.brand = false
	toks := nt.toks
	n := int32(len(toks))
	if memo.addr == 0 {
		memo.addr = -1
		if addressedOther(nt, flags) {
			memo.addr = 1
		}
	}
	addr := memo.addr > 0
	// the text as written, when there is no title: most words are passed
	// over after a test of their first byte
	txt := m.Text
	if m.Title != "" {
		txt = ""
	}
	// Walk the clause both ways, giving up at the brand's name; a word
	// that starts with a capital (most are passed over after a test of
	// their first byte) or a handle may name another: the subject before
	// the complaint words, or after them the object of "with" or the
	// complement of "was".
	other := addr
	a := t0
	for ; ; a-- {
		tk := &toks[a]
		if flags[a]&(flagBrand|flagContrast) != 0 {
			if flags[a]&flagBrand != 0 {
				if !ownedBrand(nt, flags, a) {
					memo.brand = true
					return false
				}
				if !addr {
					return false
				}
			} else {
				break
			}
		}
		if o := int(tk.ostart); !other && !(o < len(txt) && txt[o]-'A' >= 26 && txt[o] < utf8.RuneSelf) {
			other = otherAt(nt, m, a, t0)
		} else if !other && memo.rival && a != t0 {
			other = rivalName(nt, a)
		}
		if a == 0 {
			break
		}
		if pk := &toks[a-1]; pk.sent != tk.sent || pk.kind == tokPunct || clauseJoin(nt, pk) {
			break
		}
	}
	b := t0 + 1
	for ; b < n; b++ {
		tk := &toks[b]
		if tk.sent != toks[t0].sent || tk.kind == tokPunct || flags[b]&flagContrast != 0 || clauseJoin(nt, tk) {
			break
		}
		if flags[b]&flagBrand != 0 {
			if !ownedBrand(nt, flags, b) {
				memo.brand = true
				return false
			}
			if !addr {
				return false
			}
		}
		if o := int(tk.ostart); !other && !(o < len(txt) && txt[o]-'A' >= 26 && txt[o] < utf8.RuneSelf) {
			other = otherAt(nt, m, b, t0)
		} else if !other && memo.rival && (tokIs(nt, b-1, "with") || tokIs(nt, b-1, "was") || tokIs(nt, b-1, "is")) {
			other = rivalName(nt, b)
		}
	}
	memo.a, memo.b, memo.other = a, b, false
	if !other {
		return false
	}
	if addr {
		memo.other = true
		return true
	}
	for k := a; k < b; k++ {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "you", "your", "youre", "yours", "youve":
			return false // the brand addressed: "your website requires Chrome"
		}
	}
	if memo.named == 0 {
		memo.named = -1
		for k := int32(0); k < n; k++ {
			if flags[k]&flagBrand != 0 && toks[k].kind == tokWord {
				memo.named = 1
				break
			}
		}
	}
	memo.other = memo.named > 0
	return memo.other
}

// addressedOther reports whether the text is addressed to another: it
// opens with @handles none of which is the brand's ("@DPD_UK where is my
// parcel"), and names the brand after them, nowhere opening a sentence
// or a clause ("... @Flinkwerk can you refund me?" addresses the brand).
func addressedOther(nt *normText, flags []uint8) bool {
	toks := nt.toks
	n := int32(len(toks))
	k := int32(0)
	for ; k < n && toks[k].kind == tokHandle; k++ {
		if flags[k]&flagBrand != 0 {
			return false
		}
	}
	if k == 0 || k == n {
		return false
	}
	named := false
	for ; k < n; k++ {
		if flags[k]&flagBrand == 0 {
			continue
		}
		named = true
		if pk := &toks[k-1]; pk.sent != toks[k].sent || pk.kind == tokPunct || flags[k-1]&flagContrast != 0 {
			return false
		}
	}
	return named
}

// ownedBrand reports whether the brand's token k is named as the
// author's thing ("my flinkwerk order", "my @Flinkwerk parcel").
func ownedBrand(nt *normText, flags []uint8, k int32) bool {
	return k > 0 && (tokIs(nt, k-1, "my") || tokIs(nt, k-1, "our"))
}

// otherAt reports whether token k of the clause of the complaint cue at
// t0 names another (otherName): the subject before the complaint words,
// or after them the object of "with" or the complement of "was".
func otherAt(nt *normText, m *mention.Mention, k, t0 int32) bool {
	tk := &nt.toks[k]
	if k == t0 || k > t0 && !(tokIs(nt, k-1, "with") || tokIs(nt, k-1, "was") || tokIs(nt, k-1, "is")) {
		return false
	}
	return tk.kind == tokHandle || tk.kind == tokWord && capital(m, tk, 0) && (otherName(nt, m, k) || rivalName(nt, k))
}

// clauseJoin reports whether token tk joins two clauses ("... and Hermes
// has lost it", "... so tried Flinkwerk").
func clauseJoin(nt *normText, tk *token) bool {
	if c := nt.buf[tk.start]; c != 'a' && c != 's' && c != 'w' {
		return false
	}
	switch string(nt.buf[tk.start:tk.end]) {
	case "and", "so", "while", "whereas":
		return true
	}
	return false
}

// otherName reports whether token k, a word written with a capital and
// not the brand's, names a company or someone: one that does not open
// its sentence ("handed it to Hermes") or one of two to four capitals
// ("DPD is a nightmare", not shouting: "STILL NO REFUND"). Not a place
// or a time after "in", "at", "since" ("stuck in Leipzig since
// Friday"), not a product after "my", "the", "your" ("my Pulse
// earbuds"), not "I" and not the short words people shout or abbreviate
// ("OK", "TV", "LOL").
func otherName(nt *normText, m *mention.Mention, k int32) bool {
	toks := nt.toks
	tk := &toks[k]
	w := nt.buf[tk.start:tk.end]
	if capital(m, tk, 1) {
		if len(w) > 4 || int(tk.oend-tk.ostart) != len(w) || k > 0 && capital(m, &toks[k-1], 1) ||
			k+1 < int32(len(toks)) && capital(m, &toks[k+1], 1) {
			return false
		}
	} else {
		// a capital that opens its sentence ("Hotel was awful",
		// "★☆☆☆☆ Crashes every time") is no name
		for j := k - 1; ; j-- {
			if j < 0 || toks[j].sent != tk.sent {
				return false
			}
			if toks[j].kind == tokWord {
				break
			}
		}
	}
	if commonCap(w) {
		return false
	}
	if k == 0 {
		return true
	}
	switch string(nt.buf[toks[k-1].start:toks[k-1].end]) {
	case "in", "at", "near", "around", "across", "into", "outside", "since", "until", "till", "on", "during",
		"through", "my", "the", "your", "our", "their", "this", "that", "his", "her", "a", "an":
		return false
	}
	return true
}

// commonCap reports whether the folded word w is one that is written
// with a capital without naming anyone: "I", a short word people shout
// or abbreviate ("OK", "TV", "LOL"), a day, a month or a feast.
func commonCap(w []byte) bool {
	switch string(w) {
	case "i", "im", "ive", "id", "ill", "ok", "tv", "uk", "eu", "us", "usa", "dm", "dms", "pm", "am", "lol", "lmao",
		"omg", "wtf", "fyi", "psa", "btw", "imo", "tbh", "sms", "app", "pls", "no", "not", "the", "and", "why", "how",
		"what", "all", "now", "you", "my", "for", "yes", "wifi", "ceo", "pdf", "iban", "gdpr", "faq", "asap", "ac",
		"pc", "sim", "pin", "atm", "usb", "hdmi", "gps", "vpn", "ip", "isp", "eta", "rip", "ps", "nb", "diy",
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
		"march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
		"christmas", "easter", "god", "mr", "mrs", "ms", "dr":
		return true
	}
	return false
}

// aboutOther reports whether the text is about another company that it
// names twice at least and more often than the brand ("FedEx
// "delivered" my @Flinkwerk TV to an address 3 streets away. FedEx said
// to "check with neighbours". FedEx, you had one job"): a word written
// with a capital, once at least not opening its sentence or with a
// capital inside ("FedEx", "DPD"), counted wherever it is written with
// its capital and in the handles that start with it ("@SantanderUK");
// not the brand's product, a word right after the brand's name
// ("Flinkwerk Nordby ... the Nordby"), nor a place, one written after
// "from", "to", "in" ... once at least. Not in a text opening with the
// brand's handle, addressed to the brand, nor in one that names the
// brand three times or more.
func aboutOther(nt *normText, flags []uint8, m *mention.Mention, brand int) bool {
	toks := nt.toks
	n := int32(len(toks))
	if n == 0 || flags[0]&flagBrand != 0 || brand > 2 {
		// addressed to the brand ("@flinkwerk my package went from Ohio
		// to Texas back to Ohio"), or named three times or more
		return false
	}
	txt := m.Text
	if m.Title != "" {
		txt = ""
	}
	// the names: the first few words written with a capital, each with
	// its count
	var cand [8]struct {
		k           int32
		cnt         int
		strong, out bool
	}
	nc := 0
	for k := int32(0); k < n; k++ {
		tk := &toks[k]
		if o := int(tk.ostart); tk.kind != tokWord || o < len(txt) && txt[o]-'a' < 26 {
			continue // most words: lower case, tested on their first byte
		}
		if flags[k]&flagBrand != 0 || tk.end-tk.start < 3 || !capital(m, tk, 0) {
			continue
		}
		w := nt.buf[tk.start:tk.end]
		if commonCap(w) {
			continue
		}
		i := 0
		for i < nc && string(nt.buf[toks[cand[i].k].start:toks[cand[i].k].end]) != string(w) {
			i++
		}
		if i == nc {
			if nc == len(cand) {
				continue
			}
			cand[i].k = k
			nc++
		}
		c := &cand[i]
		c.cnt++
		if k > 0 && (flags[k-1]&flagBrand != 0 || placeBefore(nt, k-1)) {
			c.out = true // the brand's product, or a place
		}
		if !c.strong && (innerCap(m, tk) || !opensSentence(nt, k)) {
			c.strong = true // not opening its sentence, or "DPD", "FedEx"
		}
	}
	if nc == 0 {
		return false
	}
	if nt.atTok {
		for k := int32(0); k < n; k++ {
			tk := &toks[k]
			if tk.kind != tokHandle || flags[k]&flagBrand != 0 {
				continue
			}
			h := nt.buf[tk.start:tk.end]
			for i := 0; i < nc; i++ {
				w := nt.buf[toks[cand[i].k].start:toks[cand[i].k].end]
				if len(h) > len(w) && string(h[1:1+len(w)]) == string(w) {
					cand[i].cnt++
					cand[i].strong = true
				}
			}
		}
	}
	for i := 0; i < nc; i++ {
		if c := &cand[i]; c.strong && !c.out && c.cnt >= 2 && c.cnt > brand {
			return true
		}
	}
	return false
}

// opensSentence reports whether word k is the first word of its
// sentence.
func opensSentence(nt *normText, k int32) bool {
	toks := nt.toks
	for i := k - 1; i >= 0 && toks[i].sent == toks[k].sent; i-- {
		if toks[i].kind == tokWord || toks[i].kind == tokHandle {
			return false
		}
	}
	return true
}

// capital reports whether the character i (0 or 1) of token tk is a
// capital letter as written.
func capital(m *mention.Mention, tk *token, i int) bool {
	o := int(tk.ostart)
	if i == 0 && m.Title == "" && o < len(m.Text) && m.Text[o] < utf8.RuneSelf {
		return m.Text[o]-'A' < 26
	}
	r, ok := bodyRune(m, o, false)
	if i == 1 && ok {
		o += utf8.RuneLen(r)
		r, ok = bodyRune(m, o, false)
		ok = ok && o < int(tk.oend)
	}
	return ok && unicode.IsUpper(r)
}

// placeBefore reports whether word k is a preposition of place or time
// ("from Ohio to Texas", "in Leeds").
func placeBefore(nt *normText, k int32) bool {
	switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
	case "in", "at", "from", "to", "via", "into", "near", "through", "around", "across", "outside", "since",
		"until", "till", "on", "during":
		return true
	}
	return false
}

// innerCap reports whether token tk is written with a capital after its
// first letter ("DPD", "FedEx").
func innerCap(m *mention.Mention, tk *token) bool {
	if m.Title != "" {
		return capital(m, tk, 1)
	}
	for o := int(tk.ostart) + 1; o < int(tk.oend) && o < len(m.Text); o++ {
		if m.Text[o]-'A' < 26 {
			return true
		}
	}
	return false
}

// excepted returns the criticism to take back from complaint cues that
// the text says do not hold for the brand: those before "except" or
// "apart from" and the brand's name in their sentence ("I've had
// problems with every broadband provider I've ever had except
// flinkwerk"), with no complaint cue after the brand's name.
func excepted(nt *normText, flags []uint8, cues []cueHit) float64 {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(0); k+1 < n; k++ {
		j := k + 1
		switch {
		case tokIs(nt, k, "except"):
			if tokIs(nt, j, "for") {
				j++
			}
		case tokIs(nt, k, "apart") && tokIs(nt, j, "from"):
			j++
		default:
			continue
		}
		if j < n && tokIs(nt, j, "the") {
			j++
		}
		if j >= n || flags[j]&flagBrand == 0 || toks[j].sent != toks[k].sent {
			continue
		}
		back := 0.0
		for i := range cues {
			cu := &cues[i]
			if cu.kind != roleNeg || cu.sign <= 0 {
				continue
			}
			if cu.t0 > j {
				return 0
			}
			if toks[cu.t0].sent == toks[k].sent {
				back += (1 - elsewhereFactor) * cu.got
			}
		}
		return back
	}
	return 0
}

// ownSlip reports whether the author tells a slip of their own that
// ownFault does not know: "turns out I'd unplugged it", "realising I'd
// ordered the wrong colour" (not "turns out I'd been charged twice"), or
// "messed up" / "mixed up" with the author as its subject and no brand's
// name before it in its sentence ("messed up my order address, rang them
// and they changed it"; not "@Flinkwerk messed up my order"). Not when a
// complaint follows (complaintAfter).
func ownSlip(nt *normText, flags []uint8, cues []cueHit) bool {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(1); k+1 < n; k++ {
		at := int32(-1)
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "i", "id", "we", "wed":
			if !tokIs(nt, k-1, "out") && !tokIs(nt, k-1, "realising") && !tokIs(nt, k-1, "realizing") ||
				tokIs(nt, k-1, "out") && !(k > 1 && (tokIs(nt, k-2, "turns") || tokIs(nt, k-2, "turned"))) {
				continue
			}
			j := k + 1
			if tokIs(nt, j, "had") && j+1 < n {
				j++
			}
			if toks[j].kind != tokWord || flags[j]&flagNegator != 0 {
				continue
			}
			switch string(nt.buf[toks[j].start:toks[j].end]) {
			case "been", "got", "get", "no", "already", "still", "being", "have", "like", "was", "were", "am":
				continue // "turns out I'd been charged", "I was right"
			}
			at = k
		case "up":
			if !tokIs(nt, k-1, "messed") && !tokIs(nt, k-1, "mixed") || !ownSubject(nt, flags, k-1) ||
				hasBrand(flags, sentStart(nt, k), k) {
				continue
			}
			at = k
		case "wrong":
			// "Was wrong about flinkwerk", "I was wrong about the app"
			if !tokIs(nt, k+1, "about") || !(tokIs(nt, k-1, "was") || tokIs(nt, k-1, "were")) || !ownSubject(nt, flags, k-1) {
				continue
			}
			at = k
		case "knocked", "dropped", "smashed", "spilled", "spilt", "broke":
			// "knocked my lamp off the shelf and broke the shade", "the
			// mug i smashed", "broke my arm": the author's hand, not the
			// brand's product ("broke" only of a limb); no complaint
			// after it in its sentence but the damage itself
			if tokIs(nt, k, "broke") && !limb(nt, k+2) || !tokIs(nt, k-1, "i") && !tokIs(nt, k-1, "we") &&
				!(ownSubject(nt, flags, k) && !hasBrand(flags, sentStart(nt, k), k)) {
				continue
			}
			for i := range cues {
				cu := &cues[i]
				if cu.sign > 0 && cu.kind == roleNeg && cu.t0 > k && toks[cu.t0].sent == toks[k].sent &&
					!tokIs(nt, cu.t0, "broke") && !tokIs(nt, cu.t0, "broken") {
					return false
				}
			}
			at = k
		default:
			continue
		}
		return !complaintAfter(nt, flags, cues, at)
	}
	return false
}

// limb reports whether word k is a part of the body that breaks ("broke
// my arm").
func limb(nt *normText, k int32) bool {
	if k >= int32(len(nt.toks)) {
		return false
	}
	switch string(nt.buf[nt.toks[k].start:nt.toks[k].end]) {
	case "arm", "leg", "wrist", "ankle", "foot", "hand", "finger", "toe", "nose", "collarbone", "hip", "elbow":
		return true
	}
	return false
}

// fearsAhead reports whether the complaint cue [t0, t1) is a fear of
// what may come ("bit worried the flinkwerk bed won't fit up our
// stairs", "scared it might arrive broken"): a word of fear in its
// clause at most ten words before it (or the cue itself), not followed
// by "about" ("worried about my parcel, the tracking has not moved"
// reports), and a word of the future or the possible ("will", "won't",
// "might", "could") after it, up to the cue or six words after the fear
// word. What is feared has not happened.
func fearsAhead(nt *normText, flags []uint8, t0, t1 int32) bool {
	toks := nt.toks
	n := int32(len(toks))
	f := int32(-1)
	for k := t0; k >= 0 && k >= t0-10; k-- {
		tk := &toks[k]
		if tk.sent != toks[t0].sent || tk.kind == tokPunct || flags[k]&flagContrast != 0 {
			break
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "worried", "scared", "afraid", "nervous", "terrified", "anxious":
			f = k
		}
		if f >= 0 {
			break
		}
	}
	if f < 0 || f+1 >= n || tokIs(nt, f+1, "about") || hasNegator(flags, max(f-2, 0), f) {
		return false
	}
	end := max(t1, f+7)
	for k := f + 1; k < n && k < end; k++ {
		tk := &toks[k]
		if tk.sent != toks[f].sent || tk.kind == tokPunct {
			return false
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "will", "wont", "might", "may", "could", "itll", "gonna", "wouldnt", "couldnt", "would":
			return true
		}
	}
	return false
}

// fearTurned returns the contrast word after which a fear or
// expectation of the author's turned out wrong ("ngl I was dreading
// calling @flinkwerk but it took 3 minutes", "Thought I'd lost my points,
// but @FlinkwerkHelp found them"), or 0: a word of fear or expectation
// whose subject is the author (ownSubject; not "as expected", "longer
// than expected"), a contrast after it in its sentence, and no complaint
// cue from the contrast on ("was expecting a delay but 6 hours is
// ridiculous", "I thought they had fixed the app, but it crashed").
func fearTurned(nt *normText, flags []uint8, cues []cueHit) int32 {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(0); k < n; k++ {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "dreading", "dreaded", "expecting", "expected", "feared", "fearing", "thought", "assumed", "braced",
			"bracing", "worried", "nervous", "scared":
		default:
			continue
		}
		if k > 0 && (tokIs(nt, k-1, "as") || tokIs(nt, k-1, "than")) || !ownSubject(nt, flags, k) {
			continue
		}
		c := k + 1
		for c < n && toks[c].sent == toks[k].sent && flags[c]&flagContrast == 0 {
			c++
		}
		if c >= n || toks[c].sent != toks[k].sent {
			continue
		}
		for i := range cues {
			if cues[i].sign > 0 && cues[i].kind == roleNeg && cues[i].t0 > c {
				return 0
			}
		}
		return c
	}
	return 0
}

// negatedGive reports whether the complaint cue at token t0 is the
// object of a negated verb of giving or causing, further back than the
// negation reaches: "doesn't give me a headache", "hasn't caused us a
// single issue", "never gave me any trouble". Between the verb and the
// cue stand only its other object and an article or quantifier, and the
// cue is a word for trouble ("never gave me a refund" still complains).
func negatedGive(nt *normText, flags []uint8, t0 int32) bool {
	toks := nt.toks
	switch string(nt.buf[toks[t0].start:toks[t0].end]) {
	case "problem", "problems", "issue", "issues", "trouble", "headache", "headaches", "grief", "hassle",
		"hassles", "bother", "stress", "worries":
	default:
		return false
	}
	for k := t0 - 1; k >= 1 && k >= t0-5; k-- {
		tk := &toks[k]
		if tk.sent != toks[t0].sent || tk.kind != tokWord {
			return false
		}
		switch string(nt.buf[tk.start:tk.end]) {
		case "me", "us", "you", "them", "any", "a", "an", "one", "single", "the", "slightest", "much":
			continue
		case "give", "gives", "gave", "given", "giving", "cause", "causes", "caused", "causing":
			return flags[k-1]&flagNegator != 0
		}
		return false
	}
	return false
}

// brightSpot returns the token "at" of an "at least" that opens a clause
// (after a sentence's start, punctuation, a contrast, "and" or "so")
// with the brand's name at most four words after it, in a text that
// names the brand nowhere before it, or 0: the brand as the one bright
// spot after troubles of other kinds ("The weather is a disaster today.
// At least my Flinkwerk hotel room has a bathtub"). Not "could I at
// least get the delivery fee back?" nor "@Flinkwerk lost my parcel. at
// least your driver was nice" (the brand named before it).
func brightSpot(nt *normText, flags []uint8) int32 {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(0); k+2 < n; k++ {
		if flags[k]&flagBrand != 0 {
			return 0
		}
		if !tokIs(nt, k+1, "least") || !tokIs(nt, k, "at") || k == 0 {
			continue
		}
		if b := k - 1; toks[b].sent == toks[k].sent && toks[b].kind != tokPunct && flags[b]&flagContrast == 0 &&
			!tokIs(nt, b, "and") && !tokIs(nt, b, "so") {
			return 0
		}
		for j := k + 2; j < n && j <= k+5 && toks[j].sent == toks[k].sent && toks[j].kind != tokPunct; j++ {
			if flags[j]&flagBrand != 0 {
				return k
			}
		}
		return 0
	}
	return 0
}

// praisedDeed returns the first token of the clause before a last
// sentence of praise alone, or 0: a sentence of at most three words with
// a word of praise that is seldom sarcastic ("Impressed.", "absolute
// hero", "Legend."), no complaint word and no question mark, after a
// clause (cut at punctuation, contrast words and "and", "so", "while",
// "whereas") that names the brand, has no complaint word and has three
// words at least: the brand's deed ("... and the @Flinkwerk courier still
// turned up smiling. absolute hero"). Not "Flinkwerk lost my parcel.
// Impressed.", whose clause before complains.
func praisedDeed(nt *normText, flags []uint8, cues []cueHit) int32 {
	toks := nt.toks
	n := int32(len(toks))
	e := n // the end of the last sentence's words
	for e > 0 && toks[e-1].kind != tokWord {
		if toks[e-1].kind == tokPunct && nt.buf[toks[e-1].start] == '?' {
			return 0
		}
		e--
	}
	if e == 0 {
		return 0
	}
	v := sentStart(nt, e-1)
	if v == 0 || words(nt, flags, v, e) > 3 {
		return 0
	}
	verdict := false
	for k := v; k < e; k++ {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "impressed", "excellent", "legend", "legends", "hero", "heroes", "recommended", "superb",
			"outstanding", "kudos", "faultless", "flawless", "stellar":
			verdict = true
		}
	}
	if !verdict {
		return 0
	}
	// the clause before it
	b := v
	for b > 0 && toks[b-1].kind == tokPunct {
		b--
	}
	a := b
	for a > 0 && toks[a-1].sent == toks[b-1].sent && toks[a-1].kind != tokPunct && flags[a-1]&flagContrast == 0 &&
		!clauseJoin(nt, &toks[a-1]) {
		a--
	}
	if b-a < 3 || !hasBrand(flags, a, b) {
		return 0
	}
	for i := range cues {
		if cu := &cues[i]; cu.sign > 0 && cu.t1 > a {
			return 0 // a complaint in the deed's clause or the praise
		}
	}
	return a
}

// whyBrand returns the "why" of a rhetorical question about the brand's
// ways, or -1: "why" opening its sentence (after greetings and handles:
// "hey @flinkwerk why ...") or after a contrast, then "does", "do",
// "is" or "are", and within four words the brand's name, a gerund
// ("why does cancelling take 4 screens ...") or "it" and a number ("why
// is it 5 taps now"): "Why does the Flinkwerk app need 300MB?". Not
// with everyone, people or the author as its subject ("Why is everyone
// dunking on Flinkwerk's results?"), not a lament ("why does
// @flinkwerk have to be so far from my house"), not in a text that says it is
// curious ("Not a complaint, just curious: why do Flinkwerk trains
// ..."), and not where a complaint phrase starts at the "why" already.
func whyBrand(nt *normText, flags []uint8, cues []cueHit) int32 {
	toks := nt.toks
	n := int32(len(toks))
	for k := int32(0); k+2 < n; k++ {
		if toks[k].kind != tokWord || !tokIs(nt, k, "why") {
			continue
		}
		// opening its sentence or clause
		if j := k - 1; j >= 0 && toks[j].sent == toks[k].sent && toks[j].kind != tokPunct && flags[j]&(flagBrand|flagContrast) == 0 &&
			!tokIs(nt, j, "hey") && !tokIs(nt, j, "ugh") && !tokIs(nt, j, "honestly") && !tokIs(nt, j, "seriously") {
			continue
		}
		switch string(nt.buf[toks[k+1].start:toks[k+1].end]) {
		case "does", "do", "is", "are":
		default:
			continue
		}
		found := false
	subject:
		for j := k + 2; j < n && j <= k+5 && toks[j].sent == toks[k].sent && toks[j].kind != tokPunct; j++ {
			if flags[j]&flagBrand != 0 {
				found = true
				break
			}
			w := nt.buf[toks[j].start:toks[j].end]
			switch string(w) {
			case "i", "we", "everyone", "everybody", "people", "all", "you", "they", "so", "there":
				break subject
			case "it":
				if j == k+2 && j+1 < n && nt.buf[toks[j+1].start]-'0' < 10 {
					found = true
				}
				break subject
			}
			if j == k+2 && len(w) > 5 && string(w[len(w)-3:]) == "ing" {
				found = true
				break
			}
		}
		if !found {
			continue
		}
		// "why does @flinkwerk have to be so far from my house": a
		// lament, which a complaint word tells when it is one
		for j := k + 2; j+2 < n && toks[j].sent == toks[k].sent; j++ {
			if (tokIs(nt, j, "have") || tokIs(nt, j, "has")) && tokIs(nt, j+1, "to") && tokIs(nt, j+2, "be") {
				found = false
				break
			}
		}
		if !found {
			continue
		}
		for i := range cues {
			if cues[i].t0 == k && cues[i].sign > 0 {
				return -1
			}
		}
		for j := int32(0); j < n; j++ {
			if tokIs(nt, j, "curious") || tokIs(nt, j, "wondering") {
				return -1
			}
		}
		return k
	}
	return -1
}

// runaround returns the verb of the last of the referrals that send the
// author round in a circle, or -1: verbs of sending or telling ("told me
// to", "sends you to", "transferred me to"), each with the words of its
// clause before it (the sender) and after it (where to), and two words
// at least that are the sender of one referral and where another sends
// ("flinkwerk store in Bristol told me to ring the hotline. hotline told
// me to go to the store", "Chat sends you to the hotline, the hotline
// sends you to the store, the store sends you back to chat").
func runaround(nt *normText, flags []uint8) int32 {
	toks := nt.toks
	n := int32(len(toks))
	type ref struct{ a, k, b int32 } // sender [a, k), verb k, where to (k, b)
	var refs [6]ref
	nr := 0
	for k := int32(1); k+1 < n && nr < len(refs); k++ {
		switch string(nt.buf[toks[k].start:toks[k].end]) {
		case "told", "tells", "sends", "sent", "send", "directed", "referred", "redirected", "transferred", "passed",
			"pointed":
		default:
			continue
		}
		a := k
		for a > 0 && k-a < 5 && toks[a-1].sent == toks[k].sent && toks[a-1].kind != tokPunct && flags[a-1]&flagContrast == 0 {
			a--
		}
		b := k + 1
		for b < n && b-k <= 8 && toks[b].sent == toks[k].sent && toks[b].kind != tokPunct && flags[b]&flagContrast == 0 {
			b++
		}
		refs[nr] = ref{a, k, b}
		nr++
	}
	if nr < 2 {
		return -1
	}
	place := func(k int32) bool {
		w := nt.buf[toks[k].start:toks[k].end]
		if toks[k].kind != tokWord || len(w) < 3 {
			return false
		}
		switch string(w) {
		case "the", "you", "and", "then", "back", "ring", "call", "told", "tells", "sends", "sent", "send", "again",
			"your", "our", "their", "them", "they", "who", "just", "this", "that", "with", "for", "same":
			return false
		}
		return true
	}
	found := 0
	var seen [4]int32 // the words found, by a token of each
	for i := 0; i < nr && found < 2; i++ {
		for k := refs[i].a; k < refs[i].k && found < 2; k++ {
			if !place(k) {
				continue
			}
			w := nt.buf[toks[k].start:toks[k].end]
			dup := false
			for _, x := range seen[:found] {
				dup = dup || string(nt.buf[toks[x].start:toks[x].end]) == string(w)
			}
			if dup {
				continue
			}
		other:
			for j := 0; j < nr; j++ {
				if j == i {
					continue
				}
				for t := refs[j].k + 1; t < refs[j].b; t++ {
					if string(nt.buf[toks[t].start:toks[t].end]) == string(w) {
						seen[found] = k
						found++
						break other
					}
				}
			}
		}
	}
	if found < 2 {
		return -1
	}
	return refs[nr-1].k
}

// Word classes of the structural rules above that need a word of their
// own in the text: lexOf lists the classes a text has, so that a rule runs
// only where it can apply (each word looked up once by the hash its unit
// already has, not compared by each rule in turn).
const (
	lexOwn     uint32 = 1 << iota // ownFault
	lexParty                      // otherParty
	lexUnreal                     // unreal
	lexMove                       // movesToBrand
	lexSays                       // brandReports, contradicts
	lexAmount                     // echoed: digits or a number word; contradicts: a month too
	lexColons                     // dialogue: two colons at least
	lexFixed                      // resolved
	lexDays                       // dayCount
	lexNow                        // clockNow
	lexOnly                       // minimised
	lexFault                      // clearsBrand (blamesNone), negatedGive
	lexFake                       // warnsOfFakes
	lexSkill                      // selfSkill
	lexRival                      // rivalClause, excepted
	lexSlip                       // ownSlip
	lexFear                       // fearsAhead, fearTurned (with lexUnreal)
	lexNews                       // headline (brandReports)
	lexRating                     // ratedHigh, ratedLow: "stars", "5", "10" or a ★
	lexVersus                     // asksFirst: a comparison
	lexLeast                      // brightSpot: "at least"
	lexVerdict                    // praisedDeed: a word of praise that is seldom sarcastic
	lexWhy                        // whyBrand: "why"
	lexSend                       // runaround: "told", "sends", ...
	lexZero                       // zeroCount: "0"
)

var lexWords = []struct {
	class uint32
	words []string
}{
	{lexOwn, []string{"bad", "fault", "mistake", "error", "self", "sorry", "me", "forgot", "forgotten", "forgetting",
		"realised", "realized", "realise", "realize",
		"misread", "misplaced", "mistyped", "misspelled", "misspelt", "misclicked", "overslept", "accidentally",
		"accident", "wrong", "id"}},
	{lexParty, []string{"landlord", "landlady", "neighbour", "neighbours", "neighbor", "neighbors", "flatmate",
		"roommate", "housemate", "council", "government", "tourists", "toddler", "dad", "mum", "mom", "wife",
		"husband", "boyfriend", "girlfriend", "boss", "traffic", "roads", "roadworks", "weather", "heatwave", "cat", "dog",
		"airline", "airlines", "shuttle", "bank", "taxi", "insurer", "customs", "storm", "snow", "flooding", "floods",
		"tree", "fog", "ice", "wind", "winds", "accident", "police", "strike", "strikes",
		"article", "author", "journalist", "reporter", "headline", "everyone", "everybody"}},
	{lexUnreal, []string{"expecting", "dreading", "dreaded", "feared", "fearing", "assumed", "bracing", "braced",
		"thought", "worried", "if"}},
	{lexMove, []string{"switch", "switching", "switched", "move", "moving", "moved", "transfer", "transferring",
		"transferred", "port", "porting", "ported"}},
	{lexSays, []string{"says", "said", "announces", "announced", "warns", "warned", "confirms", "confirmed",
		"reports", "apologises", "apologizes", "expects", "recalls", "recalled", "say", "shows", "showed", "reads"}},
	{lexFixed, []string{"fixed", "sorted", "reversed", "refunded", "replaced", "replacement", "rebooked", "resolved",
		"found", "credited", "waived", "swapped", "restored", "reimbursed", "min", "mins", "minute", "minutes",
		"seconds", "hour"}},
	{lexDays, []string{"day", "week", "month"}},
	{lexNow, []string{"it", "its"}},
	{lexOnly, []string{"only"}},
	{lexAmount, []string{"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
		"twenty", "thirty", "forty", "fifty",
		// months, for contradicts
		"january", "february", "march", "april", "june", "july", "august", "september", "october",
		"november", "december", "may"}},
	{lexFault, []string{"fault", "blame", "not", "give", "gives", "gave", "given", "giving", "cause", "causes", "caused",
		"causing"}},
	{lexFake, []string{"scammers", "scammer", "fraudsters", "phishing", "impersonating", "spoofed", "spoofing",
		"fake", "scam", "scams"}},
	{lexSkill, []string{"terrible", "awful", "bad", "rubbish", "hopeless", "useless", "clueless", "crap"}},
	{lexRival, []string{"providers", "companies", "couriers", "networks", "suppliers", "isps", "carriers",
		"retailers", "provider", "company", "courier", "network", "supplier", "isp", "carrier", "retailer",
		"except", "apart"}},
	{lexSlip, []string{"turns", "turned", "realising", "realizing", "messed", "mixed", "wrong", "knocked", "dropped",
		"smashed", "spilled", "spilt", "broke"}},
	{lexFear, []string{"worried", "scared", "afraid", "nervous", "terrified", "anxious", "expected"}},
	{lexNews, []string{"shares", "stock", "cut", "close", "open", "acquire", "buy", "launch", "axe", "shut", "raise",
		"hire", "expand", "exit", "sell", "invest", "scrap", "introduce", "create", "appoint", "merge", "trial",
		"appoints", "names", "hires", "launches", "unveils", "opens", "closes", "cuts", "axes", "slashes",
		"raises", "posts", "sues", "acquires", "buys", "agrees", "plans", "faces", "denies", "settles", "wins",
		"beats", "misses", "pledges", "partners", "expands", "signs", "invests", "shuts", "scraps",
		"publishes", "fined", "sued", "trials", "introduces", "unveiled", "launched", "appointed",
		"fines", "downgrade", "downgrades", "upgrade", "upgrades", "probes", "investigates", "backs", "clears",
		"raps", "criticises", "criticizes"}},
	{lexRating, []string{"star", "stars", "5", "10"}},
	{lexVersus, []string{"vs", "versus"}},
	{lexLeast, []string{"least"}},
	{lexVerdict, []string{"impressed", "excellent", "legend", "legends", "hero", "heroes", "recommended", "superb",
		"outstanding", "kudos", "faultless", "flawless", "stellar"}},
	{lexWhy, []string{"why"}},
	{lexSend, []string{"told", "tells", "sends", "sent", "send", "directed", "referred", "redirected", "transferred",
		"passed", "pointed"}},
	{lexZero, []string{"0"}},
}

// lexTab maps the hashes (unitHash) of lexWords to their classes: open
// addressing, a hash of 0 marks a free slot; bits has a bit set for each
// word (by the hash's top 6 bits and low 6 bits), so that most words of a
// text are passed over after one test.
var lexTab = func() (t struct {
	bits [128]uint64
	keys [1024]uint64
	vals [1024]uint32
}) {
	for _, c := range append(lexWords, tweetWords...) {
		for _, w := range c.words {
			h := unitHashStr(w)
			t.bits[h>>57] |= 1 << (h & 63)
			i := h & 1023
			for t.keys[i] != 0 && t.keys[i] != h {
				i = (i + 1) & 1023
			}
			t.keys[i] = h
			t.vals[i] |= c.class
		}
	}
	return t
}()

// lexOf returns the classes of the words of nt (lexAmount also for a word
// that starts with a digit, lexColons for two colons or more).
func lexOf(nt *normText) uint32 {
	var m uint32
	colons := 0
	buf := nt.buf
	for i := range nt.units {
		u := &nt.units[i]
		if u.end == u.start {
			continue
		}
		b := buf[u.start]
		if !u.word {
			if b == ':' {
				colons++
			} else if b == 0xe2 && u.end-u.start == 3 && buf[u.start+1] == 0x98 && (buf[u.start+2] == 0x85 || buf[u.start+2] == 0x86) {
				m |= lexRating // ★ (e2 98 85) or ☆ (e2 98 86)
			}
			continue
		}
		if b-'0' < 10 {
			m |= lexAmount
		}
		h := u.h
		if lexTab.bits[h>>57]&(1<<(h&63)) == 0 {
			continue
		}
		for k := h & 1023; lexTab.keys[k] != 0; k = (k + 1) & 1023 {
			if lexTab.keys[k] == h {
				m |= lexTab.vals[k]
				break
			}
		}
	}
	if colons >= 2 {
		m |= lexColons
	}
	return m
}

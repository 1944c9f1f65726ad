package classifier

// automaton is an Aho-Corasick automaton over bytes, compiled into a dense
// DFA over byte classes: every byte that occurs in no pattern shares class
// 0, so the table stays small while a step is one load. Classification
// matches by words (tokscan.go); the automaton searches brand terms when
// there are many of them, and, built over every pattern on demand
// (Classifier.bareAC), it is the bare scan of the benchmarks and the
// reference matcher of the tests.
type automaton struct {
	classOf [256]uint8
	nclass  int32
	// delta[row+class] is the next state's row (state*nclass), with
	// outFlag set when the state has outputs, so that the scan loop reads
	// one table per byte.
	delta    []int32
	outStart []int32 // outputs of state s: outs[outStart[s]:outStart[s+1]]
	outs     []int32 // pattern indexes, longest first
	plen     []int32 // pattern lengths
	// magic turns a row into a state without dividing: state =
	// row*magic>>32, exact while rows stay below 1<<24 (0: divide).
	magic uint64
}

// newAutomaton builds the automaton for pats (which must be unique and non-empty).
func newAutomaton(pats []string) *automaton {
	a := &automaton{}
	var used [256]bool
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	a.nclass = 1
	for b := 0; b < 256; b++ {
		if used[b] {
			a.classOf[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	if a.nclass > 256 { // cannot happen with 255 byte values + class 0, but be safe
		a.nclass = 256
	}
	nc := a.nclass
	newState := func() int32 {
		s := int32(len(a.delta) / int(nc))
		for i := int32(0); i < nc; i++ {
			a.delta = append(a.delta, -1)
		}
		return s
	}
	newState()
	own := [][]int32{nil}
	a.plen = make([]int32, len(pats))
	for pi, p := range pats {
		a.plen[pi] = int32(len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := int32(a.classOf[p[i]])
			nx := a.delta[s*nc+c]
			if nx < 0 {
				nx = newState()
				own = append(own, nil)
				a.delta[s*nc+c] = nx
			}
			s = nx
		}
		own[s] = append(own[s], int32(pi))
	}
	n := len(own)
	fail := make([]int32, n)
	order := make([]int32, 0, n)
	for c := int32(0); c < nc; c++ {
		nx := a.delta[c]
		if nx < 0 {
			a.delta[c] = 0
			continue
		}
		fail[nx] = 0
		order = append(order, nx)
	}
	for q := 0; q < len(order); q++ {
		s := order[q]
		f := fail[s]
		for c := int32(0); c < nc; c++ {
			nx := a.delta[s*nc+c]
			if nx < 0 {
				a.delta[s*nc+c] = a.delta[f*nc+c]
				continue
			}
			fail[nx] = a.delta[f*nc+c]
			order = append(order, nx)
		}
	}
	// Outputs: own patterns, then those of the fail chain (shorter ones).
	a.outStart = make([]int32, n+1)
	outs := make([][]int32, n)
	for _, s := range order {
		o := own[s]
		if f := fail[s]; len(outs[f]) > 0 {
			o = append(append([]int32(nil), o...), outs[f]...)
		}
		outs[s] = o
	}
	total := 0
	for s := 0; s < n; s++ {
		a.outStart[s] = int32(total)
		total += len(outs[s])
	}
	a.outStart[n] = int32(total)
	a.outs = make([]int32, 0, total)
	for s := 0; s < n; s++ {
		a.outs = append(a.outs, outs[s]...)
	}
	if int64(n)*int64(nc) < 1<<24 {
		a.magic = (1<<32 + uint64(nc) - 1) / uint64(nc)
	}
	for i, t := range a.delta {
		a.delta[i] = t * nc
		if len(outs[t]) > 0 {
			a.delta[i] |= outFlag
		}
	}
	return a
}

// outFlag marks a transition into a state with outputs.
const outFlag = -1 << 31

// outputs returns the patterns that end in the state of the transition t.
func (a *automaton) outputs(t int32) []int32 {
	row := t &^ outFlag
	var s int32
	if a.magic != 0 {
		s = int32(uint64(row) * a.magic >> 32)
	} else {
		s = row / a.nclass
	}
	return a.outs[a.outStart[s]:a.outStart[s+1]]
}

// count scans b and returns the number of pattern occurrences, without
// checking word boundaries: the bare scan the benchmarks compare against.
func (a *automaton) count(b []byte) int {
	t := int32(0)
	n := 0
	for _, c := range b {
		t = a.delta[t&^outFlag+int32(a.classOf[c])]
		if t < 0 {
			n += len(a.outputs(t))
		}
	}
	return n
}

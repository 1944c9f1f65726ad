package listener

import (
	"bytes"
	"fmt"
)

// What a body may hold before it is parsed. gofeed builds a tree of every
// element with a namespace prefix (an extension), recursively and without
// limits, and encoding/xml keeps a record per open element: 8.8 MB of
// nested "<x:a>" took 1.1 GB, 800,000 flat ones 316 MB. max_size bounds
// the bytes; these bound what the bytes may turn into.
//
// The elements and attributes of a body are weighed by what they cost to
// parse, measured as peak memory of `earshot sources test` over 100,000 of
// each: an item (or entry) up to 650 bytes and an element with a prefix up
// to 800 (nested 128 deep; 370 side by side) count 8, an attribute
// (180-280 bytes, most when all on one element) counts 3, any other
// element (70-100 bytes) 1. A body may weigh one per 16 bytes of max_size,
// so a parse stays under about 100 bytes a unit, 6.5 times max_size (65 MB
// of 10 MiB; a real 10 MiB feed peaks at 55-85 MB). Real feeds weigh one
// unit per 25-50 bytes (YouTube's, rich in media: elements, one per 12,
// but they are a few dozen KB) and nest less than 20 deep.
const (
	// maxFeedDepth is how deeply elements (JSON objects and arrays) may nest.
	maxFeedDepth = 128
	// bytesPerUnit is how many bytes of max_size allow one unit.
	bytesPerUnit = 16
	// minFeedUnits is the floor for small max_size values.
	minFeedUnits = 1 << 16
	// The weights.
	weightItem, weightPrefixed, weightAttr, weightElement = 8, 8, 3, 1
)

// maxFeedUnits returns the weight a body may have under a max_size of
// maxSize.
func maxFeedUnits(maxSize int64) int {
	return int(max(maxSize/bytesPerUnit, minFeedUnits))
}

// ShapeError is a body nested too deeply or holding too many elements to
// parse within the listener's memory bound. It is reported as a malformed
// feed.
type ShapeError struct {
	// Depth is set when the body nests deeper than maxFeedDepth.
	Depth bool
	// Limit is the depth, or the weight of the elements and attributes
	// allowed.
	Limit int
}

func (e *ShapeError) Error() string {
	if e.Depth {
		return fmt.Sprintf("nested deeper than %d elements", e.Limit)
	}
	return fmt.Sprintf("too many elements: more than %d units, one per %d bytes of max_size "+
		"(an item, or an element with a namespace prefix, counts %d, an attribute %d, another element %d)",
		e.Limit, bytesPerUnit, weightItem, weightAttr, weightElement)
}

// checkXMLShape scans the markup of an XML body, byte by byte and without
// decoding it (encoding/xml costs a quarter of the parse), and refuses a
// body nested deeper than maxFeedDepth or whose elements and attributes
// weigh more than maxUnits. Comments, CDATA sections, processing instructions and
// declarations are skipped; what is malformed is left to the parser.
func checkXMLShape(body []byte, maxUnits int) error {
	depth, units := 0, 0
	for i := 0; i < len(body); {
		j := bytes.IndexByte(body[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		rest := body[i:]
		if len(rest) < 2 {
			return nil
		}
		skip := func(end string) bool {
			k := bytes.Index(rest, []byte(end))
			i += k + len(end)
			return k >= 0
		}
		var ok bool
		switch rest[1] {
		case '!':
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				ok = skip("-->")
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				ok = skip("]]>")
			default:
				ok = skip(">")
			}
		case '?':
			ok = skip("?>")
		case '/':
			depth--
			ok = skip(">")
		default:
			prefix, local, _, nattr, end, closed := xmlTag(rest)
			if end < 0 {
				return nil
			}
			switch {
			case prefix != nil:
				units += weightPrefixed
			case string(local) == "item" || string(local) == "entry":
				units += weightItem
			default:
				units += weightElement
			}
			units += weightAttr * nattr
			if !closed {
				depth++
			}
			i += end
			ok = true
		}
		if !ok {
			return nil
		}
		if depth > maxFeedDepth {
			return &ShapeError{Depth: true, Limit: maxFeedDepth}
		}
		if units > maxUnits {
			return &ShapeError{Limit: maxUnits}
		}
	}
	return nil
}

// checkJSONShape is checkXMLShape for a JSON body: objects and arrays nest
// at most maxFeedDepth deep; an object (an item) weighs weightItem, an
// array and a comma (a value after the first) weightElement.
func checkJSONShape(body []byte, maxUnits int) error {
	depth, units := 0, 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '"':
			// Skip the string, escapes included.
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			units += weightElement
			if body[i] == '{' {
				units += weightItem - weightElement
			}
			if depth > maxFeedDepth {
				return &ShapeError{Depth: true, Limit: maxFeedDepth}
			}
		case '}', ']':
			depth--
		case ',':
			units += weightElement
		}
		if units > maxUnits {
			return &ShapeError{Limit: maxUnits}
		}
	}
	return nil
}

package listener

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/earshot/earshot/mention"
)

// Outcomes of an item, also the "outcome" label of items_total.
const (
	outcomeNew         = "new"
	outcomeBaseline    = "baseline"
	outcomeDuplicate   = "duplicate"
	outcomeChurn       = "churn"
	outcomeCrossSource = "cross_source"
)

// minContentKey is the shortest title+text that gets a content key; shorter
// texts ("test", "") are too likely to repeat for real.
const minContentKey = 24

// hashHex returns the first 128 bits of SHA-256 over the parts, hex encoded.
func hashHex(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// hashBytes is hashHex of one byte slice.
func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// itemIDs returns the mention ID of every item, in Miniflux's order: the
// GUID; the GUID plus the URL, or plus its occurrence number, when GUIDs
// repeat within the feed; the URL; a hash of title and content. IDs are
// prefixed by the source, so two sources never share one.
func itemIDs(source string, items []rawItem, canon func(i int) string) []string {
	guids := make(map[string]int, len(items))
	for i := range items {
		if g := strings.TrimSpace(items[i].guid); g != "" {
			guids[g]++
		}
	}
	var pairs map[string]int
	seenGUID := map[string]int{}
	prefix := mention.SubjectToken(source) + ":"
	ids := make([]string, len(items))
	for i := range items {
		it := &items[i]
		g := strings.TrimSpace(it.guid)
		var kind, val string
		switch {
		case g != "" && guids[g] == 1:
			kind, val = "g", g
		case g != "":
			if pairs == nil {
				pairs = map[string]int{}
				for j := range items {
					if gj := strings.TrimSpace(items[j].guid); guids[gj] > 1 {
						pairs[gj+"\x00"+canon(j)]++
					}
				}
			}
			seenGUID[g]++
			if link := canon(i); link != "" && pairs[g+"\x00"+link] == 1 {
				kind, val = "gu", g+"\x00"+link
			} else {
				kind, val = "gp", g+"\x00"+strconv.Itoa(seenGUID[g])
			}
		case canon(i) != "":
			kind, val = "u", canon(i)
		default:
			kind, val = "h", it.title+"\x00"+it.html
		}
		ids[i] = prefix + hashHex(kind, val)
	}
	return ids
}

// seenKey is the seen-bucket key of a mention ID.
func seenKey(id string) string { return "m." + hashHex(id) }

// urlKey is the seen-bucket key of a canonical URL, shared by all sources.
func urlKey(canonical string) string { return "u." + hashHex(canonical) }

// contentKey is the seen-bucket key of an item's content within a source.
func contentKey(source, title, text string) string {
	if len(title)+len(text) < minContentKey {
		return ""
	}
	return "c." + hashHex(source, title, text)
}

// urlEntry is the value under a urlKey: the mention first published for the
// URL and every source that found it.
type urlEntry struct {
	ID      string   `json:"id"`
	Sources []string `json:"sources"`
}

// seen reports whether key is in the seen bucket.
func (l *Listener) seen(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	_, err := l.deps.Seen.Get(ctx, key)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	}
	return false, fmt.Errorf("seen %s: %w", key, err)
}

// lookupURL returns the entry of a canonical URL, if any.
func (l *Listener) lookupURL(ctx context.Context, key string) (*urlEntry, uint64, error) {
	e, err := l.deps.Seen.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("seen %s: %w", key, err)
	}
	var u urlEntry
	if json.Unmarshal(e.Value(), &u) != nil {
		return &urlEntry{}, e.Revision(), nil
	}
	return &u, e.Revision(), nil
}

// remember records keys as seen.
func (l *Listener) remember(ctx context.Context, id string, keys ...string) error {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if _, err := l.deps.Seen.Put(ctx, k, []byte(id)); err != nil {
			return fmt.Errorf("record %s: %w", k, err)
		}
	}
	return nil
}

// addURLSource records that source found the canonical URL of mention id.
// It returns the entry's sources after the change. absent says the caller
// has just seen the key missing, which saves a lookup in the common case.
func (l *Listener) addURLSource(ctx context.Context, key, id, source string, absent bool) ([]string, error) {
	for range 5 {
		var (
			u   *urlEntry
			rev uint64
			err error
		)
		if !absent {
			if u, rev, err = l.lookupURL(ctx, key); err != nil {
				return nil, err
			}
		}
		absent = false
		if u == nil {
			b, _ := json.Marshal(urlEntry{ID: id, Sources: []string{source}})
			_, err := l.deps.Seen.Create(ctx, key, b)
			if errors.Is(err, jetstream.ErrKeyExists) {
				continue // another source won the race; merge into its entry
			}
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", key, err)
			}
			return []string{source}, nil
		}
		if slices.Contains(u.Sources, source) {
			return u.Sources, nil
		}
		u.Sources = append(u.Sources, source)
		if u.ID == "" {
			u.ID = id
		}
		b, _ := json.Marshal(u)
		_, err = l.deps.Seen.Update(ctx, key, b, rev)
		if err == nil {
			return u.Sources, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("record %s: %w", key, err)
		}
	}
	return nil, fmt.Errorf("record %s: too many concurrent updates", key)
}

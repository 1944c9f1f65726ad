package classifier

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/earshot/earshot/mention"
)

// lineInput is one JSON input line of ClassifyLines.
type lineInput struct {
	ID    json.RawMessage `json:"id"`
	Title string          `json:"title"`
	Text  string          `json:"text"`
	Lang  string          `json:"lang"`
}

// lineBatch is a run of input lines classified by one worker.
type lineBatch struct {
	lines [][]byte
	size  int // bytes in lines
	nums  []int
	out   []byte
	bad   int
	err   error // first bad line
	done  chan struct{}
}

const (
	// A batch ends after batchLines lines or batchBytes bytes, so that
	// long lines do not multiply the memory held by the batches in
	// flight (3 per worker).
	batchLines   = 256
	batchBytes   = 1 << 20
	maxLineBytes = 16 << 20
)

// ClassifyLines implements `earshot classify`: it reads JSON lines
// {"id","title","text","lang"} (title and lang optional) or plain text lines
// from in, and writes one JSON line per input line, in order:
// {"id","criticism","score","severity","topics","rules","lang"}, with
// "mention":false after the id when brand terms are set and the text names
// none of them and "truncated":true when the text or title was longer than
// Classify reads, so that
// the n-th output line always answers the n-th input line. A plain text
// line's id is its line number; a blank line is an empty text (not
// criticism). A UTF-8 byte order mark before the first line is dropped. A line that starts with '{' but is not
// valid JSON gives {"id":<line number>,"error":"line N: ..."} and processing
// continues; after the input is done, ClassifyLines returns an error that
// counts such lines. Lines are classified in parallel; the output keeps the
// input order.
func ClassifyLines(ctx context.Context, c *Classifier, in io.Reader, out io.Writer) error {
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan *lineBatch, workers)
	ordered := make(chan *lineBatch, workers*2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var v mention.Verdict
			var m mention.Mention
			for b := range jobs {
				for i, l := range b.lines {
					b.out = classifyLine(c, b.out, l, b.nums[i], &m, &v, b)
				}
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(ordered)
		defer close(jobs)
		r := bufio.NewReaderSize(in, 1<<20)
		n := 0
		b := &lineBatch{done: make(chan struct{})}
		flush := func() bool {
			if len(b.lines) == 0 {
				return true
			}
			select {
			case ordered <- b:
			case <-ctx.Done():
				return false
			}
			jobs <- b
			b = &lineBatch{done: make(chan struct{})}
			return true
		}
		var long []byte
		for {
			line, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				if len(long)+len(line) <= maxLineBytes {
					long = append(long, line...)
				}
				continue
			}
			if long != nil {
				line = append(long, line...)
				long = nil
			}
			if n == 0 {
				line = bytes.TrimPrefix(line, []byte("\uFEFF"))
			}
			if len(line) > 0 {
				n++
				b.lines = append(b.lines, bytes.Clone(bytes.TrimSpace(line)))
				b.nums = append(b.nums, n)
				b.size += len(line)
				if (len(b.lines) == batchLines || b.size >= batchBytes) && !flush() {
					readErr <- ctx.Err()
					return
				}
			}
			if err != nil {
				if !flush() {
					readErr <- ctx.Err()
					return
				}
				if err != io.EOF {
					readErr <- fmt.Errorf("read input: %w", err)
					return
				}
				readErr <- nil
				return
			}
		}
	}()
	var bad int
	var firstBad error
	var writeErr error
	for b := range ordered {
		<-b.done
		if writeErr == nil {
			if _, err := out.Write(b.out); err != nil {
				writeErr = fmt.Errorf("write output: %w", err)
			}
		}
		bad += b.bad
		if firstBad == nil {
			firstBad = b.err
		}
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		return err
	}
	if writeErr != nil {
		return writeErr
	}
	if bad > 0 {
		return fmt.Errorf("%d input lines could not be read, the first: %w", bad, firstBad)
	}
	return nil
}

func classifyLine(c *Classifier, out, line []byte, num int, m *mention.Mention, v *mention.Verdict, b *lineBatch) []byte {
	*m = mention.Mention{}
	var id []byte
	if len(line) > 0 && line[0] == '{' {
		var in lineInput
		if err := json.Unmarshal(line, &in); err != nil {
			err = fmt.Errorf("line %d: invalid JSON: %w", num, err)
			b.bad++
			if b.err == nil {
				b.err = err
			}
			out = append(out, `{"id":`...)
			out = strconv.AppendInt(out, int64(num), 10)
			out = append(out, `,"error":`...)
			out = appendJSONString(out, err.Error())
			return append(out, "}\n"...)
		}
		id = in.ID
		m.Title, m.Text, m.Lang = in.Title, in.Text, in.Lang
	} else {
		m.Text = string(line)
	}
	brand := c.Classify(m, v)
	out = append(out, `{"id":`...)
	if len(id) > 0 {
		out = append(out, id...)
	} else {
		out = strconv.AppendInt(out, int64(num), 10)
	}
	if !brand {
		// With brand terms, a text that names none is no mention: its
		// score is shown, but it is not criticism of the brand.
		out = append(out, `,"mention":false`...)
	}
	if len(m.Text) > mention.MaxTextBytes || len(m.Title) > mention.MaxTitleBytes {
		// Only the beginning was classified (Classify's limit).
		out = append(out, `,"truncated":true`...)
	}
	out = append(out, `,"criticism":`...)
	out = strconv.AppendBool(out, v.Criticism)
	out = append(out, `,"score":`...)
	out = strconv.AppendFloat(out, v.Score, 'f', -1, 64)
	out = append(out, `,"severity":`...)
	out = appendJSONString(out, string(v.Severity))
	out = append(out, `,"topics":[`...)
	for i, t := range v.Topics {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendJSONString(out, t)
	}
	out = append(out, `],"rules":[`...)
	for i, r := range v.Rules {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"rule":`...)
		out = appendJSONString(out, r.Rule)
		if r.Topic != "" {
			out = append(out, `,"topic":`...)
			out = appendJSONString(out, r.Topic)
		}
		out = append(out, `,"criticism":`...)
		out = strconv.AppendBool(out, r.Criticism)
		out = append(out, `,"weight":`...)
		out = strconv.AppendFloat(out, r.Weight, 'f', -1, 64)
		out = append(out, `,"spans":[`...)
		for j, s := range r.Spans {
			if j > 0 {
				out = append(out, ',')
			}
			out = append(out, `{"start":`...)
			out = strconv.AppendInt(out, int64(s.Start), 10)
			out = append(out, `,"end":`...)
			out = strconv.AppendInt(out, int64(s.End), 10)
			out = append(out, '}')
		}
		out = append(out, "]}"...)
	}
	out = append(out, `],"lang":`...)
	out = appendJSONString(out, v.Lang)
	return append(out, "}\n"...)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

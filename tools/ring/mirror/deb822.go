package mirror

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// paragraph is one deb822 stanza: field names in canonical case as written,
// values with continuation lines joined by "\n" (leading space removed).
type paragraph struct {
	names  []string
	values map[string]string // key: lower-case name
}

func (p paragraph) get(name string) string { return p.values[strings.ToLower(name)] }

// readParagraphs splits deb822 text into stanzas and calls fn for each.
// Comment lines (#) are skipped. line is the first line of the stanza.
func readParagraphs(r io.Reader, fn func(p paragraph, line int) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	cur := paragraph{values: map[string]string{}}
	last, start, n := "", 0, 0
	flush := func() error {
		if len(cur.names) == 0 {
			return nil
		}
		err := fn(cur, start)
		cur, last = paragraph{values: map[string]string{}}, ""
		return err
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return err
			}
		case strings.HasPrefix(line, "#"):
		case line[0] == ' ' || line[0] == '\t':
			if last == "" {
				return fmt.Errorf("line %d: continuation line without a field", n)
			}
			v := line[1:]
			if strings.TrimSpace(v) == "." {
				v = ""
			}
			if cur.values[last] == "" {
				cur.values[last] = v
			} else {
				cur.values[last] += "\n" + v
			}
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return fmt.Errorf("line %d: %q is not a field", n, truncate(line, 60))
			}
			if len(cur.names) == 0 {
				start = n
			}
			key := strings.ToLower(name)
			if _, dup := cur.values[key]; dup {
				return fmt.Errorf("line %d: field %s given twice", n, name)
			}
			cur.names = append(cur.names, name)
			cur.values[key] = strings.TrimSpace(value)
			last = key
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return flush()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// oneParagraph parses text that must be a single stanza (Release).
func oneParagraph(b []byte) (paragraph, error) {
	var out paragraph
	count := 0
	err := readParagraphs(bytes.NewReader(b), func(p paragraph, _ int) error {
		count++
		out = p
		return nil
	})
	if err != nil {
		return out, err
	}
	if count != 1 {
		return out, fmt.Errorf("%d paragraphs, want 1", count)
	}
	return out, nil
}

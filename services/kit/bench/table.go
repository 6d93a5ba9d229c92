// Package bench holds what the benchmark programs share to report their
// figures: tables printed aligned for a terminal and as markdown for the
// docs, percentiles of latency samples, and the state of the machine a
// figure was measured on.
package bench

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Table is one result table: a title (what was measured, on what), column
// headers, rows and notes printed under it.
type Table struct {
	Title   string
	Columns []string
	Rows    [][]string
	Notes   []string
}

// Add appends a row; each cell is formatted with %v, floats by Num.
func (t *Table) Add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case float64:
			row[i] = Num(v)
		case string:
			row[i] = v
		default:
			row[i] = fmt.Sprint(v)
		}
	}
	t.Rows = append(t.Rows, row)
}

// Note adds a line printed under the table.
func (t *Table) Note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf(format, args...))
}

// width is the number of columns: the widest of header and rows.
func (t *Table) width() int {
	n := len(t.Columns)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	return n
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// Text writes the table for a terminal: the first column left-aligned, the
// others right-aligned, two spaces between columns.
func (t *Table) Text(w io.Writer) error {
	n := t.width()
	widths := make([]int, n)
	all := append([][]string{t.Columns}, t.Rows...)
	for _, r := range all {
		for i := range n {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell(r, i)))
		}
	}
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(t.Title + "\n")
	}
	for _, r := range all {
		for i := range n {
			c := cell(r, i)
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		trimmed := strings.TrimRight(b.String(), " ")
		b.Reset()
		b.WriteString(trimmed + "\n")
	}
	for _, note := range t.Notes {
		b.WriteString("  " + note + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Markdown writes the table as a markdown fragment: the title as a bold
// line, the first column left-aligned, the others right-aligned, the notes
// as a paragraph.
func (t *Table) Markdown(w io.Writer) error {
	n := t.width()
	var b strings.Builder
	if t.Title != "" {
		b.WriteString("**" + t.Title + "**\n\n")
	}
	row := func(r []string) {
		b.WriteString("|")
		for i := range n {
			b.WriteString(" " + strings.ReplaceAll(cell(r, i), "|", `\|`) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Columns)
	b.WriteString("|")
	for i := range n {
		if i == 0 {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	if len(t.Notes) > 0 {
		b.WriteString("\n" + strings.Join(t.Notes, " ") + "\n")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Num formats a measured quantity with three significant digits at most
// and thousands separators: 0.0123, 1.23, 12.3, 123, 1,234, 12,345.
func Num(v float64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	var s string
	switch {
	case v == 0:
		s = "0"
	case v < 0.01:
		s = fmt.Sprintf("%.2g", v)
	case v < 1:
		s = fmt.Sprintf("%.3f", v)
	case v < 10:
		s = fmt.Sprintf("%.2f", v)
	case v < 100:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = thousands(fmt.Sprintf("%.0f", v))
	}
	if neg {
		s = "-" + s
	}
	return s
}

func thousands(digits string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

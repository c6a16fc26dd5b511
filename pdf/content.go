package pdf

import (
	"strconv"
)

// A minimal lexer for PDF content streams: enough to follow the graphics
// state and the painting operators, never to render.

type tokenKind int

const (
	numTok tokenKind = iota
	nameTok
	opTok
	otherTok // strings, arrays, dicts: operands we do not need
)

type token struct {
	kind tokenKind
	s    string
	num  float64
}

type lexer struct {
	b []byte
	i int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// next returns the next token, or false at the end of the stream.
func (l *lexer) next() (token, bool) {
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case isSpace(c):
			l.i++
		case c == '%':
			for l.i < len(l.b) && l.b[l.i] != '\n' && l.b[l.i] != '\r' {
				l.i++
			}
		case c == '/':
			start := l.i + 1
			l.i++
			for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
				l.i++
			}
			return token{kind: nameTok, s: string(l.b[start:l.i])}, true
		case c == '(':
			l.skipString()
			return token{kind: otherTok}, true
		case c == '<':
			if l.i+1 < len(l.b) && l.b[l.i+1] == '<' {
				l.i += 2
				return token{kind: otherTok, s: "<<"}, true
			}
			for l.i < len(l.b) && l.b[l.i] != '>' {
				l.i++
			}
			l.i++
			return token{kind: otherTok}, true
		case c == '>':
			l.i++
			if l.i < len(l.b) && l.b[l.i] == '>' {
				l.i++
			}
			return token{kind: otherTok, s: ">>"}, true
		case c == '[' || c == ']' || c == '{' || c == '}' || c == ')':
			l.i++
			return token{kind: otherTok, s: string(c)}, true
		default:
			start := l.i
			for l.i < len(l.b) && !isSpace(l.b[l.i]) && !isDelim(l.b[l.i]) {
				l.i++
			}
			w := string(l.b[start:l.i])
			if f, err := strconv.ParseFloat(w, 64); err == nil {
				return token{kind: numTok, num: f}, true
			}
			if w == "" { // a lone delimiter we do not handle
				l.i++
				continue
			}
			return token{kind: opTok, s: w}, true
		}
	}
	return token{}, false
}

// skipString skips a literal string with nested parentheses and escapes.
func (l *lexer) skipString() {
	depth := 0
	for l.i < len(l.b) {
		c := l.b[l.i]
		l.i++
		switch c {
		case '\\':
			l.i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return
			}
		}
	}
}

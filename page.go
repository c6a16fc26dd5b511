package chartscan

// Boxes returns the boxes of the words of p that the byte ranges
// matches ([start, end) in p.Text, sorted by start) fall in, each word
// once, in reading order. The page text is the words joined by spaces and
// newlines, in order (as package ocr makes it), so the n-th run of
// non-space bytes is the n-th word. (UTF-8 never puts an ASCII space
// inside a character, so bytes will do.)
func (p *Page) Boxes(matches [][2]int) []Box {
	out := []Box{}
	if len(matches) == 0 || len(p.Words) == 0 {
		return out
	}
	text, m := p.Text, 0
	word, start := -1, -1
	for i := 0; i <= len(text) && m < len(matches); i++ {
		inWord := i < len(text) && !isSpace(text[i])
		switch {
		case inWord && start < 0:
			start = i
			word++
		case !inWord && start >= 0:
			// The word is text[start:i]; does a match fall in it?
			hit := false
			for m < len(matches) && matches[m][0] < i {
				if matches[m][1] > start {
					hit = true
				}
				m++
			}
			if hit && word < len(p.Words) {
				w := p.Words[word]
				out = append(out, Box{X: w.X, Y: w.Y, W: w.W, H: w.H})
			}
			start = -1
		}
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// WordSpans returns the byte range [start, end) in p.Text of each of
// p.Words, in order: the n-th run of non-space bytes of the text is the
// n-th word. Words beyond the text (a record whose text and words do not
// agree) get no span; the result may be shorter than p.Words.
func (p *Page) WordSpans() [][2]int {
	spans := make([][2]int, 0, len(p.Words))
	start := -1
	for i := 0; i <= len(p.Text); i++ {
		in := i < len(p.Text) && !isSpace(p.Text[i])
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			spans = append(spans, [2]int{start, i})
			start = -1
		}
	}
	if len(spans) > len(p.Words) {
		spans = spans[:len(p.Words)]
	}
	return spans
}

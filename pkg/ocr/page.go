package ocr

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Page is the text Tesseract read on one picture.
type Page struct {
	// Width and Height are the size of the picture read.
	Width, Height int
	// Language is the language argument Tesseract ran with.
	Language string
	// Words are the words read, in reading order.
	Words []Word
}

// Word is one word read, with its box in pixels of the picture.
type Word struct {
	Text string
	// X, Y, W, H is the word's bounding box.
	X, Y, W, H int
	// Conf is Tesseract's confidence, 0-100.
	Conf float64
	// Block, Par and Line number the word's block, paragraph (within its
	// block) and line (within its paragraph), from 1.
	Block, Par, Line int
}

// Text returns the page's text: the words of a line joined by a space,
// lines by a newline, paragraphs and blocks by an empty line; "" for a
// page without words.
func (p *Page) Text() string {
	var b strings.Builder
	for i, w := range p.Words {
		if i > 0 {
			prev := p.Words[i-1]
			switch {
			case prev.Block != w.Block || prev.Par != w.Par:
				b.WriteString("\n\n")
			case prev.Line != w.Line:
				b.WriteByte('\n')
			default:
				b.WriteByte(' ')
			}
		}
		b.WriteString(w.Text)
	}
	return b.String()
}

// parseTSV reads Tesseract's TSV output: a header line, then one line per
// element (level, page, block, paragraph, line, word numbers, left, top,
// width, height, confidence, text); the words are the elements of level 5
// with a text that is not blank.
func parseTSV(out []byte) (*Page, error) {
	p := &Page{}
	lines := bytes.Split(out, []byte("\n"))
	if len(lines) == 0 || !bytes.HasPrefix(lines[0], []byte("level\t")) {
		return nil, fmt.Errorf("no TSV header")
	}
	for n, l := range lines[1:] {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			continue
		}
		f := strings.SplitN(string(l), "\t", 12)
		if len(f) < 11 {
			return nil, fmt.Errorf("line %d: %d fields", n+2, len(f))
		}
		if f[0] != "5" || len(f) < 12 || strings.TrimSpace(f[11]) == "" {
			continue
		}
		var v [9]int
		for i := range v {
			x, err := strconv.Atoi(f[i+1])
			if err != nil {
				return nil, fmt.Errorf("line %d: field %d: %w", n+2, i+2, err)
			}
			v[i] = x
		}
		conf, err := strconv.ParseFloat(f[10], 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: confidence: %w", n+2, err)
		}
		p.Words = append(p.Words, Word{
			Text:  strings.TrimSpace(f[11]),
			Block: v[1], Par: v[2], Line: v[3],
			X: v[5], Y: v[6], W: v[7], H: v[8],
			Conf: conf,
		})
	}
	return p, nil
}

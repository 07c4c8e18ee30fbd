// Command texttool is the helper behind scripts/compare-text.sh and
// scripts/bench-text.sh.
//
//	texttool extract [-o DIR] FILE...   extract text with pkg/text; to stdout, or DIR/<name>.txt
//	texttool f1 REFERENCE CANDIDATE...  word-level F1 of each candidate text against the reference
//
// Word-level F1 compares the multisets of words of two texts, after NFKC
// normalization and case folding. A word is a run of letters, marks and
// digits; each Han, Hiragana or Katakana character counts as a word of its
// own, since Chinese and Japanese are written without spaces.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/assetcompute/assetcompute/pkg/text"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "extract":
		os.Exit(extract(os.Args[2:]))
	case "f1":
		os.Exit(f1(os.Args[2:]))
	}
	usage()
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: texttool extract [-o DIR] FILE... | texttool f1 REFERENCE CANDIDATE...")
	os.Exit(2)
}

func extract(args []string) int {
	fs := flag.NewFlagSet("extract", flag.ExitOnError)
	out := fs.String("o", "", "write DIR/<file name without extension>.txt instead of stdout")
	verbose := fs.Bool("v", false, "print each result on stderr")
	_ = fs.Parse(args)
	status := 0
	for _, path := range fs.Args() {
		var w io.Writer = os.Stdout
		var f *os.File
		if *out != "" {
			base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
			var err error
			if f, err = os.Create(filepath.Join(*out, base+".txt")); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			w = f
		}
		res, err := text.Extract(context.Background(), path, filepath.Base(path), w, text.Options{})
		if f != nil {
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			status = 1
			continue
		}
		if *verbose {
			fmt.Fprintf(os.Stderr, "%s: %+v\n", path, *res)
		}
	}
	return status
}

func f1(args []string) int {
	if len(args) < 2 {
		usage()
	}
	ref, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	refWords := words(string(ref))
	for _, path := range args[1:] {
		cand, err := os.ReadFile(path)
		if err != nil {
			fmt.Println("NaN")
			continue
		}
		fmt.Printf("%.4f\n", score(refWords, words(string(cand))))
	}
	return 0
}

// words splits text into a multiset of normalized words.
func words(s string) map[string]int {
	s = strings.ToLower(norm.NFKC.String(s))
	out := map[string]int{}
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out[cur.String()]++
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana):
			flush()
			out[string(r)]++
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			cur.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// score is the F1 of candidate against reference word multisets.
func score(ref, cand map[string]int) float64 {
	var nref, ncand, match int
	for w, n := range ref {
		nref += n
		match += min(n, cand[w])
	}
	for _, n := range cand {
		ncand += n
	}
	if nref == 0 || ncand == 0 || match == 0 {
		return 0
	}
	p := float64(match) / float64(ncand)
	r := float64(match) / float64(nref)
	return 2 * p * r / (p + r)
}

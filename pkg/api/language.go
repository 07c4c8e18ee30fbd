package api

import "strings"

// isLanguageList reports whether s is a language instruction: a language
// tag (isLanguageTag), or for OCR several joined by "+" ("deu+eng"), each
// a tag or a Tesseract model name, whose parts are joined by "_"
// ("chi_sim", "srp_latn").
func isLanguageList(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, part := range strings.Split(s, "+") {
		if !isLanguageTag(strings.ReplaceAll(part, "_", "-")) {
			return false
		}
	}
	return true
}

package ocr

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// iso639 maps two-letter ISO 639-1 codes, and the ISO 639-2/B codes that
// differ from the 639-2/T codes Tesseract names its models by, to those
// model names.
var iso639 = map[string]string{
	"af": "afr", "am": "amh", "ar": "ara", "as": "asm", "az": "aze", "be": "bel",
	"bg": "bul", "bn": "ben", "bo": "bod", "bs": "bos", "br": "bre", "ca": "cat",
	"cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "dv": "div", "dz": "dzo",
	"el": "ell", "en": "eng", "eo": "epo", "es": "spa", "et": "est", "eu": "eus",
	"fa": "fas", "fi": "fin", "fo": "fao", "fr": "fra", "fy": "fry", "ga": "gle",
	"gd": "gla", "gl": "glg", "gu": "guj", "he": "heb", "hi": "hin", "hr": "hrv",
	"ht": "hat", "hu": "hun", "hy": "hye", "id": "ind", "is": "isl", "it": "ita",
	"iu": "iku", "ja": "jpn", "jv": "jav", "ka": "kat", "kk": "kaz", "km": "khm",
	"kn": "kan", "ko": "kor", "ku": "kmr", "ky": "kir", "la": "lat", "lb": "ltz",
	"lo": "lao", "lt": "lit", "lv": "lav", "mi": "mri", "mk": "mkd", "ml": "mal",
	"mn": "mon", "mr": "mar", "ms": "msa", "mt": "mlt", "my": "mya", "ne": "nep",
	"nl": "nld", "no": "nor", "nb": "nor", "oc": "oci", "or": "ori", "pa": "pan",
	"pl": "pol", "ps": "pus", "pt": "por", "qu": "que", "ro": "ron", "ru": "rus",
	"sa": "san", "sd": "snd", "si": "sin", "sk": "slk", "sl": "slv", "sq": "sqi",
	"sr": "srp", "su": "sun", "sv": "swe", "sw": "swa", "ta": "tam", "te": "tel",
	"tg": "tgk", "th": "tha", "ti": "tir", "tl": "tgl", "to": "ton", "tr": "tur",
	"tt": "tat", "ug": "uig", "uk": "ukr", "ur": "urd", "uz": "uzb", "vi": "vie",
	"yi": "yid", "yo": "yor", "zh": "chi_sim",
	// ISO 639-2/B codes
	"alb": "sqi", "arm": "hye", "baq": "eus", "bur": "mya", "chi": "chi_sim",
	"cze": "ces", "dut": "nld", "fre": "fra", "geo": "kat", "ger": "deu",
	"gre": "ell", "ice": "isl", "mac": "mkd", "may": "msa", "per": "fas",
	"rum": "ron", "slo": "slk", "tib": "bod", "wel": "cym",
}

// modelOf returns the Tesseract model name a language tag asks for:
// the tag itself when it is a model name ("eng", "chi_sim"), else the
// model of its primary language subtag, with the script or region
// subtags that pick another model (zh-Hant, zh-TW: chi_tra; sr-Latn:
// srp_latn).
func modelOf(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	if strings.Contains(t, "_") || !strings.Contains(t, "-") && len(t) != 2 && iso639[t] == "" {
		return t
	}
	subs := strings.Split(t, "-")
	m := subs[0]
	if v, ok := iso639[m]; ok {
		m = v
	}
	for _, s := range subs[1:] {
		switch {
		case m == "chi_sim" && (s == "hant" || s == "tw" || s == "hk" || s == "mo"):
			m = "chi_tra"
		case m == "srp" && s == "latn":
			m = "srp_latn"
		}
	}
	return m
}

// Languages returns the language models installed, sorted, without the
// orientation and script model (osd), which reads no text. The list is
// read once, from `tesseract --list-langs`.
func (e *Engine) Languages(ctx context.Context) ([]string, error) {
	e.langsOnce.Do(func() { e.langs, e.langsErr = e.listLanguages(ctx) })
	return e.langs, e.langsErr
}

func (e *Engine) listLanguages(ctx context.Context) ([]string, error) {
	res, err := e.cage.Run(ctx, e.command([]string{"--list-langs"}, nil))
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "tesseract cannot list its languages")
	}
	var langs []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "List of") || l == "osd" || strings.ContainsAny(l, " /") {
			continue
		}
		langs = append(langs, l)
	}
	slices.Sort(langs)
	if len(langs) == 0 {
		return nil, api.Errorf(api.ReasonGeneric, "tesseract has no language installed (install a package such as tesseract-ocr-eng)")
	}
	return langs, nil
}

// Language returns the Tesseract language argument for lang: one or more
// model names or language tags joined by "+" ("deu+eng", "en-US",
// "de+fr"), each mapped to its model (see the package documentation); ""
// is the engine's default language (Options.Language). A language that
// is not installed is a GenericError naming the installed ones.
func (e *Engine) Language(ctx context.Context, lang string) (string, error) {
	if strings.TrimSpace(lang) == "" {
		lang = e.defaultLang
	}
	installed, err := e.Languages(ctx)
	if err != nil {
		return "", err
	}
	var models []string
	for _, part := range strings.Split(lang, "+") {
		m := modelOf(part)
		if m == "" || !slices.Contains(installed, m) {
			what := fmt.Sprintf("%q", part)
			if m != "" && m != strings.ToLower(strings.TrimSpace(part)) {
				what += fmt.Sprintf(" (Tesseract model %q)", m)
			}
			return "", api.Errorf(api.ReasonGeneric,
				"language: %s is not installed for OCR; the installed languages are %s", what, strings.Join(installed, ", "))
		}
		if !slices.Contains(models, m) {
			models = append(models, m)
		}
	}
	return strings.Join(models, "+"), nil
}

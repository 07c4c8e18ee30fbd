package devtool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fieldProblem is one validation error, placed on a field of the request.
type fieldProblem struct {
	// Path names the field: "renditions[0].quality", "source", or "" for
	// the request as a whole.
	Path string `json:"path"`
	// Line is the line of the JSON text the field is on (1-based), or 0.
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	// Reason is the api reason the rendition would fail with.
	Reason string `json:"reason,omitempty"`
	// Allowed lists the allowed values, where they are known.
	Allowed []string `json:"allowed,omitempty"`
}

// validation is the answer of /api/validate.
type validation struct {
	OK         bool           `json:"ok"`
	Errors     []fieldProblem `json:"errors"`
	Renditions int            `json:"renditions"`
}

// validate answers the problems of {"request": "<JSON text>"}: the same
// checks as api.DecodeRequest (each field, the instructions against the
// fmt, the renditions against each other), each placed on its field and
// line.
func (h *Handler) validate(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Request string `json:"request"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	writeJSON(w, http.StatusOK, validateText(body.Request))
}

// placeholderSource stands for the source the page picks when the JSON
// names none.
const placeholderSource = "https://example.com/source"

// validateText validates a request's JSON text.
func validateText(text string) validation {
	v := validation{Errors: []fieldProblem{}}
	req, err := decodeForPage([]byte(text), placeholderSource, false)
	if err != nil {
		v.Errors = append(v.Errors, problemOf(text, err))
		return v
	}
	v.Renditions = len(req.Renditions)
	paths := jsonPaths(text)
	for i, rd := range req.Renditions {
		if rd.Invalid == nil {
			continue
		}
		p := fieldProblem{Reason: string(api.ReasonOf(rd.Invalid))}
		prefix := fmt.Sprintf("renditions[%d]", i)
		var fe *api.FieldError
		if errors.As(rd.Invalid, &fe) {
			p.Path, p.Message = prefix+"."+fe.Field, fe.Message
		} else {
			msg := api.MessageOf(rd.Invalid)
			msg = strings.TrimPrefix(msg, prefix+": ")
			if field, rest, ok := fieldPrefix(msg); ok {
				p.Path, p.Message = prefix+"."+field, rest
			} else {
				p.Path, p.Message = prefix, msg
			}
		}
		p.Line = lineOf(text, paths, p.Path)
		p.Allowed = allowedValues(p.Path, p.Message)
		v.Errors = append(v.Errors, p)
	}
	v.OK = len(v.Errors) == 0
	return v
}

// decodeForPage decodes a request's JSON as the page gives it: with src
// as its source when it names none, or always when force is set.
func decodeForPage(text []byte, src string, force bool) (*api.Request, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("invalid character after the top-level value")
	}
	if m == nil {
		return nil, &api.InvalidRequestError{Message: "not a JSON object: got null"}
	}
	if _, ok := m["source"]; !ok || force {
		b, _ := json.Marshal(src)
		m["source"] = b
	}
	if !force {
		m["renditions"] = placeholderTargets(m["renditions"])
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return api.DecodeRequest(b)
}

// placeholderTargets gives each rendition object of the list that has no
// target one, as a run does: the page writes every output to a file of
// its own.
func placeholderTargets(list json.RawMessage) json.RawMessage {
	var items []json.RawMessage
	if json.Unmarshal(list, &items) != nil {
		return list
	}
	for i, item := range items {
		var rd map[string]json.RawMessage
		if json.Unmarshal(item, &rd) != nil || rd == nil {
			continue
		}
		_, t := rd["target"]
		_, u := rd["url"]
		if !t && !u {
			rd["target"], _ = json.Marshal(fmt.Sprintf("https://example.com/rendition-%d", i))
			items[i], _ = json.Marshal(rd)
		}
	}
	b, _ := json.Marshal(items)
	return b
}

// problemOf places the error of a request that is invalid as a whole.
func problemOf(text string, err error) fieldProblem {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ie *api.InvalidRequestError
	switch {
	case errors.As(err, &se):
		return fieldProblem{Line: lineAt(text, int(se.Offset)), Message: "JSON: " + se.Error()}
	case errors.As(err, &te):
		return fieldProblem{Line: lineAt(text, int(te.Offset)), Message: "JSON: the request must be an object"}
	case errors.As(err, &ie):
		p := fieldProblem{Message: ie.Message, Reason: string(api.ReasonGeneric)}
		if field, rest, ok := fieldPrefix(ie.Message); ok {
			p.Path, p.Message = field, rest
		}
		p.Line = lineOf(text, jsonPaths(text), p.Path)
		return p
	default:
		return fieldProblem{Message: err.Error()}
	}
}

// fieldName matches the field a message starts with ("quality: ...").
var fieldName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9]*): `)

// fieldPrefix splits "field: message".
func fieldPrefix(msg string) (field, rest string, ok bool) {
	m := fieldName.FindStringSubmatch(msg)
	if m == nil {
		return "", msg, false
	}
	return m[1], msg[len(m[0]):], true
}

// enumValues are the allowed values of the fields that take a few.
var enumValues = map[string][]string{
	"raw":  {api.RawAuto, "preview", "develop"},
	"crop": {`"smart"`, "{x, y, w, h}"},
}

// intRange finds "from N to M" in a message.
var intRange = regexp.MustCompile(`from (\d+) to (\d+)`)

// allowedValues lists the allowed values of the field at path.
func allowedValues(path, msg string) []string {
	field := path[strings.LastIndex(path, ".")+1:]
	switch {
	case field == "fmt":
		return api.BuiltinFormats()
	case enumValues[field] != nil:
		return enumValues[field]
	}
	if m := intRange.FindStringSubmatch(msg); m != nil {
		return []string{m[1] + "…" + m[2]}
	}
	return nil
}

// lineOf returns the line of the field at path in text, or of its closest
// enclosing field, or 0.
func lineOf(text string, paths map[string]int, path string) int {
	for path != "" {
		if off, ok := paths[path]; ok {
			return lineAt(text, off)
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// lineAt returns the 1-based line of byte offset off in text.
func lineAt(text string, off int) int {
	off = min(max(off, 0), len(text))
	return strings.Count(text[:off], "\n") + 1
}

// jsonPaths maps each member and element of the JSON text to the offset
// where it starts ("renditions[1].quality" -> offset of its key).
func jsonPaths(text string) map[string]int {
	type frame struct {
		path      string
		array     bool
		index     int
		key       string
		expectKey bool
	}
	out := map[string]int{}
	dec := json.NewDecoder(strings.NewReader(text))
	var stack []*frame
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		for off < len(text) && strings.IndexByte(" \t\r\n,:", text[off]) >= 0 {
			off++
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		path := ""
		switch {
		case top == nil:
		case top.array:
			path = fmt.Sprintf("%s[%d]", top.path, top.index)
			top.index++
			out[path] = off
		case top.expectKey:
			key, _ := tok.(string)
			top.key, top.expectKey = key, false
			p := key
			if top.path != "" {
				p = top.path + "." + key
			}
			out[p] = off
			continue
		default:
			path = top.key
			if top.path != "" {
				path = top.path + "." + top.key
			}
			top.expectKey = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{path: path, array: d == '[', expectKey: d == '{'})
		}
	}
}

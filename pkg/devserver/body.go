package devserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// readBody reads r's body up to limit bytes; beyond it answers 413.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%s The limit is %d bytes.", msgTooLarge, limit))
		return nil, false
	case err != nil:
		writeError(w, http.StatusBadRequest, "cannot read the request body: "+err.Error())
		return nil, false
	}
	return b, true
}

// decodeBody reads a JSON body into v; an empty body leaves v as is.
// Malformed JSON answers 400.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	b, ok := readBody(w, r, limit)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return true
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(w, http.StatusBadRequest, msgMalformed+err.Error())
		return false
	}
	return true
}

// decodeParams reads an invocation body: a JSON object of parameters, or
// nothing. Beyond limit it answers 413.
func decodeParams(w http.ResponseWriter, r *http.Request, limit int) (map[string]json.RawMessage, bool) {
	params := map[string]json.RawMessage{}
	b, ok := readBody(w, r, int64(limit))
	if !ok {
		return nil, false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return params, true
	}
	if err := json.Unmarshal(b, &params); err != nil {
		writeError(w, http.StatusBadRequest, msgMalformed+err.Error())
		return nil, false
	}
	if params == nil { // a JSON null
		params = map[string]json.RawMessage{}
	}
	return params, true
}

// overwrite reports whether ?overwrite=true was given.
func overwrite(r *http.Request) bool { return r.URL.Query().Get("overwrite") == "true" }

// queryInt reads an integer query parameter, def when absent or invalid.
func queryInt(r *http.Request, name string, def int) int {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil {
		return def
	}
	return v
}

// listRange reads ?skip and ?limit (default 30, at most 200, 0 = 200).
func listRange(r *http.Request) (skip, limit int) {
	skip = max(queryInt(r, "skip", 0), 0)
	limit = queryInt(r, "limit", 30)
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	return skip, limit
}

// page returns items[skip:skip+limit].
func page[T any](items []T, skip, limit int) []T {
	if skip >= len(items) {
		return []T{}
	}
	items = items[skip:]
	if len(items) > limit {
		items = items[:limit]
	}
	return items
}

// validName reports whether name is a valid simple entity name, the
// OpenWhisk rule: word characters, then word characters, '@', ' ', '.', '-'.
func validName(name string) bool {
	if name == "" || len(name) > 256 {
		return false
	}
	for i, c := range name {
		word := c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !word || !word && !strings.ContainsRune("@ .-", c) {
			return false
		}
	}
	return !strings.HasSuffix(name, " ")
}

// nowMS returns the time in epoch milliseconds.
func nowMS() int64 { return time.Now().UnixMilli() }

// bumpVersion returns v with its patch number incremented.
func bumpVersion(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return "0.0.1"
	}
	n, err := strconv.Atoi(parts[2])
	if err != nil {
		return "0.0.1"
	}
	return parts[0] + "." + parts[1] + "." + strconv.Itoa(n+1)
}

// splitFQN parses an entity name as clients write it: "/NS/PKG/NAME",
// "/NS/NAME", "NS/PKG/NAME", "PKG/NAME" or "NAME". It returns the namespace
// ("" when not given) and the name inside it ("PKG/NAME" or "NAME").
func splitFQN(s string) (ns, name string) {
	if strings.HasPrefix(s, "/") {
		ns, name, _ = strings.Cut(strings.TrimPrefix(s, "/"), "/")
		return ns, name
	}
	if parts := strings.Split(s, "/"); len(parts) == 3 {
		return parts[0], parts[1] + "/" + parts[2]
	}
	return "", s
}

// serveList answers a request on a collection: GET gets a page of list()
// (?skip, ?limit), or with ?count=true, as OpenWhisk answers it, the
// number of entities past skip as {"<collection>": N}; any other method
// is 405.
func serveList[T any](w http.ResponseWriter, r *http.Request, collection string, list func() []T) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	skip, limit := listRange(r)
	if wantCount(r) {
		writeCount(w, collection, len(list())-skip)
		return
	}
	writeJSON(w, http.StatusOK, page(list(), skip, limit))
}

// wantCount reports whether a listing asks for its count (?count=true).
func wantCount(r *http.Request) bool { return r.URL.Query().Get("count") == "true" }

// writeCount answers a count=true listing: {"<collection>": n}, n at
// least 0.
func writeCount(w http.ResponseWriter, collection string, n int) {
	writeJSON(w, http.StatusOK, map[string]int{collection: max(n, 0)})
}

// serveEntity answers GET on one entity: view, called under the read lock,
// returns it as the API shows it, or false when there is none (404).
func serveEntity[T any](s *Server, w http.ResponseWriter, view func() (T, bool)) {
	s.mu.RLock()
	out, ok := view()
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

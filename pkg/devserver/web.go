package devserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// webExtensions are the response types a web action URL may end with.
var webExtensions = []string{".json", ".http", ".html", ".text", ".svg"}

// webPath is a parsed /api/v1/web/NS/PKG/ACTION[.EXT][/PATH] URL.
type webPath struct {
	ns, action, ext, rest string
}

// parseWebPath parses the part after /api/v1/web/. PKG "default" means no
// package; NS/ACTION is read as NS/default/ACTION.
func parseWebPath(p string) (webPath, bool) {
	parts := strings.SplitN(p, "/", 4)
	var wp webPath
	switch len(parts) {
	case 2:
		wp.ns, wp.action = parts[0], parts[1]
	case 3, 4:
		wp.ns, wp.action = parts[0], parts[2]
		if parts[1] != "default" {
			wp.action = parts[1] + "/" + parts[2]
		}
		if len(parts) == 4 {
			wp.rest = "/" + parts[3]
		}
	default:
		return wp, false
	}
	// NS/ACTION.EXT/PROJECTION: an action outside any package, written
	// without "default", followed by a projection path.
	if len(parts) >= 3 && webExtension(parts[1]) != "" {
		wp.action = parts[1]
		wp.rest = "/" + strings.Join(parts[2:], "/")
	}
	wp.ext = ".http"
	if e := webExtension(wp.action); e != "" {
		wp.ext, wp.action = e, strings.TrimSuffix(wp.action, e)
	}
	return wp, wp.ns != "" && wp.action != ""
}

// webExtension returns the web extension name ends with, or "".
func webExtension(name string) string {
	for _, e := range webExtensions {
		if strings.HasSuffix(name, e) && len(name) > len(e) {
			return e
		}
	}
	return ""
}

// projection returns the path after the extension as field names, which
// the result is projected on for every extension but .http (OpenWhisk's
// web actions: /guest/default/hello.json/body answers the result's body
// field). Empty segments are dropped.
func (wp webPath) projection() []string {
	if wp.ext == ".http" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(wp.rest, "/") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// project returns the value at path inside raw, and false when a field on
// the way is missing or not inside an object.
func project(raw json.RawMessage, path []string) (json.RawMessage, bool) {
	for _, f := range path {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return nil, false
		}
		v, ok := obj[f]
		if !ok {
			return nil, false
		}
		raw = v
	}
	return raw, true
}

// serveWeb serves a web action.
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request, p string) {
	wp, ok := parseWebPath(p)
	if !ok || !s.ownNamespace(wp.ns) {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	t, ok := s.resolve(wp.action)
	if !ok || !t.action.Annotations.isTrue("web-export") {
		writeError(w, http.StatusNotFound, msgNotWebExported)
		return
	}
	if !t.action.Annotations.isTrue("web-custom-options") {
		setCORS(w, r)
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	authed, ok := s.webAuth(w, r, t.action.Annotations)
	if !ok {
		return
	}
	params, ok := s.webParams(w, r, t, wp, authed)
	if !ok {
		return
	}
	inv := invocation{id: newActivationID(), target: t, params: params, apiHost: s.apiHost(r)}
	done := s.activate(inv)
	w.Header().Set("X-Openwhisk-Activation-Id", inv.id)
	timer := time.NewTimer(s.opts.BlockingWait)
	defer timer.Stop()
	select {
	case rec := <-done:
		respondWeb(w, rec, wp.ext, wp.projection())
	case <-timer.C:
		writeJSON(w, http.StatusAccepted, map[string]any{"error": msgAcceptedNoReady, "code": http.StatusAccepted, "activationId": inv.id})
	case <-r.Context().Done():
	}
}

// setCORS adds the CORS headers OpenWhisk sends for web actions without
// web-custom-options.
func setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	} else {
		h.Set("Access-Control-Allow-Headers", "Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent")
	}
}

// webAuth applies require-whisk-auth: true requires the namespace key as
// Basic authentication, a string requires the X-Require-Whisk-Auth header
// to equal it. authed tells whether the caller gave the namespace key.
func (s *Server) webAuth(w http.ResponseWriter, r *http.Request, ann kvList) (authed, ok bool) {
	user, pass, hasBasic := r.BasicAuth()
	authed = hasBasic && s.keyMatches(user, pass)
	raw := bytes.TrimSpace(ann.get("require-whisk-auth"))
	if len(raw) == 0 || string(raw) == "false" {
		return authed, true
	}
	if string(raw) == "true" {
		if !authed {
			writeError(w, http.StatusUnauthorized, msgBadAuth)
			return false, false
		}
		return true, true
	}
	secret := string(raw)
	var str string
	if json.Unmarshal(raw, &str) == nil {
		secret = str
	}
	if got := r.Header.Get("X-Require-Whisk-Auth"); got == "" || got != secret {
		writeError(w, http.StatusUnauthorized, msgBadAuth)
		return false, false
	}
	return authed, true
}

// webParams builds a web action's parameters: the action's, then the
// query's, then the body's, plus the __ow_* fields.
func (s *Server) webParams(w http.ResponseWriter, r *http.Request, t *target, wp webPath, authed bool) (map[string]json.RawMessage, bool) {
	body, ok := readBody(w, r, int64(s.opts.MaxPayloadBytes))
	if !ok {
		return nil, false
	}
	params := map[string]json.RawMessage{}
	raw := t.action.Annotations.isTrue("raw-http")
	headers := map[string]string{}
	for k, v := range r.Header {
		// OpenWhisk passes every header, Authorization included (an API
		// served as a web action checks its own bearer tokens); only the
		// namespace key, when the caller gave it, is kept from the action.
		if !authed || !strings.EqualFold(k, "Authorization") {
			headers[strings.ToLower(k)] = strings.Join(v, ", ")
		}
	}
	if raw {
		params["__ow_query"] = jsonString(r.URL.RawQuery)
		if len(body) > 0 {
			params["__ow_body"] = jsonString(bodyString(body, r.Header.Get("Content-Type")))
		}
	} else {
		for k, v := range r.URL.Query() {
			params[k] = jsonString(v[len(v)-1])
		}
		if err := mergeBody(params, body, r.Header.Get("Content-Type")); err != nil {
			writeError(w, http.StatusBadRequest, msgMalformed+err.Error())
			return nil, false
		}
	}
	if t.action.Annotations.isTrue("final") {
		for _, kv := range t.params {
			if _, clash := params[kv.Key]; clash {
				writeError(w, http.StatusBadRequest, "Request defines parameters that are not allowed (e.g., reserved properties).")
				return nil, false
			}
		}
	}
	params["__ow_method"] = jsonString(strings.ToLower(r.Method))
	params["__ow_headers"] = mustJSON(headers)
	params["__ow_path"] = jsonString(wp.rest)
	if authed {
		params["__ow_user"] = jsonString(s.opts.Namespace)
	}
	return params, true
}

// mergeBody adds a request body to params: a JSON object's fields, a form's
// fields, or anything else as __ow_body (base64 when binary).
func mergeBody(params map[string]json.RawMessage, body []byte, contentType string) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			var any json.RawMessage
			if json.Unmarshal(body, &any) != nil {
				return fmt.Errorf("the body is not JSON: %w", err)
			}
			params["__ow_body"] = jsonString(string(body))
			return nil
		}
		for k, v := range obj {
			params[k] = v
		}
	case mt == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return fmt.Errorf("the form body is not valid: %w", err)
		}
		for k, v := range form {
			params[k] = jsonString(v[len(v)-1])
		}
	default:
		params["__ow_body"] = jsonString(bodyString(body, contentType))
	}
	return nil
}

// bodyString returns body as text, or base64 when it is binary.
func bodyString(body []byte, contentType string) string {
	if isTextType(contentType) && utf8.Valid(body) {
		return string(body)
	}
	return base64.StdEncoding.EncodeToString(body)
}

// isTextType reports whether a content type is textual.
func isTextType(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "" || strings.HasPrefix(mt, "text/") || strings.Contains(mt, "json") ||
		strings.Contains(mt, "xml") || strings.Contains(mt, "javascript") || mt == "application/x-www-form-urlencoded"
}

// respondWeb answers a web action request from its activation, projecting
// the result on proj (field names) first when it is not empty.
func respondWeb(w http.ResponseWriter, rec *record, ext string, proj []string) {
	resp := rec.act.Response
	raw := resp.Result
	status := http.StatusOK
	switch resp.StatusCode {
	case codeSuccess:
	case codeApplication:
		// As OpenWhisk: the error field is projected and handled as the
		// extension says, with 400 unless it sets its own status code.
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(raw, &obj)
		raw, status = obj["error"], http.StatusBadRequest
		if len(raw) == 0 {
			raw = jsonString("application error")
		}
	default:
		writeError(w, http.StatusBadGateway, "The action did not produce a valid response.")
		return
	}
	if len(proj) > 0 {
		v, ok := project(raw, proj)
		if !ok {
			writeError(w, http.StatusNotFound, fmt.Sprintf("The action result has no %s to project.", strings.Join(proj, "/")))
			return
		}
		raw = v
	}
	var result map[string]json.RawMessage
	_ = json.Unmarshal(raw, &result)
	switch ext {
	case ".json":
		if t := bytes.TrimSpace(raw); len(proj) > 0 && (len(t) == 0 || t[0] != '{' && t[0] != '[') {
			writeError(w, http.StatusBadRequest, "The action did not produce a valid JSON response.")
			return
		}
		if result == nil && status != http.StatusOK { // a plain error value
			writeJSON(w, status, map[string]any{"error": raw, "code": status})
			return
		}
		writeRaw(w, status, raw)
	case ".html", ".text", ".svg":
		field := strings.TrimPrefix(ext, ".")
		ctype := map[string]string{".html": "text/html; charset=UTF-8", ".text": "text/plain; charset=UTF-8", ".svg": "image/svg+xml"}[ext]
		value := result[field]
		if len(proj) > 0 {
			value = raw // the projection names the field
		}
		var s string
		if json.Unmarshal(value, &s) != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("The action did not produce a valid %s response.", strings.TrimPrefix(ext, ".")))
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(s))
	default:
		if result == nil && status != http.StatusOK {
			writeJSON(w, status, map[string]any{"error": raw, "code": status})
			return
		}
		respondHTTP(w, result, status)
	}
}

// respondHTTP answers from a .http result: headers, statusCode, body;
// defaultStatus applies when the result sets no status code.
func respondHTTP(w http.ResponseWriter, result map[string]json.RawMessage, defaultStatus int) {
	var headers map[string]any
	_ = json.Unmarshal(result["headers"], &headers)
	status := 0
	if json.Unmarshal(result["statusCode"], &status) != nil || status == 0 {
		_ = json.Unmarshal(result["code"], &status)
	}
	ctype := ""
	for k, v := range headers {
		val := fmt.Sprint(v)
		if s, ok := v.(string); ok {
			val = s
		}
		w.Header().Set(k, val)
		if strings.EqualFold(k, "Content-Type") {
			ctype = val
		}
	}
	bodyRaw := bytes.TrimSpace(result["body"])
	var out []byte
	switch {
	case len(bodyRaw) == 0 || string(bodyRaw) == "null":
	case bodyRaw[0] == '"':
		var s string
		_ = json.Unmarshal(bodyRaw, &s)
		out = []byte(s)
		if ctype == "" {
			ctype = "text/html; charset=UTF-8"
		} else if !isTextType(ctype) {
			if dec, err := base64.StdEncoding.DecodeString(s); err == nil {
				out = dec
			}
		}
	default:
		out = bodyRaw
		if ctype == "" {
			ctype = "application/json"
		}
	}
	if status == 0 {
		status = defaultStatus
		if status == http.StatusOK && len(out) == 0 {
			status = http.StatusNoContent
		}
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

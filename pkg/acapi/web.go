package acapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// WebResponse is the result of a raw HTTP web action, as OpenWhisk turns
// it into the HTTP answer.
type WebResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       json.RawMessage   `json:"body,omitempty"`
}

// webParams are the fields OpenWhisk gives a raw HTTP web action
// (web-export: raw, or `wsk action create --web raw`).
type webParams struct {
	Method  string            `json:"__ow_method"`
	Headers map[string]string `json:"__ow_headers"`
	Path    string            `json:"__ow_path"`
	Query   string            `json:"__ow_query"`
	Body    string            `json:"__ow_body"`
}

// IsWeb reports whether params are those of a web action activation.
func IsWeb(params json.RawMessage) bool {
	var p struct {
		Method *string `json:"__ow_method"`
	}
	return json.Unmarshal(params, &p) == nil && p.Method != nil
}

// ServeWeb serves one raw HTTP web action activation with h: it rebuilds
// the HTTP request from the __ow_ fields (the path after the action's URL
// is __ow_path; a body OpenWhisk base64-encoded is decoded) and returns
// h's answer as the action's result.
func ServeWeb(ctx context.Context, h http.Handler, params json.RawMessage) WebResponse {
	var p webParams
	if err := json.Unmarshal(params, &p); err != nil {
		return webError(http.StatusBadRequest, "the web action's parameters are not an object: "+err.Error())
	}
	path := p.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	body := []byte(p.Body)
	if p.Body != "" && !json.Valid(body) {
		// Raw web actions get a body base64-encoded unless it is text.
		if dec, err := base64.StdEncoding.DecodeString(p.Body); err == nil {
			body = dec
		}
	}
	req := httptest.NewRequestWithContext(ctx, strings.ToUpper(p.Method), "/", bytes.NewReader(body))
	// The path is taken as a path, never parsed as a reference: "//host/x"
	// names no host.
	req.URL = &url.URL{Path: path, RawQuery: p.Query}
	req.RequestURI = req.URL.RequestURI()
	req.Host = ""
	for k, v := range p.Headers {
		req.Header.Set(k, v)
	}
	if host := p.Headers["host"]; host != "" {
		req.Host = host
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := WebResponse{StatusCode: rec.Code, Headers: map[string]string{}}
	for k, v := range rec.Header() {
		out.Headers[k] = strings.Join(v, ", ")
	}
	if b := rec.Body.Bytes(); len(b) > 0 {
		if json.Valid(b) {
			out.Body = b
		} else {
			out.Body, _ = json.Marshal(string(b))
		}
	}
	return out
}

func webError(status int, msg string) WebResponse {
	return WebError(status, "", msg)
}

// WebError is an error answer of the API as a web action result, for a
// call that does not reach a [Handler] (a misconfigured action): status,
// {"ok": false, "requestId", "message"} and X-Request-Id, the request id
// made by [RequestID] from sentRequestID.
func WebError(status int, sentRequestID, msg string) WebResponse {
	id := RequestID(sentRequestID)
	b, _ := json.Marshal(Response{OK: false, RequestID: id, Message: msg})
	return WebResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json", "X-Request-Id": id}, Body: b}
}

// SentRequestID returns the x-request-id header of a web action
// activation's params ("" when none).
func SentRequestID(params json.RawMessage) string {
	var p webParams
	_ = json.Unmarshal(params, &p)
	for k, v := range p.Headers {
		if strings.EqualFold(k, "x-request-id") {
			return v
		}
	}
	return ""
}

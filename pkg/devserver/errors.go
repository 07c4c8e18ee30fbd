package devserver

import (
	"encoding/json"
	"net/http"
)

// Messages of the OpenWhisk controller, reused verbatim so that clients
// print what they print against a cluster.
const (
	msgNoAuth          = "The resource requires authentication, which was not supplied with the request."
	msgBadAuth         = "The supplied authentication is invalid."
	msgNotFound        = "The requested resource does not exist."
	msgConflict        = "resource already exists"
	msgMethod          = "The requested method is not allowed."
	msgTooLarge        = "The request content exceeds the maximum allowed size."
	msgMalformed       = "The request content was malformed:\n"
	msgNotWebExported  = "The requested resource does not exist."
	msgAcceptedNoReady = "Response not yet ready."
)

// errorBody is OpenWhisk's error response.
type errorBody struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
}

// writeJSON sends v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Error: "cannot encode the response: " + err.Error(), Code: status})
	}
	writeRaw(w, status, b)
}

// writeRaw sends b, which must be JSON, with status.
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError sends an OpenWhisk error response.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg, Code: status})
}

// methodNotAllowed answers 405 naming the methods the route supports.
func methodNotAllowed(w http.ResponseWriter, allowed string) {
	w.Header().Set("Allow", allowed)
	writeError(w, http.StatusMethodNotAllowed, msgMethod)
}

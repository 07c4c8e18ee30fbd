package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// logForwardingDefault is the destination the hosted runtime (Adobe I/O
// Runtime) answers for a namespace that forwards nowhere else: its own
// activation records, which is where acs serve keeps the logs.
const logForwardingDefault = "adobe_io_runtime"

// serveRuntimeAPI routes /runtime/namespaces/NS/..., the hosted runtime's
// management API beside OpenWhisk's; only logForwarding is served.
func (s *Server) serveRuntimeAPI(w http.ResponseWriter, r *http.Request, rest string) {
	ns, rest, _ := strings.Cut(rest, "/")
	if !s.ownNamespace(ns) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("The supplied authentication is not authorized to access '%s'.", ns))
		return
	}
	collection, sub, _ := strings.Cut(rest, "/")
	if collection != "logForwarding" {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	s.serveLogForwarding(w, r, sub)
}

// serveLogForwarding answers the log forwarding settings as the hosted
// runtime does by default ({"adobe_io_runtime": {}}), so that clients
// which check them first (aio runtime activation logs) read the logs from
// the activation records. Setting that same destination is accepted;
// another one is refused, since acs serve forwards logs nowhere.
func (s *Server) serveLogForwarding(w http.ResponseWriter, r *http.Request, sub string) {
	switch {
	case sub == "" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{logForwardingDefault: map[string]any{}})
	case sub == "errors" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"destination": logForwardingDefault, "errors": []string{}})
	case sub == "" && r.Method == http.MethodPut:
		var body map[string]json.RawMessage
		if !decodeBody(w, r, 64<<10, &body) {
			return
		}
		dests := make([]string, 0, len(body))
		for k := range body {
			dests = append(dests, k)
		}
		sort.Strings(dests)
		if len(dests) != 1 || dests[0] != logForwardingDefault {
			writeError(w, http.StatusBadRequest, fmt.Sprintf(
				"acs serve keeps logs in its activation records and forwards them nowhere: only {%q: {}} can be set, got %s",
				logForwardingDefault, strings.Join(dests, ", ")))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{logForwardingDefault: map[string]any{}})
	case sub == "" || sub == "errors":
		methodNotAllowed(w, "GET, PUT")
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}

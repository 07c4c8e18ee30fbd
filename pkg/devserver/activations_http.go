package devserver

import (
	"net/http"
	"strconv"
	"strings"
)

// activationSummary is an activation as listed without ?docs=true.
type activationSummary struct {
	Namespace    string `json:"namespace"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Subject      string `json:"subject"`
	ActivationID string `json:"activationId"`
	Start        int64  `json:"start"`
	End          int64  `json:"end"`
	Duration     int64  `json:"duration"`
	StatusCode   int    `json:"statusCode"`
	Annotations  kvList `json:"annotations"`
	Publish      bool   `json:"publish"`
	Cause        string `json:"cause,omitempty"`
}

// serveActivations serves /activations, /activations/ID, /ID/result and
// /ID/logs.
func (s *Server) serveActivations(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	if rest == "" {
		s.listActivations(w, r)
		return
	}
	id, part, _ := strings.Cut(rest, "/")
	rec, ok := s.store.get(id)
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	a := rec.snapshot()
	switch part {
	case "":
		writeJSON(w, http.StatusOK, a)
	case "result":
		writeJSON(w, http.StatusOK, a.Response)
	case "logs":
		writeJSON(w, http.StatusOK, map[string][]string{"logs": a.Logs})
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}

// listActivations answers GET /activations?name=&limit=&skip=&docs=&since=&upto=.
func (s *Server) listActivations(w http.ResponseWriter, r *http.Request) {
	skip, limit := listRange(r)
	q := r.URL.Query()
	since, _ := strconv.ParseInt(q.Get("since"), 10, 64)
	upto, _ := strconv.ParseInt(q.Get("upto"), 10, 64)
	if wantCount(r) {
		writeCount(w, "activations", s.store.count(listQuery{name: q.Get("name"), since: since, upto: upto})-skip)
		return
	}
	recs := s.store.list(listQuery{name: q.Get("name"), skip: skip, limit: limit, since: since, upto: upto})
	if q.Get("docs") == "true" {
		out := make([]Activation, 0, len(recs))
		for _, rec := range recs {
			out = append(out, rec.snapshot())
		}
		writeJSON(w, http.StatusOK, out)
		return
	}
	out := make([]activationSummary, 0, len(recs))
	for _, rec := range recs {
		a := rec.act
		out = append(out, activationSummary{Namespace: a.Namespace, Name: a.Name, Version: a.Version, Subject: a.Subject,
			ActivationID: a.ActivationID, Start: a.Start, End: a.End, Duration: a.Duration, StatusCode: a.StatusCode,
			Annotations: a.Annotations.orEmpty(), Publish: a.Publish, Cause: a.Cause})
	}
	writeJSON(w, http.StatusOK, out)
}

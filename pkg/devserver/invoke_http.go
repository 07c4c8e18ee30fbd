package devserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// postAction answers POST /actions/[PKG/]NAME?blocking=&result=.
func (s *Server) postAction(w http.ResponseWriter, r *http.Request, name string) {
	t, ok := s.resolve(name)
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	params, ok := decodeParams(w, r, s.opts.MaxPayloadBytes)
	if !ok {
		return
	}
	q := r.URL.Query()
	inv := invocation{id: newActivationID(), target: t, params: params, apiHost: s.apiHost(r)}
	done := s.activate(inv)
	if q.Get("blocking") != "true" {
		writeJSON(w, http.StatusAccepted, map[string]string{"activationId": inv.id})
		return
	}
	wait := s.opts.BlockingWait
	if ms, err := strconv.Atoi(q.Get("timeout")); err == nil && ms > 0 {
		wait = min(wait, time.Duration(ms)*time.Millisecond)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case rec := <-done:
		respondBlocking(w, rec, q.Get("result") == "true")
	case <-timer.C:
		writeJSON(w, http.StatusAccepted, map[string]string{"activationId": inv.id})
	case <-r.Context().Done():
	}
}

// respondBlocking answers a completed blocking invocation as OpenWhisk
// does: 200 on success, 502 for application and developer errors, 500 for
// internal errors; the result alone when resultOnly, else the record.
func respondBlocking(w http.ResponseWriter, rec *record, resultOnly bool) {
	resp := rec.act.Response
	status := http.StatusOK
	switch resp.StatusCode {
	case codeApplication, codeDeveloper:
		status = http.StatusBadGateway
	case codeInternal:
		status = http.StatusInternalServerError
	}
	if !resultOnly {
		writeJSON(w, status, rec.snapshot())
		return
	}
	result := resp.Result
	if len(result) == 0 {
		result = json.RawMessage("{}")
	}
	writeRaw(w, status, result)
}

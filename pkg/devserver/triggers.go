package devserver

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"
)

// triggerPut is the body of PUT /triggers/NAME.
type triggerPut struct {
	Parameters     kvList   `json:"parameters"`
	Annotations    kvList   `json:"annotations"`
	DelAnnotations []string `json:"delAnnotations"`
	Publish        *bool    `json:"publish"`
}

// serveTriggers serves /triggers and /triggers/NAME.
func (s *Server) serveTriggers(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" {
		serveList(w, r, "triggers", s.listTriggers)
		return
	}
	switch r.Method {
	case http.MethodGet:
		serveEntity(s, w, func() (Trigger, bool) {
			t, ok := s.triggers[name]
			if !ok {
				return Trigger{}, false
			}
			return s.triggerView(t), true
		})
	case http.MethodPut:
		s.putTrigger(w, r, name)
	case http.MethodPost:
		s.fireTrigger(w, r, name)
	case http.MethodDelete:
		s.mu.Lock()
		t, ok := s.triggers[name]
		var out Trigger
		if ok {
			out = s.triggerView(t)
			delete(s.triggers, name)
		}
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, msgNotFound)
			return
		}
		writeJSON(w, http.StatusOK, out)
	default:
		methodNotAllowed(w, "GET, PUT, POST, DELETE")
	}
}

// putTrigger creates or updates a trigger.
func (s *Server) putTrigger(w http.ResponseWriter, r *http.Request, name string) {
	if !validName(name) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The name %q is not a valid trigger name.", name))
		return
	}
	var body triggerPut
	if !decodeBody(w, r, s.opts.payloadLimit(), &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.triggers[name]
	if exists && !overwrite(r) {
		writeError(w, http.StatusConflict, msgConflict)
		return
	}
	t := &Trigger{Namespace: s.opts.Namespace, Name: name, Version: "0.0.1", Updated: nowMS(), Parameters: body.Parameters}
	if exists {
		*t = *old
		t.Version, t.Updated = bumpVersion(old.Version), nowMS()
		if body.Parameters != nil {
			t.Parameters = body.Parameters
		}
	}
	t.Annotations = t.Annotations.merge(body.Annotations).without(body.DelAnnotations)
	if body.Publish != nil {
		t.Publish = *body.Publish
	}
	s.triggers[name] = t
	writeJSON(w, http.StatusOK, s.triggerView(t))
}

// triggerView returns t with its rules. s.mu is held.
func (s *Server) triggerView(t *Trigger) Trigger {
	out := *t
	out.Parameters, out.Annotations = t.Parameters.orEmpty(), t.Annotations.orEmpty()
	out.Rules = map[string]ruleStatus{}
	for _, rl := range s.rules {
		if rl.Trigger.Name == t.Name {
			out.Rules[s.opts.Namespace+"/"+rl.Name] = ruleStatus{Status: rl.Status, Action: rl.Action}
		}
	}
	return out
}

// listTriggers returns every trigger by name.
func (s *Server) listTriggers() []Trigger {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Trigger, 0, len(s.triggers))
	for _, t := range s.triggers {
		v := *t
		v.Parameters, v.Annotations = nil, t.Annotations.orEmpty()
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ruleLog is a line of a trigger activation's log.
type ruleLog struct {
	StatusCode   int    `json:"statusCode"`
	Success      bool   `json:"success"`
	ActivationID string `json:"activationId,omitempty"`
	Rule         string `json:"rule"`
	Action       string `json:"action"`
	Error        string `json:"error,omitempty"`
}

// fireTrigger answers POST /triggers/NAME: it invokes the action of every
// active rule of the trigger, non-blocking, and records a trigger
// activation whose log lists them. It answers 202 with the trigger
// activation's id; with no active rule it answers 204 and records nothing,
// as OpenWhisk does.
func (s *Server) fireTrigger(w http.ResponseWriter, r *http.Request, name string) {
	params, ok := decodeParams(w, r, s.opts.MaxPayloadBytes)
	if !ok {
		return
	}
	s.mu.RLock()
	t, ok := s.triggers[name]
	var rules []Rule
	var trig Trigger
	active := false
	if ok {
		trig = *t
		for _, rl := range s.rules {
			if rl.Trigger.Name == name {
				rules = append(rules, *rl)
				active = active || rl.Status == statusActive
			}
		}
	}
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	if !active {
		w.WriteHeader(http.StatusNoContent) // as OpenWhisk: no activation
		return
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	merged := trig.Parameters.params()
	for k, v := range params {
		merged[k] = v
	}
	id := newActivationID()
	start := time.Now()
	var logs []string
	for _, rl := range rules {
		actionName := rl.Action.Namespace + "/" + rl.Action.Name
		entry := ruleLog{Rule: s.opts.Namespace + "/" + rl.Name, Action: actionName}
		if rl.Status != statusActive {
			entry.StatusCode = codeApplication
			entry.Error = fmt.Sprintf("Rule '%s' is inactive, action '%s' was not activated.", entry.Rule, actionName)
		} else if tgt, ok := s.resolve("/" + actionName); ok {
			inv := invocation{id: newActivationID(), target: tgt, params: merged, cause: id, apiHost: s.apiHost(r)}
			s.activate(inv)
			entry.Success, entry.ActivationID = true, inv.id
		} else {
			entry.StatusCode, entry.Error = http.StatusNotFound, "The requested resource does not exist."
		}
		logs = append(logs, string(mustJSON(entry)))
	}
	result, _ := json.Marshal(merged)
	rec := &record{act: Activation{
		Namespace: s.opts.Namespace, Name: name, Version: trig.Version, Subject: s.opts.Namespace,
		ActivationID: id, Start: start.UnixMilli(), Logs: logs,
		Annotations: kvList{{Key: annotationPath, Value: jsonString(s.opts.Namespace + "/" + name)}, {Key: annotationKind, Value: jsonString("trigger")}},
	}}
	finish(rec, newResponse(codeSuccess, result))
	s.store.put(rec)
	s.opts.Logger.Info("trigger fired", slog.String("activationId", id), slog.String("trigger", name), slog.Int("rules", len(rules)))
	writeJSON(w, http.StatusAccepted, map[string]string{"activationId": id})
}

package devserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// rulePut is the body of PUT /rules/NAME.
type rulePut struct {
	Trigger     json.RawMessage `json:"trigger"`
	Action      json.RawMessage `json:"action"`
	Status      string          `json:"status"`
	Annotations kvList          `json:"annotations"`
	Publish     *bool           `json:"publish"`
}

// serveRules serves /rules and /rules/NAME.
func (s *Server) serveRules(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" {
		serveList(w, r, "rules", s.listRules)
		return
	}
	switch r.Method {
	case http.MethodGet:
		serveEntity(s, w, func() (Rule, bool) {
			rl, ok := s.rules[name]
			if !ok {
				return Rule{}, false
			}
			return ruleView(rl), true
		})
	case http.MethodPut:
		s.putRule(w, r, name)
	case http.MethodPost:
		s.setRuleState(w, r, name)
	case http.MethodDelete:
		s.mu.Lock()
		rl, ok := s.rules[name]
		delete(s.rules, name)
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusNotFound, msgNotFound)
			return
		}
		writeJSON(w, http.StatusOK, ruleView(rl))
	default:
		methodNotAllowed(w, "GET, PUT, POST, DELETE")
	}
}

// entityName reads a rule's trigger or action: a string (possibly fully
// qualified) or an object {namespace, name}. It returns the name inside
// the namespace ("NAME" or "PKG/NAME").
func (s *Server) entityName(raw json.RawMessage) (string, bool) {
	var str string
	if json.Unmarshal(raw, &str) == nil {
		ns, name := splitFQN(str)
		return name, name != "" && (ns == "" || s.ownNamespace(ns))
	}
	var ref struct{ Namespace, Name string }
	if json.Unmarshal(raw, &ref) != nil || ref.Name == "" {
		return "", false
	}
	ns, pkg, _ := strings.Cut(ref.Namespace, "/")
	if ns != "" && !s.ownNamespace(ns) {
		return "", false
	}
	if pkg != "" {
		return pkg + "/" + ref.Name, true
	}
	return ref.Name, true
}

// putRule creates or updates a rule; a new rule is active.
func (s *Server) putRule(w http.ResponseWriter, r *http.Request, name string) {
	if !validName(name) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The name %q is not a valid rule name.", name))
		return
	}
	var body rulePut
	if !decodeBody(w, r, s.opts.payloadLimit(), &body) {
		return
	}
	trig, okT := s.entityName(body.Trigger)
	act, okA := s.entityName(body.Action)
	if !okT || !okA {
		writeError(w, http.StatusBadRequest, msgMalformed+"a rule needs a trigger and an action")
		return
	}
	if body.Status != "" && body.Status != statusActive && body.Status != statusInactive {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Rule status %q is not active or inactive.", body.Status))
		return
	}
	if _, ok := s.resolve(act); !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The action of the rule does not exist: %s.", act))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.triggers[trig]; !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The trigger of the rule does not exist: %s.", trig))
		return
	}
	old, exists := s.rules[name]
	if exists && !overwrite(r) {
		writeError(w, http.StatusConflict, msgConflict)
		return
	}
	rl := &Rule{Namespace: s.opts.Namespace, Name: name, Version: "0.0.1", Status: statusActive, Updated: nowMS()}
	if exists {
		*rl = *old
		rl.Version, rl.Updated = bumpVersion(old.Version), nowMS()
	}
	if body.Status != "" {
		rl.Status = body.Status
	}
	rl.Trigger = EntityRef{Namespace: s.opts.Namespace, Name: trig}
	actNS := s.opts.Namespace
	if pkg, base, ok := strings.Cut(act, "/"); ok {
		actNS, act = actNS+"/"+pkg, base
	}
	rl.Action = EntityRef{Namespace: actNS, Name: act}
	rl.Annotations = rl.Annotations.merge(body.Annotations)
	if body.Publish != nil {
		rl.Publish = *body.Publish
	}
	s.rules[name] = rl
	writeJSON(w, http.StatusOK, ruleView(rl))
}

// setRuleState answers POST /rules/NAME with {"status": "active"|"inactive"}
// in the body or ?status= in the query.
func (s *Server) setRuleState(w http.ResponseWriter, r *http.Request, name string) {
	var body struct {
		Status string `json:"status"`
	}
	if !decodeBody(w, r, s.opts.payloadLimit(), &body) {
		return
	}
	if st := r.URL.Query().Get("status"); st != "" {
		body.Status = st
	}
	if body.Status != statusActive && body.Status != statusInactive {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Rule status %q is not active or inactive.", body.Status))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rl, ok := s.rules[name]
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	rl.Status = body.Status
	writeJSON(w, http.StatusOK, ruleView(rl))
}

// ruleView returns a copy of rl for a response.
func ruleView(rl *Rule) Rule {
	out := *rl
	out.Annotations = rl.Annotations.orEmpty()
	return out
}

// listRules returns every rule by name.
func (s *Server) listRules() []Rule {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Rule, 0, len(s.rules))
	for _, rl := range s.rules {
		out = append(out, ruleView(rl))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

package devserver

import (
	"encoding/json"
	"strings"
)

// target is an action resolved for an invocation.
type target struct {
	key    string      // "PKG/NAME" or "NAME" of the action itself
	action Action      // a copy of the definition
	params kvList      // package (and binding) parameters, then the action's
	pool   *actionPool // nil for sequences and actions without code
}

// resolve finds the action a client names ("/NS/PKG/NAME", "PKG/NAME",
// "NAME", or through a package binding) and merges its parameters.
func (s *Server) resolve(fqn string) (*target, bool) {
	ns, name := splitFQN(fqn)
	if ns != "" && !s.ownNamespace(ns) {
		return nil, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.resolveLocked(name)
}

// resolveKey finds an action by its own key ("PKG/NAME" or "NAME").
func (s *Server) resolveKey(key string) (*target, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.resolveLocked(key)
}

// resolveLocked is resolve with s.mu held and the namespace removed.
func (s *Server) resolveLocked(name string) (*target, bool) {
	pkg, base, inPkg := strings.Cut(name, "/")
	var params kvList
	key := name
	if inPkg {
		p, ok := s.packages[pkg]
		if !ok {
			return nil, false
		}
		params = p.Parameters
		if p.isBinding() {
			bound, ok := s.packages[p.Binding.Name]
			if !ok {
				return nil, false
			}
			params = bound.Parameters.merge(p.Parameters)
			key = bound.Name + "/" + base
		}
	}
	a, ok := s.actions[key]
	if !ok {
		return nil, false
	}
	return &target{key: key, action: *a, params: params.merge(a.Parameters), pool: s.pools[key]}, true
}

// jsonString returns s as a JSON string.
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

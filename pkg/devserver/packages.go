package devserver

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// packagePut is the body of PUT /packages/NAME.
type packagePut struct {
	Publish        *bool    `json:"publish"`
	Parameters     kvList   `json:"parameters"`
	Annotations    kvList   `json:"annotations"`
	DelAnnotations []string `json:"delAnnotations"`
	Binding        *Binding `json:"binding"`
	Version        string   `json:"version"`
}

// servePackages serves /packages and /packages/NAME.
func (s *Server) servePackages(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" {
		serveList(w, r, "packages", s.listPackages)
		return
	}
	switch r.Method {
	case http.MethodGet:
		serveEntity(s, w, func() (Package, bool) {
			p, ok := s.packages[name]
			if !ok {
				return Package{}, false
			}
			return s.packageView(p), true
		})
	case http.MethodPut:
		s.putPackage(w, r, name)
	case http.MethodDelete:
		s.deletePackage(w, name)
	default:
		methodNotAllowed(w, "GET, PUT, DELETE")
	}
}

// putPackage creates or updates a package or a binding.
func (s *Server) putPackage(w http.ResponseWriter, r *http.Request, name string) {
	if !validName(name) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The name %q is not a valid package name.", name))
		return
	}
	var body packagePut
	if !decodeBody(w, r, s.opts.payloadLimit(), &body) {
		return
	}
	if body.Binding != nil && body.Binding.Name != "" {
		ns, bound := body.Binding.Namespace, body.Binding.Name
		if ns != "" && !s.ownNamespace(ns) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Binding references a package that does not exist: /%s/%s.", ns, bound))
			return
		}
		s.mu.RLock()
		target, ok := s.packages[bound]
		s.mu.RUnlock()
		if !ok || target.isBinding() {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Binding references a package that does not exist: %s.", bound))
			return
		}
		body.Binding.Namespace = s.opts.Namespace
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.packages[name]
	if exists && !overwrite(r) {
		writeError(w, http.StatusConflict, msgConflict)
		return
	}
	p := &Package{Namespace: s.opts.Namespace, Name: name, Version: "0.0.1", Updated: nowMS()}
	if exists {
		*p = *old
		p.Version, p.Updated = bumpVersion(old.Version), nowMS()
		p.Annotations = old.Annotations.merge(body.Annotations).without(body.DelAnnotations)
		if body.Parameters != nil {
			p.Parameters = body.Parameters
		}
	} else {
		p.Annotations, p.Parameters = body.Annotations, body.Parameters
	}
	if body.Publish != nil {
		p.Publish = *body.Publish
	}
	if body.Binding != nil && body.Binding.Name != "" {
		p.Binding = body.Binding
	}
	s.packages[name] = p
	writeJSON(w, http.StatusOK, s.packageView(p))
}

// deletePackage deletes an empty package or a binding.
func (s *Server) deletePackage(w http.ResponseWriter, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.packages[name]
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	if n := len(s.actionsIn(name)); n > 0 {
		writeError(w, http.StatusConflict, fmt.Sprintf("Package not empty (contains %d %s)", n, plural(n, "entity", "entities")))
		return
	}
	delete(s.packages, name)
	writeJSON(w, http.StatusOK, s.packageView(p))
}

// packageView returns p as GET shows it, with its actions. s.mu is held.
func (s *Server) packageView(p *Package) Package {
	out := *p
	out.Parameters, out.Annotations = p.Parameters.orEmpty(), p.Annotations.orEmpty()
	if out.Binding == nil {
		out.Binding = &Binding{}
	}
	out.Actions = nil
	for _, a := range s.actionsIn(p.Name) {
		out.Actions = append(out.Actions, EntityRef{Name: a.Name, Version: a.Version, Annotations: a.Annotations.orEmpty()})
	}
	return out
}

// actionsIn returns the actions of package pkg, by name. s.mu is held.
func (s *Server) actionsIn(pkg string) []*Action {
	var out []*Action
	for key, a := range s.actions {
		if p, _, ok := strings.Cut(key, "/"); ok && p == pkg {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// listPackages returns every package, by name, without their actions.
func (s *Server) listPackages() []Package {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Package, 0, len(s.packages))
	for _, p := range s.packages {
		v := *p
		v.Parameters, v.Annotations = nil, p.Annotations.orEmpty()
		if v.Binding == nil {
			v.Binding = &Binding{}
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// payloadLimit is MaxPayloadBytes as an int64.
func (o Options) payloadLimit() int64 { return int64(o.MaxPayloadBytes) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

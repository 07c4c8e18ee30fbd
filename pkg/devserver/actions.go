package devserver

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// limitsPut is the limits object of PUT /actions/NAME; absent fields keep
// their value.
type limitsPut struct {
	Timeout     *int `json:"timeout"`
	Memory      *int `json:"memory"`
	Logs        *int `json:"logs"`
	Concurrency *int `json:"concurrency"`
}

// actionPut is the body of PUT /actions/NAME.
type actionPut struct {
	Exec           *Exec      `json:"exec"`
	Parameters     kvList     `json:"parameters"`
	Annotations    kvList     `json:"annotations"`
	DelAnnotations []string   `json:"delAnnotations"`
	Limits         *limitsPut `json:"limits"`
	Publish        *bool      `json:"publish"`
}

// serveActions serves /actions, /actions/PKG/ and /actions/[PKG/]NAME.
func (s *Server) serveActions(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" || strings.HasSuffix(name, "/") {
		serveList(w, r, "actions", func() []Action { return s.listActions(strings.TrimSuffix(name, "/"), name != "") })
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.getAction(w, r, name)
	case http.MethodPut:
		s.putAction(w, r, name)
	case http.MethodPost:
		s.postAction(w, r, name)
	case http.MethodDelete:
		s.deleteAction(w, name)
	default:
		methodNotAllowed(w, "GET, PUT, POST, DELETE")
	}
}

// splitActionName splits "PKG/NAME" or "NAME"; ok is false for invalid names.
func splitActionName(name string) (pkg, base string, ok bool) {
	pkg, base, found := strings.Cut(name, "/")
	if !found {
		pkg, base = "", name
	}
	return pkg, base, validName(base) && (pkg == "" || validName(pkg))
}

// getAction answers GET /actions/[PKG/]NAME (?code=false drops the code).
func (s *Server) getAction(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.RLock()
	a, ok := s.actions[name]
	var out Action
	if ok {
		out = actionView(a, r.URL.Query().Get("code") != "false")
	}
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// actionView returns a copy of a for a response.
func actionView(a *Action, code bool) Action {
	out := *a
	out.Parameters, out.Annotations = a.Parameters.orEmpty(), a.Annotations.orEmpty()
	if !code {
		out.Exec.Code = ""
	}
	return out
}

// putAction creates or updates an action.
func (s *Server) putAction(w http.ResponseWriter, r *http.Request, name string) {
	pkg, base, ok := splitActionName(name)
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The name %q is not a valid action name.", name))
		return
	}
	var body actionPut
	if !decodeBody(w, r, s.opts.MaxRequestBytes, &body) {
		return
	}
	s.mu.RLock()
	p, pkgExists := s.packages[pkg]
	_, exists := s.actions[name]
	s.mu.RUnlock()
	if pkg != "" && (!pkgExists || p.isBinding()) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The package %q does not exist or is a binding.", pkg))
		return
	}
	if exists && !overwrite(r) {
		writeError(w, http.StatusConflict, msgConflict)
		return
	}
	if body.Exec == nil && !exists {
		writeError(w, http.StatusBadRequest, msgMalformed+"exec undefined")
		return
	}
	var pool *actionPool
	if body.Exec != nil {
		var status int
		var err error
		pool, status, err = s.prepareExec(body.Exec, name, body.Annotations)
		if err != nil {
			writeError(w, status, err.Error())
			return
		}
	}

	s.mu.Lock()
	old, exists := s.actions[name]
	if exists && !overwrite(r) {
		s.mu.Unlock()
		if pool != nil {
			pool.close()
		}
		writeError(w, http.StatusConflict, msgConflict)
		return
	}
	a := &Action{Namespace: s.opts.Namespace, Name: base, Version: "0.0.1", Updated: nowMS(),
		Limits: Limits{Timeout: DefaultTimeoutMS, Memory: defaultMemoryMB, Logs: defaultLogsMB, Concurrency: 1}}
	if pkg != "" {
		a.Namespace += "/" + pkg
	}
	if exists {
		*a = *old
		a.Version, a.Updated = bumpVersion(old.Version), nowMS()
		if body.Parameters != nil {
			a.Parameters = body.Parameters
		}
	} else {
		a.Parameters = body.Parameters
	}
	a.Annotations = a.Annotations.merge(body.Annotations).without(body.DelAnnotations)
	if body.Exec != nil {
		a.Exec = *body.Exec
		a.Exec.Binary = a.Exec.Binary || a.Exec.Code != "" && a.Exec.Kind != "sequence"
	}
	if err := applyLimits(&a.Limits, body.Limits); err != nil {
		s.mu.Unlock()
		if pool != nil {
			pool.close()
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if body.Publish != nil {
		a.Publish = *body.Publish
	}
	a.Annotations = a.Annotations.merge(kvList{{Key: "exec", Value: jsonString(execAnnotation(a.Exec.Kind))}})
	s.actions[name] = a
	var stale *actionPool
	if body.Exec != nil {
		stale = s.pools[name]
		if pool != nil {
			s.pools[name] = pool
		} else {
			delete(s.pools, name)
		}
	}
	out := actionView(a, false)
	s.mu.Unlock()
	if stale != nil {
		stale.close()
	}
	writeJSON(w, http.StatusOK, out)
}

// execAnnotation is the value of the "exec" annotation OpenWhisk adds.
func execAnnotation(kind string) string {
	if k, _, ok := strings.Cut(kind, ":"); ok {
		return k
	}
	return kind
}

// applyLimits sets the limits given in p, checking OpenWhisk's ranges.
func applyLimits(l *Limits, p *limitsPut) error {
	if p == nil {
		return nil
	}
	check := func(what string, v *int, lo, hi int, dst *int) error {
		if v == nil {
			return nil
		}
		if *v < lo || *v > hi {
			return fmt.Errorf("%s limit %d is outside the allowed range [%d, %d].", what, *v, lo, hi)
		}
		*dst = *v
		return nil
	}
	return errors.Join(
		check("Time", p.Timeout, 100, 300000, &l.Timeout),
		check("Memory", p.Memory, 128, 2048, &l.Memory),
		check("Logs", p.Logs, 0, 10, &l.Logs),
		check("Concurrency", p.Concurrency, 1, 500, &l.Concurrency),
	)
}

// prepareExec checks an exec and, for an action with code, unpacks it and
// returns its process pool. The status is for the error.
func (s *Server) prepareExec(e *Exec, name string, ann kvList) (*actionPool, int, error) {
	switch {
	case e.Kind == "sequence":
		if len(e.Components) == 0 {
			return nil, http.StatusBadRequest, errors.New(msgMalformed + "a sequence needs components")
		}
		if len(e.Components) > maxSequenceLength {
			return nil, http.StatusBadRequest, fmt.Errorf("Too many actions in the sequence (%d), the limit is %d.", len(e.Components), maxSequenceLength)
		}
		for _, c := range e.Components {
			if _, ok := s.resolve(c); !ok {
				return nil, http.StatusBadRequest, fmt.Errorf("Sequence component does not exist: %s.", c)
			}
		}
		return nil, 0, nil
	case strings.HasPrefix(e.Kind, "go:") || e.Kind == "blackbox":
	case e.Kind == "":
		return nil, http.StatusBadRequest, errors.New(msgMalformed + "exec.kind undefined")
	default:
		return nil, http.StatusBadRequest, fmt.Errorf("kind %q is not supported by acs serve: use go:* or blackbox with a zip holding exec", e.Kind)
	}
	if e.Code == "" {
		if e.Kind == "blackbox" && e.Image != "" {
			return nil, 0, nil // an image without code cannot run here; invocations fail
		}
		return nil, http.StatusBadRequest, errors.New(msgMalformed + "exec.code undefined")
	}
	code, err := base64.StdEncoding.DecodeString(e.Code)
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("%sexec.code is not a base64 zip: %v", msgMalformed, err)
	}
	dir, err := os.MkdirTemp(s.root, "action-")
	if err != nil {
		return nil, http.StatusInternalServerError, fmt.Errorf("cannot create the action directory: %w", err)
	}
	if err := unpackAction(code, dir, s.opts.MaxCodeBytes); err != nil {
		_ = os.RemoveAll(dir)
		return nil, http.StatusBadRequest, fmt.Errorf("%sthe action code is not a usable zip: %v", msgMalformed, err)
	}
	env := map[string]string{"__OW_NAMESPACE": s.opts.Namespace, "__OW_ACTION_NAME": "/" + s.opts.Namespace + "/" + name}
	for k, v := range s.opts.ActionEnv {
		env[k] = v
	}
	popts := owaction.ProcessOptions{AckTimeout: s.opts.AckTimeout, MaxResultBytes: int64(s.opts.MaxPayloadBytes)}
	return newActionPool(dir, env, s.opts.PoolSize, popts), 0, nil
}

// deleteAction deletes an action and stops its processes.
func (s *Server) deleteAction(w http.ResponseWriter, name string) {
	s.mu.Lock()
	a, ok := s.actions[name]
	pool := s.pools[name]
	delete(s.actions, name)
	delete(s.pools, name)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	if pool != nil {
		pool.close()
	}
	writeJSON(w, http.StatusOK, actionView(a, false))
}

// listActions returns actions by name, all or those of package pkg.
func (s *Server) listActions(pkg string, inPackage bool) []Action {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var list []*Action
	if inPackage {
		if p, ok := s.packages[pkg]; ok && p.isBinding() {
			pkg = p.Binding.Name
		}
		list = s.actionsIn(pkg)
	} else {
		for _, a := range s.actions {
			list = append(list, a)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Namespace != list[j].Namespace {
			return list[i].Namespace < list[j].Namespace
		}
		return list[i].Name < list[j].Name
	})
	out := make([]Action, 0, len(list))
	for _, a := range list {
		v := actionView(a, false)
		v.Parameters = nil
		v.Exec = Exec{Kind: a.Exec.Kind, Binary: a.Exec.Binary}
		out = append(out, v)
	}
	return out
}

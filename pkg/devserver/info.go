package devserver

import "net/http"

// goKinds are the Go runtime kinds the server accepts and advertises.
var goKinds = []string{"go:1.24", "go:1.23", "go:1.22", "go:1.21", "go:1.20", "go:1.25", "go:1.26"}

// runtimeImage is an image in the runtimes list.
type runtimeImage struct {
	Prefix string `json:"prefix"`
	Name   string `json:"name"`
	Tag    string `json:"tag"`
}

// runtimeInfo is one runtime kind in the runtimes list.
type runtimeInfo struct {
	Kind       string       `json:"kind,omitempty"`
	Default    bool         `json:"default"`
	Image      runtimeImage `json:"image"`
	Deprecated bool         `json:"deprecated"`
	Attached   *attached    `json:"attached,omitempty"`
}

type attached struct {
	AttachmentName string `json:"attachmentName"`
	AttachmentType string `json:"attachmentType"`
}

// serveInfo answers GET / and GET /api/v1, which wskdeploy reads to learn
// the runtime kinds.
func (s *Server) serveInfo(w http.ResponseWriter, _ *http.Request) {
	var gos []runtimeInfo
	for i, k := range goKinds {
		gos = append(gos, runtimeInfo{
			Kind: k, Default: i == 0,
			Image:    runtimeImage{Prefix: "openwhisk", Name: "action-golang-v" + k[len("go:"):], Tag: "nightly"},
			Attached: &attached{AttachmentName: "codefile", AttachmentType: "text/plain"},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"description": "acs serve: a local OpenWhisk-compatible controller",
		"api_paths":   []string{"/api/v1"},
		"build":       "acs-serve",
		"buildno":     "dev",
		"support":     map[string]string{"github": "https://github.com/apache/openwhisk/issues"},
		"runtimes": map[string][]runtimeInfo{
			"go":       gos,
			"blackbox": {{Image: runtimeImage{Prefix: "openwhisk", Name: "dockerskeleton", Tag: "nightly"}}},
		},
		"limits": map[string]any{
			"actions_per_minute":      0,
			"triggers_per_minute":     0,
			"concurrent_actions":      s.opts.PoolSize,
			"sequence_length":         maxSequenceLength,
			"max_action_duration":     300000,
			"default_action_duration": DefaultTimeoutMS,
			"max_param_size":          s.opts.MaxPayloadBytes,
		},
	})
}

// serveNamespaceSummary answers GET /namespaces/NS with the entities.
func (s *Server) serveNamespaceSummary(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name":     s.opts.Namespace,
		"packages": s.listPackages(),
		"actions":  s.listActions("", false),
		"triggers": s.listTriggers(),
		"rules":    s.listRules(),
	})
}

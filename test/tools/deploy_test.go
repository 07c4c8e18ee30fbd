package tools

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestManifestDeployBodies deploys manifest.yml with the real wskdeploy to a
// fake controller and checks the action bodies it sends: runtimes, the
// libvips image, limits and annotations.
func TestManifestDeployBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wskdeploy")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no Go toolchain to build wskdeploy")
	}
	tmp := t.TempDir()
	wskdeploy := filepath.Join(tmp, "wskdeploy")
	if out, err := exec.Command(goBin, "build", "-o", wskdeploy, "github.com/apache/openwhisk-wskdeploy").CombinedOutput(); err != nil {
		t.Skipf("cannot build wskdeploy with this toolchain: %v\n%s", err, out)
	}
	manifest, err := os.ReadFile("../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "project")
	if err := os.MkdirAll(filepath.Join(dir, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"thumbnail", "metadata", "fulltext", "office", "example-tagger", "process", "acapi", "storage-event"} {
		writeZip(t, filepath.Join(dir, "build", a+".zip"))
	}

	var mu sync.Mutex
	puts := map[string][]byte{}
	controller := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/" || r.URL.Path == "":
			_, _ = w.Write([]byte(runtimesJSON))
		case r.Method == http.MethodPut:
			mu.Lock()
			puts[r.URL.Path] = body
			mu.Unlock()
			_, _ = w.Write(body)
		case r.Method == http.MethodGet:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"The requested resource does not exist.","code":1}`))
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	defer controller.Close()

	cmd := exec.Command(wskdeploy, "-m", "manifest.yml",
		"--apihost", controller.URL, "--auth", "user:pass", "--namespace", "guest")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+tmp, "ACS_RUNTIME_IMAGE=example/acs-runtime:1", "ACS_OFFICE_RUNTIME_IMAGE=example/acs-office-runtime:1",
		`ACS_PROFILE_RENDITIONS=[{"fmt":"png","width":319}]`, "ACS_EVENTS_TRIGGER=acs-events",
		"ACS_S3_ENDPOINT=http://s3.example:7070", "ACS_S3_PATH_STYLE=true", "ACS_S3_ACCESS_KEY_ID=AKIDEPLOY", "ACS_S3_SECRET_ACCESS_KEY=deploysecret",
		"ACS_TAGGER_URL=https://tagger.example/v1/tags", "ACS_TAGGER_KEY=tagger-secret",
		"ACS_API_TOKENS=tok-a,tok-b", "ACS_JOURNAL_BUCKET=journals")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wskdeploy: %v\n%s", err, out)
	}

	type action struct {
		Exec struct {
			Kind   string `json:"kind"`
			Image  string `json:"image"`
			Binary bool   `json:"binary"`
		} `json:"exec"`
		Limits      map[string]int   `json:"limits"`
		Annotations []map[string]any `json:"annotations"`
		Parameters  []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"parameters"`
	}
	get := func(name string) action {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for path, body := range puts {
			if strings.HasSuffix(path, "/actions/asset-compute/"+name) {
				var a action
				if err := json.Unmarshal(body, &a); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return a
			}
		}
		t.Fatalf("no PUT for action %s; paths: %v", name, keys(puts))
		return action{}
	}
	for _, name := range []string{"thumbnail", "fulltext", "example-tagger"} {
		a := get(name)
		if a.Exec.Kind != "blackbox" || a.Exec.Image != "example/acs-runtime:1" {
			t.Errorf("%s: exec kind %q image %q, want blackbox on the libvips image", name, a.Exec.Kind, a.Exec.Image)
		}
	}
	if a := get("office"); a.Exec.Kind != "blackbox" || a.Exec.Image != "example/acs-office-runtime:1" {
		t.Errorf("office: exec kind %q image %q, want blackbox on the office image", a.Exec.Kind, a.Exec.Image)
	}
	for _, name := range []string{"process", "storage-event", "metadata", "acapi"} {
		if a := get(name); a.Exec.Kind != "go:1.24" {
			t.Errorf("%s: exec kind %q, want go:1.24", name, a.Exec.Kind)
		}
	}
	p := get("process")
	if p.Limits["timeout"] != 300000 || p.Limits["memory"] != 256 || p.Limits["logs"] != 10 {
		t.Errorf("process limits %v", p.Limits)
	}
	var cfg string
	for _, kv := range p.Parameters {
		if kv.Key == "acsConfig" {
			cfg = string(kv.Value)
		}
	}
	if !strings.Contains(cfg, `"actionPrefix":"asset-compute/"`) || !strings.Contains(cfg, `"eventsTrigger":"acs-events"`) {
		t.Errorf("process acsConfig parameter %s: want a JSON object with actionPrefix and the interpolated eventsTrigger", cfg)
	}
	if !strings.Contains(cfg, `"allowedWorkers":["asset-compute/example-tagger"]`) {
		t.Errorf("process acsConfig parameter %s: want the example tagger on the allow-list", cfg)
	}
	tagger := map[string]string{}
	for _, kv := range get("example-tagger").Parameters {
		var v string
		_ = json.Unmarshal(kv.Value, &v)
		tagger[kv.Key] = v
	}
	if tagger["taggerUrl"] != "https://tagger.example/v1/tags" || tagger["taggerKey"] != "tagger-secret" {
		t.Errorf("example-tagger parameters %v: want taggerUrl and taggerKey from $ACS_TAGGER_URL and $ACS_TAGGER_KEY", tagger)
	}
	if !hasAnnotation(p.Annotations, "provide-api-key") {
		t.Errorf("process annotations %v lack provide-api-key", p.Annotations)
	}
	if w := get("process-web"); !hasAnnotation(w.Annotations, "web-export") {
		t.Errorf("process-web annotations %v lack web-export", w.Annotations)
	}
	// acapi is a raw HTTP web action (so it reads __ow_headers, __ow_path
	// and __ow_body), final (web requests cannot override its inputs), and
	// starts the process action with the API key.
	ac := get("acapi")
	for _, a := range []string{"web-export", "raw-http", "final", "provide-api-key"} {
		if !hasAnnotation(ac.Annotations, a) {
			t.Errorf("acapi annotations %v lack %s: true", ac.Annotations, a)
		}
	}
	acParams := map[string]string{}
	for _, kv := range ac.Parameters {
		var v string
		_ = json.Unmarshal(kv.Value, &v)
		acParams[kv.Key] = v
	}
	for k, want := range map[string]string{"apiTokens": "tok-a,tok-b", "journalBucket": "journals", "journalPrefix": "", "publicUrl": ""} {
		if got, ok := acParams[k]; !ok || got != want {
			t.Errorf("acapi parameter %s = %q (present %v), want %q; all: %v", k, got, ok, want, acParams)
		}
	}
	// The storage settings are package parameters, so that OpenWhisk binds
	// them to every worker activation (see worker.Settings).
	var pkg action
	mu.Lock()
	for path, body := range puts {
		if strings.HasSuffix(path, "/packages/asset-compute") {
			if err := json.Unmarshal(body, &pkg); err != nil {
				t.Fatalf("package body: %v", err)
			}
		}
	}
	mu.Unlock()
	pkgParams := map[string]string{}
	for _, kv := range pkg.Parameters {
		var v string
		_ = json.Unmarshal(kv.Value, &v)
		pkgParams[kv.Key] = v
	}
	for k, want := range map[string]string{"s3Endpoint": "http://s3.example:7070", "s3ForcePathStyle": "true",
		"s3AccessKeyId": "AKIDEPLOY", "s3SecretAccessKey": "deploysecret", "s3Region": "", "allowHttp": ""} {
		if got, ok := pkgParams[k]; !ok || got != want {
			t.Errorf("package parameter %s = %q (present %v), want %q; all: %v", k, got, ok, want, pkgParams)
		}
	}
	for _, suffix := range []string{"/actions/asset-compute/on-upload", "/triggers/asset-uploaded", "/rules/on-asset-uploaded"} {
		found := false
		for path := range puts {
			found = found || strings.HasSuffix(path, suffix)
		}
		if !found {
			t.Errorf("no PUT ending in %s; paths: %v", suffix, keys(puts))
		}
	}
}

func hasAnnotation(as []map[string]any, key string) bool {
	for _, a := range as {
		if a["key"] == key && a["value"] == true {
			return true
		}
	}
	return false
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

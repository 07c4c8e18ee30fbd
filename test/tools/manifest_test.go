package tools

import (
	"archive/zip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v2"
)

// runtimesJSON is what an OpenWhisk controller answers on GET /: wskdeploy
// reads the supported runtime kinds from it to validate `runtime:`.
const runtimesJSON = `{"runtimes":{"go":[{"kind":"go:1.24","default":true,"image":{"prefix":"openwhisk","name":"action-golang-v1.24","tag":"nightly"},"deprecated":false,"attached":{"attachmentName":"codefile","attachmentType":"text/plain"}}],
"blackbox":[{"image":{"prefix":"openwhisk","name":"dockerskeleton","tag":"nightly"}}]}}`

// TestManifestPreview builds the real wskdeploy and checks that it parses
// manifest.yml and that its preview lists every action, the sequence, the
// trigger and the rule.
func TestManifestPreview(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wskdeploy")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no Go toolchain to build wskdeploy")
	}
	tmp := t.TempDir()
	wskdeploy := filepath.Join(tmp, "wskdeploy")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goBin, "build", "-o", wskdeploy, "github.com/apache/openwhisk-wskdeploy")
	if out, err := build.CombinedOutput(); err != nil {
		t.Skipf("cannot build wskdeploy with this toolchain: %v\n%s", err, out)
	}

	// A copy of the manifest next to placeholder zips, so the test needs
	// no built actions.
	manifest, err := os.ReadFile("../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	// `native: true` makes wskdeploy replace a `docker:` image with
	// openwhisk/dockerskeleton, which has no libvips.
	if regexp.MustCompile(`(?m)^\s+native:\s*true`).Match(manifest) {
		t.Error("manifest.yml sets native: true, which discards the libvips runtime image")
	}
	dir := filepath.Join(tmp, "project")
	actions := []string{"thumbnail", "metadata", "fulltext", "office", "example-tagger", "process", "acapi", "storage-event"}
	if err := os.MkdirAll(filepath.Join(dir, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		writeZip(t, filepath.Join(dir, "build", a+".zip"))
	}

	controller := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_, _ = w.Write([]byte(runtimesJSON))
	}))
	defer controller.Close()

	cmd := exec.CommandContext(ctx, wskdeploy, "-m", "manifest.yml", "--preview",
		"--apihost", controller.URL, "--auth", "user:pass", "--namespace", "guest")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+tmp,
		"ACS_RUNTIME_IMAGE=example/acs-runtime:1",
		`ACS_PROFILE_RENDITIONS=[{"fmt":"png","width":319}]`,
		"ACS_TARGET_TEMPLATE=renditions/{key}/{name}")
	out, err := cmd.CombinedOutput()
	t.Logf("wskdeploy --preview:\n%s", out)
	if err != nil {
		t.Fatalf("wskdeploy --preview: %v", err)
	}
	text := string(out)
	for _, want := range append(actions, "process-web", "on-upload", "asset-uploaded", "on-asset-uploaded", "asset-compute") {
		if !strings.Contains(text, want) {
			t.Errorf("preview does not list %q", want)
		}
	}
}

func writeZip(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{"exec": "#!/bin/sh\n", "exec.env": "openwhisk/action-golang-v1.24"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestManifestEntitiesHaveBodies checks that no entity of manifest.yml is
// an empty YAML entry (`name:` with nothing under it, which is null):
// wskdeploy accepts one, but `aio runtime deploy` (@adobe/aio-lib-runtime's
// processPackage) fails on it with "Cannot read properties of null".
func TestManifestEntitiesHaveBodies(t *testing.T) {
	b, err := os.ReadFile("../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Packages map[string]map[string]any `yaml:"packages"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) == 0 {
		t.Fatal("no packages in manifest.yml")
	}
	seen := 0
	for pkg, body := range m.Packages {
		for _, section := range []string{"actions", "sequences", "triggers", "rules", "apis", "dependencies"} {
			entries, _ := body[section].(map[any]any)
			if body[section] != nil && entries == nil {
				t.Errorf("package %s: %s is not a map", pkg, section)
			}
			for name, entry := range entries {
				seen++
				if e, ok := entry.(map[any]any); !ok || len(e) == 0 {
					t.Errorf("package %s: %s %v has no body (%v): give it one, e.g. an annotation", pkg, section, name, entry)
				}
			}
		}
	}
	if seen < 10 {
		t.Errorf("read only %d entities of manifest.yml", seen)
	}
}

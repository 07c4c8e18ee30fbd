package tools

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v2"
)

// Runtime lists of fake controllers: OpenWhisk's GET / answer.
const (
	// runtimesGo120to122 is a stock OpenWhisk of the go:1.20 era: no go:1.24.
	runtimesGo120to122 = `{"runtimes":{"go":[
 {"kind":"go:1.20","default":true,"image":{"prefix":"openwhisk","name":"action-golang-v1.20","tag":"nightly"},"deprecated":false,"attached":{"attachmentName":"codefile","attachmentType":"text/plain"}},
 {"kind":"go:1.21","default":false,"image":{"prefix":"openwhisk","name":"action-golang-v1.21","tag":"nightly"},"deprecated":false,"attached":{"attachmentName":"codefile","attachmentType":"text/plain"}},
 {"kind":"go:1.22","default":false,"image":{"prefix":"openwhisk","name":"action-golang-v1.22","tag":"nightly"},"deprecated":false,"attached":{"attachmentName":"codefile","attachmentType":"text/plain"}}],
"blackbox":[{"image":{"prefix":"openwhisk","name":"dockerskeleton","tag":"nightly"}}]}}`
	// runtimesNoGo is a cluster without a Go runtime.
	runtimesNoGo = `{"runtimes":{"nodejs":[{"kind":"nodejs:20","default":true,"image":{"prefix":"openwhisk","name":"action-nodejs-v20","tag":"nightly"},"deprecated":false}],
"blackbox":[{"image":{"prefix":"openwhisk","name":"dockerskeleton","tag":"nightly"}}]}}`
)

// staticActions run on the Go kind; blackboxActions on the runtime image
// (the office action too, when no office image is given).
var (
	staticActions   = []string{"metadata", "process", "process-web", "acapi", "storage-event"}
	blackboxActions = []string{"thumbnail", "fulltext", "office", "example-tagger"}
)

// deployTools builds the pinned wskdeploy and scripts/gokind into dir.
func deployTools(t *testing.T, ctx context.Context, dir string) (wskdeploy, gokind string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no Go toolchain")
	}
	wskdeploy, gokind = filepath.Join(dir, "wskdeploy"), filepath.Join(dir, "gokind")
	if out, err := exec.CommandContext(ctx, goBin, "build", "-o", wskdeploy, "github.com/apache/openwhisk-wskdeploy").CombinedOutput(); err != nil {
		t.Skipf("cannot build wskdeploy with this toolchain: %v\n%s", err, out)
	}
	build := exec.CommandContext(ctx, goBin, "build", "-o", gokind, "./scripts/gokind")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./scripts/gokind: %v\n%s", err, out)
	}
	return wskdeploy, gokind
}

// deployProject is a copy of the checkout's deployment files in a
// temporary folder (scripts/deploy.sh, manifest.yml, and stand-in zips in
// build/), so that the real script runs without building the actions and
// without touching the checkout's build/.
type deployProject struct {
	dir, home, wskdeploy, gokind string
}

func newDeployProject(t *testing.T, ctx context.Context) *deployProject {
	t.Helper()
	tmp := t.TempDir()
	p := &deployProject{dir: filepath.Join(tmp, "project"), home: filepath.Join(tmp, "home")}
	p.wskdeploy, p.gokind = deployTools(t, ctx, tmp)
	for _, d := range []string{p.home, filepath.Join(p.dir, "scripts"), filepath.Join(p.dir, "build")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"manifest.yml", "scripts/deploy.sh"} {
		b, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p.dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// zips writes the stand-in zip of every action manifest.yml names: exec
// (the given executable, or a placeholder), and exec.env goEnv for the
// actions on a Go kind and imageEnv for those on the runtime image.
func (p *deployProject) zips(t *testing.T, exe []byte, goEnv, imageEnv string) {
	t.Helper()
	if exe == nil {
		exe = []byte("#!/bin/sh\n")
	}
	b, err := os.ReadFile(filepath.Join(p.dir, "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Packages map[string]struct {
			Actions map[string]struct {
				Function, Runtime, Docker string
			}
		}
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, pkg := range m.Packages {
		for name, a := range pkg.Actions {
			env := imageEnv
			if strings.HasPrefix(a.Runtime, "go:") {
				env = goEnv
			} else if a.Docker == "" {
				t.Fatalf("action %s has neither a Go runtime nor a docker image", name)
			}
			writeActionZip(t, filepath.Join(p.dir, a.Function), map[string][]byte{"exec": exe, "exec.env": []byte(env), "mode": []byte("echo")})
			n++
		}
	}
	if n == 0 {
		t.Fatal("no actions in manifest.yml")
	}
}

// run runs scripts/deploy.sh with the given environment (added to a clean
// one: the tools, an empty HOME, the required inputs) and returns its
// combined output.
func (p *deployProject) run(ctx context.Context, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", append([]string{"scripts/deploy.sh"}, args...)...)
	cmd.Dir = p.dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + p.home, "WSKDEPLOY=" + p.wskdeploy, "GOKIND=" + p.gokind,
		"ACS_RUNTIME_IMAGE=example/acs-runtime:1", `ACS_PROFILE_RENDITIONS=[{"fmt":"png","width":319}]`}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeActionZip(t *testing.T, path string, files map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		if name == "exec" {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
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

// fakeController answers GET / with runtimes and records the bodies of
// the PUTs wskdeploy sends.
type fakeController struct {
	*httptest.Server
	mu   sync.Mutex
	puts map[string][]byte
}

func newFakeController(t *testing.T, runtimes string) *fakeController {
	c := &fakeController{puts: map[string][]byte{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.URL.Path == "/" || r.URL.Path == "":
			_, _ = w.Write([]byte(runtimes))
		case r.Method == http.MethodPut:
			c.mu.Lock()
			c.puts[r.URL.Path] = body
			c.mu.Unlock()
			_, _ = w.Write(body)
		case r.Method == http.MethodGet:
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"The requested resource does not exist.","code":1}`))
		default:
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *fakeController) env() []string {
	return []string{"WSK_APIHOST=" + c.URL, "WSK_AUTH=user:pass", "WSK_NAMESPACE=guest"}
}

func (c *fakeController) putCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.puts)
}

// action returns the exec of the action PUT for asset-compute/name, with
// the exec.env of its zip.
func (c *fakeController) action(t *testing.T, name string) (kind, image, execEnv string) {
	t.Helper()
	c.mu.Lock()
	body, ok := c.puts["/api/v1/namespaces/guest/actions/asset-compute/"+name]
	c.mu.Unlock()
	if !ok {
		t.Fatalf("no PUT for action %s", name)
	}
	var a struct {
		Exec struct {
			Kind  string `json:"kind"`
			Image string `json:"image"`
			Code  string `json:"code"`
		} `json:"exec"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	code, err := base64.StdEncoding.DecodeString(a.Exec.Code)
	if err != nil {
		t.Fatalf("%s: code: %v", name, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(code), int64(len(code)))
	if err != nil {
		t.Fatalf("%s: zip: %v", name, err)
	}
	f, err := zr.Open("exec.env")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	env, _ := io.ReadAll(f)
	_ = f.Close()
	return a.Exec.Kind, a.Exec.Image, string(env)
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// TestDeployScriptGoKind runs scripts/deploy.sh with the real wskdeploy
// against clusters that do not offer go:1.24, the kind manifest.yml names.
func TestDeployScriptGoKind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wskdeploy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	p := newDeployProject(t, ctx)
	const (
		env120 = "openwhisk/action-golang-v1.20"
		env122 = "openwhisk/action-golang-v1.22"
		env124 = "openwhisk/action-golang-v1.24"
	)

	t.Run("the manifest as is", func(t *testing.T) {
		// Why the script deploys a copy naming the kind: wskdeploy reads
		// runtime: literally and refuses a kind the cluster does not list.
		c := newFakeController(t, runtimesGo120to122)
		p.zips(t, nil, env124, env124)
		cmd := exec.CommandContext(ctx, p.wskdeploy, "-m", "manifest.yml", "--apihost", c.URL, "--auth", "user:pass", "--namespace", "guest")
		cmd.Dir = p.dir
		cmd.Env = append(os.Environ(), "HOME="+p.home, "ACS_RUNTIME_IMAGE=example/acs-runtime:1")
		out, _ := cmd.CombinedOutput()
		if !strings.Contains(string(out), "Invalid or missing runtime [go:1.24]") {
			t.Errorf("wskdeploy of manifest.yml on a cluster without go:1.24:\n%s", out)
		}
	})

	t.Run("ACS_GO_KIND offered", func(t *testing.T) {
		c := newFakeController(t, runtimesGo120to122)
		p.zips(t, nil, env122, env124)
		out, err := p.run(ctx, append(c.env(), "ACS_GO_KIND=go:1.22"), "--no-build")
		if err != nil {
			t.Fatalf("deploy.sh: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Go runtime kind go:1.22 (ACS_GO_KIND)") {
			t.Errorf("output does not say which kind:\n%s", out)
		}
		for _, a := range staticActions {
			if kind, _, env := c.action(t, a); kind != "go:1.22" || env != env122 {
				t.Errorf("%s: kind %q exec.env %q, want go:1.22 and %s", a, kind, env, env122)
			}
		}
		for _, a := range blackboxActions {
			if kind, image, env := c.action(t, a); kind != "blackbox" || image != "example/acs-runtime:1" || env != env124 {
				t.Errorf("%s: kind %q image %q exec.env %q, want blackbox on the runtime image with %s", a, kind, image, env, env124)
			}
		}
		b, err := os.ReadFile(filepath.Join(p.dir, "build", "deploy-manifest.yml"))
		if err != nil || regexp.MustCompile(`(?m)^\s+runtime: go:1.24`).Match(b) || strings.Count(string(b), "runtime: go:1.22") != len(staticActions) {
			t.Errorf("build/deploy-manifest.yml (%v):\n%s", err, b)
		}
	})

	t.Run("chosen from the cluster", func(t *testing.T) {
		c := newFakeController(t, runtimesGo120to122)
		p.zips(t, nil, env120, env124)
		out, err := p.run(ctx, c.env(), "--no-build")
		if err != nil {
			t.Fatalf("deploy.sh: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Go runtime kind go:1.20, the cluster's default") {
			t.Errorf("output does not say which kind and why:\n%s", out)
		}
		if kind, _, _ := c.action(t, "process"); kind != "go:1.20" {
			t.Errorf("process: kind %q, want the cluster's default go:1.20", kind)
		}
	})

	for _, tc := range []struct {
		name, runtimes string
		env            []string
		goEnv          string
		want           []string
	}{
		{name: "ACS_GO_KIND not offered", runtimes: runtimesGo120to122, env: []string{"ACS_GO_KIND=go:1.24"}, goEnv: env124,
			want: []string{"does not offer the Go runtime kind go:1.24 (ACS_GO_KIND); it offers go:1.22, go:1.21, go:1.20 (default)", "Set ACS_GO_KIND to one of them"}},
		{name: "no Go kind", runtimes: runtimesNoGo, goEnv: env124,
			want: []string{"offers no Go runtime kind (its runtimes: blackbox, nodejs)", "need a go:1.NN kind"}},
		{name: "zips built for another kind", runtimes: runtimesGo120to122, env: []string{"ACS_GO_KIND=go:1.21"}, goEnv: env122,
			want: []string{`build/metadata.zip has exec.env "openwhisk/action-golang-v1.22", but it runs on the Go kind go:1.21`, "rebuild it with ACS_GO_KIND=go:1.21 scripts/build-actions.sh"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeController(t, tc.runtimes)
			p.zips(t, nil, tc.goEnv, env124)
			out, err := p.run(ctx, append(c.env(), tc.env...), "--no-build")
			if err == nil {
				t.Fatalf("deploy.sh succeeded:\n%s", out)
			}
			for _, w := range append(tc.want, c.URL) {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if n := c.putCount(); n != 0 {
				t.Errorf("%d entities deployed; want none", n)
			}
		})
	}

	entities := []string{"asset-compute", "process-web", "on-upload", "asset-uploaded", "on-asset-uploaded", "thumbnail", "metadata"}
	t.Run("preview", func(t *testing.T) {
		c := newFakeController(t, runtimesGo120to122)
		p.zips(t, nil, env122, env124)
		out, err := p.run(ctx, append(c.env(), "ACS_GO_KIND=go:1.22"), "--preview", "--no-build")
		if err != nil {
			t.Fatalf("deploy.sh --preview: %v\n%s", err, out)
		}
		for _, e := range entities {
			if !strings.Contains(out, e) {
				t.Errorf("preview does not list %s:\n%s", e, out)
			}
		}
		if n := c.putCount(); n != 0 {
			t.Errorf("the preview deployed %d entities", n)
		}
	})
	t.Run("preview without a reachable API host", func(t *testing.T) {
		p.zips(t, nil, env124, env124)
		out, err := p.run(ctx, []string{"WSK_APIHOST=http://" + closedPort(t), "WSK_AUTH=user:pass"}, "--preview", "--no-build")
		if err != nil {
			t.Fatalf("deploy.sh --preview: %v\n%s", err, out)
		}
		for _, w := range append(entities, "cannot read the runtime kinds", "the Go kind cannot be checked without the cluster") {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
	})
	t.Run("preview without any API host", func(t *testing.T) {
		p.zips(t, nil, env124, env124)
		out, err := p.run(ctx, nil, "--preview", "--no-build")
		if err != nil || !strings.Contains(out, "previewing without a cluster") || !strings.Contains(out, "on-asset-uploaded") {
			t.Fatalf("deploy.sh --preview without credentials: %v\n%s", err, out)
		}
	})
	t.Run("deploy without a reachable API host", func(t *testing.T) {
		out, err := p.run(ctx, []string{"WSK_APIHOST=http://" + closedPort(t), "WSK_AUTH=user:pass"}, "--no-build")
		if err == nil || !strings.Contains(out, "connection refused") || !strings.Contains(out, "check WSK_APIHOST") {
			t.Fatalf("deploy.sh to a closed port: %v\n%s", err, out)
		}
	})
}

// TestBuildActionsExecEnv runs scripts/build-actions.sh on a module of two
// actions, one static and one using cgo in a package of the project's
// module path, and checks the exec.env of each zip.
func TestBuildActionsExecEnv(t *testing.T) {
	if testing.Short() {
		t.Skip("builds actions")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no Go toolchain")
	}
	if _, err := exec.LookPath("zip"); err != nil {
		t.Skip("no zip")
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                   "module github.com/assetcompute/assetcompute\n\ngo 1.22\n",
		"actions/plain/main.go":    "package main\n\nfunc main() {}\n",
		"actions/native/main.go":   "package main\n\nimport _ \"github.com/assetcompute/assetcompute/native\"\n\nfunc main() {}\n",
		"native/native.go":         "package native\n\n// int one(void) { return 1; }\nimport \"C\"\n\n// One calls C.\nfunc One() int { return int(C.one()) }\n",
		"scripts/build-actions.sh": "",
	}
	script, err := os.ReadFile("../../scripts/build-actions.sh")
	if err != nil {
		t.Fatal(err)
	}
	files["scripts/build-actions.sh"] = string(script)
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	build := func(env ...string) (string, error) {
		cmd := exec.Command("bash", "scripts/build-actions.sh")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(goBin)+string(os.PathListSeparator)+os.Getenv("PATH"), "GOFLAGS=-mod=mod")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	execEnv := func(action string) string {
		t.Helper()
		zr, err := zip.OpenReader(filepath.Join(dir, "build", action+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		f, err := zr.Open("exec.env")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		return string(b)
	}
	for _, tc := range []struct {
		env                []string
		wantPlain, wantNat string
	}{
		{nil, "openwhisk/action-golang-v1.24", "openwhisk/action-golang-v1.24"},
		{[]string{"ACS_GO_KIND=go:1.21"}, "openwhisk/action-golang-v1.21", "openwhisk/action-golang-v1.24"},
		{[]string{"ACS_GO_KIND=go:1.22", "ACS_RUNTIME_EXEC_ENV=openwhisk/action-golang-v1.23"}, "openwhisk/action-golang-v1.22", "openwhisk/action-golang-v1.23"},
		{[]string{"ACS_GO_KIND=go:1.22", "ACS_GO_EXEC_ENV=acme/go-runtime"}, "acme/go-runtime", "openwhisk/action-golang-v1.24"},
	} {
		out, err := build(tc.env...)
		if err != nil {
			t.Fatalf("build-actions.sh %v: %v\n%s", tc.env, err, out)
		}
		if got := execEnv("plain"); got != tc.wantPlain {
			t.Errorf("%v: static action exec.env %q, want %q", tc.env, got, tc.wantPlain)
		}
		if got := execEnv("native"); got != tc.wantNat {
			t.Errorf("%v: cgo action exec.env %q, want %q", tc.env, got, tc.wantNat)
		}
	}
	if out, err := build("ACS_GO_KIND=nodejs:20"); err == nil || !regexp.MustCompile(`ACS_GO_KIND=nodejs:20 is not a stock Go kind`).MatchString(out) {
		t.Errorf("a kind that is not Go: %v\n%s", err, out)
	}
}

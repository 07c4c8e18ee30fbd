package tools

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDeployToDevserver deploys manifest.yml with the real wskdeploy to
// `acs serve` (run as a subprocess, so that wskdeploy's older
// openwhisk-client-go stays out of the product's module graph), with
// stand-in zips of devserver's echo test action, then invokes an action,
// the sequence, the web action and the trigger through the server.
func TestDeployToDevserver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wskdeploy and acs")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no Go toolchain")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	wskdeploy := filepath.Join(tmp, "wskdeploy")
	if out, err := exec.CommandContext(ctx, goBin, "build", "-o", wskdeploy, "github.com/apache/openwhisk-wskdeploy").CombinedOutput(); err != nil {
		t.Skipf("cannot build wskdeploy with this toolchain: %v\n%s", err, out)
	}
	acs := filepath.Join(tmp, "acs")
	echo := filepath.Join(tmp, "echo")
	for _, b := range [][]string{{"-o", acs, "./cmd/acs"}, {"-o", echo, "./pkg/devserver/testdata/action"}} {
		cmd := exec.CommandContext(ctx, goBin, append([]string{"build"}, b...)...)
		cmd.Dir = "../.."
		if b[2] != "./cmd/acs" {
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[2], err, out)
		}
	}

	// The project: the real manifest next to stand-in zips.
	dir := filepath.Join(tmp, "project")
	if err := os.MkdirAll(filepath.Join(dir, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile("../../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	// Every zip the manifest names gets the stand-in.
	for _, m := range regexp.MustCompile(`(?m)^\s*function:\s*(build/\S+\.zip)\s*$`).FindAllStringSubmatch(string(manifest), -1) {
		writeEchoZip(t, filepath.Join(dir, m[1]), echo)
	}

	// acs serve on a free port, with a wskprops file.
	props := filepath.Join(tmp, "wskprops")
	const key = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP"
	serve := exec.CommandContext(ctx, acs, "serve", "--addr", "127.0.0.1:0", "--auth", key, "--wskprops", props)
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	serve.Stderr = &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = serve.Process.Signal(os.Interrupt)
		_ = serve.Wait()
		if t.Failed() {
			t.Logf("acs serve log:\n%s", logs.String())
		}
	}()
	apiHost := ""
	sc := bufio.NewScanner(stdout)
	for apiHost == "" && sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "APIHOST="); ok {
			apiHost = v
		}
	}
	if apiHost == "" {
		t.Fatalf("acs serve printed no APIHOST; log:\n%s", logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	// wskdeploy reads the wskprops file through WSK_CONFIG_FILE.
	deploy := exec.CommandContext(ctx, wskdeploy, "-m", "manifest.yml")
	deploy.Dir = dir
	deploy.Env = append(os.Environ(), "HOME="+tmp, "WSK_CONFIG_FILE="+props, "ACS_RUNTIME_IMAGE=example/acs-runtime:1",
		`ACS_PROFILE_RENDITIONS=[{"fmt":"png","width":319}]`, "ACS_S3_ENDPOINT=http://s3.example:7070")
	if out, err := deploy.CombinedOutput(); err != nil {
		t.Fatalf("wskdeploy: %v\n%s", err, out)
	}

	call := func(method, path, body string, auth bool) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, apiHost+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if auth {
			u, p, _ := strings.Cut(key, ":")
			req.SetBasicAuth(u, p)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	params := func(m map[string]any) map[string]any {
		p, _ := m["params"].(map[string]any)
		return p
	}

	// A worker action gets the package inputs bound by the manifest.
	status, res := call("POST", "/api/v1/namespaces/guest/actions/asset-compute/metadata?blocking=true&result=true", `{"x":1}`, true)
	if status != http.StatusOK || params(res)["s3Endpoint"] != "http://s3.example:7070" || params(res)["x"] != float64(1) {
		t.Fatalf("invoke metadata: %d %v", status, res)
	}
	// process has provide-api-key: it can call back.
	status, res = call("POST", "/api/v1/namespaces/guest/actions/asset-compute/process?blocking=true&result=true", `{}`, true)
	env, _ := res["env"].(map[string]any)
	if status != http.StatusOK || env["__OW_API_HOST"] != apiHost || env["__OW_API_KEY"] != key {
		t.Fatalf("invoke process: %d %v", status, res)
	}
	// The sequence: storage-event's result feeds process.
	status, res = call("POST", "/api/v1/namespaces/guest/actions/asset-compute/on-upload?blocking=true&result=true", `{"key":"a.jpg"}`, true)
	inner, _ := params(res)["params"].(map[string]any)
	if status != http.StatusOK || inner["key"] != "a.jpg" {
		t.Fatalf("invoke sequence: %d %v", status, res)
	}
	// The web action requires the namespace key.
	if status, _ := call("POST", "/api/v1/web/guest/asset-compute/process-web.json", `{}`, false); status != http.StatusUnauthorized {
		t.Fatalf("web action without auth: %d", status)
	}
	if status, res := call("POST", "/api/v1/web/guest/asset-compute/process-web.json", `{"w":1}`, true); status != http.StatusOK || params(res)["__ow_method"] != "post" {
		t.Fatalf("web action: %d %v", status, res)
	}
	// The trigger fires the rule's sequence.
	status, res = call("POST", "/api/v1/namespaces/guest/triggers/asset-uploaded", `{"key":"b.jpg"}`, true)
	if status != http.StatusAccepted || res["activationId"] == nil {
		t.Fatalf("fire: %d %v", status, res)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", apiHost+"/api/v1/namespaces/guest/activations?name=asset-compute/on-upload&docs=true", nil)
		u, p, _ := strings.Cut(key, ":")
		req.SetBasicAuth(u, p)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var acts []struct {
			Cause    string `json:"cause"`
			Response struct {
				Success bool `json:"success"`
			} `json:"response"`
		}
		err = json.NewDecoder(resp.Body).Decode(&acts)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) > 0 && acts[0].Cause == fmt.Sprint(res["activationId"]) && acts[0].Response.Success {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no successful on-upload activation caused by the trigger: %+v", acts)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// wskdeploy undeploy removes everything again.
	undeploy := exec.CommandContext(ctx, wskdeploy, "undeploy", "-m", "manifest.yml")
	undeploy.Dir = dir
	undeploy.Env = deploy.Env
	if out, err := undeploy.CombinedOutput(); err != nil {
		t.Fatalf("wskdeploy undeploy: %v\n%s", err, out)
	}
	for _, path := range []string{"packages/asset-compute", "actions/asset-compute/process", "triggers/asset-uploaded", "rules/on-asset-uploaded"} {
		if status, res := call("GET", "/api/v1/namespaces/guest/"+path, "", true); status != http.StatusNotFound {
			t.Errorf("after undeploy, GET %s: %d %v", path, status, res)
		}
	}
}

// writeEchoZip writes an action zip holding the echo test action as exec.
func writeEchoZip(t *testing.T, path, exe string) {
	t.Helper()
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range []struct {
		name string
		mode os.FileMode
		data []byte
	}{{"exec", 0o755, data}, {"exec.env", 0o644, []byte("openwhisk/action-golang-v1.24")}, {"mode", 0o644, []byte("echo")}} {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
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

package tools

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDeployToDevserver deploys manifest.yml with scripts/deploy.sh and the
// real wskdeploy to `acs serve` (run as a subprocess, so that wskdeploy's
// older openwhisk-client-go stays out of the product's module graph), on the
// Go kind go:1.21, with stand-in zips of devserver's echo test action, then
// invokes an action, the sequence, the web action and the trigger through
// the server, and undeploys with the script.
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
	// The project: the real manifest and scripts/deploy.sh next to
	// stand-in zips of the echo action, for the Go kind go:1.21 (not the
	// manifest's go:1.24; acs serve lists both).
	p := newDeployProject(t, ctx)
	tmp := t.TempDir()
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
	echoExe, err := os.ReadFile(echo)
	if err != nil {
		t.Fatal(err)
	}
	p.zips(t, echoExe, "openwhisk/action-golang-v1.21", "openwhisk/action-golang-v1.24")

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

	// scripts/deploy.sh, and wskdeploy, read the wskprops file through
	// WSK_CONFIG_FILE.
	deployEnv := []string{"WSK_CONFIG_FILE=" + props, "ACS_GO_KIND=go:1.21", "ACS_S3_ENDPOINT=http://s3.example:7070"}
	if out, err := p.run(ctx, deployEnv, "--no-build"); err != nil {
		t.Fatalf("deploy.sh: %v\n%s", err, out)
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

	// The Go actions run on the kind asked for.
	for _, a := range staticActions {
		status, res := call("GET", "/api/v1/namespaces/guest/actions/asset-compute/"+a+"?code=false", "", true)
		if ex, _ := res["exec"].(map[string]any); status != http.StatusOK || ex["kind"] != "go:1.21" {
			t.Errorf("action %s: %d exec %v, want kind go:1.21", a, status, res["exec"])
		}
	}

	// scripts/deploy.sh undeploy removes everything again.
	if out, err := p.run(ctx, deployEnv, "undeploy"); err != nil {
		t.Fatalf("deploy.sh undeploy: %v\n%s", err, out)
	}
	for _, path := range []string{"packages/asset-compute", "actions/asset-compute/process", "triggers/asset-uploaded", "rules/on-asset-uploaded"} {
		if status, res := call("GET", "/api/v1/namespaces/guest/"+path, "", true); status != http.StatusNotFound {
			t.Errorf("after undeploy, GET %s: %d %v", path, status, res)
		}
	}
}

package devserver

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryClientCall makes every call of the pinned openwhisk JS client and
// every command of @adobe/aio-cli-plugin-runtime against the server
// (test/compat/calls.js) and checks each outcome against the list below,
// which docs/hosted-compat.md reproduces: a call that starts or stops
// working shows here first.
func TestEveryClientCall(t *testing.T) {
	node, dir := needCompatClient(t, "@adobe/aio-cli-plugin-runtime")
	ts := newTestServer(t, Options{})
	manifest, err := filepath.Abs(filepath.Join("..", "..", "manifest.yml"))
	require.NoError(t, err)
	home := t.TempDir()
	props := filepath.Join(home, "wskprops")
	require.NoError(t, WriteWskprops(props, ts.url, ts.Auth(), ts.Namespace()))

	zipFile := filepath.Join(home, "echo.zip.b64")
	require.NoError(t, os.WriteFile(zipFile, []byte(actionZip(t, "echo")), 0o600))
	cmd := exec.CommandContext(t.Context(), node, "calls.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "APIHOST="+ts.url, "AUTH="+ts.Auth(), "WSK_CONFIG_FILE="+props,
		"HOME="+home, "XDG_CONFIG_HOME="+home, "MANIFEST="+manifest, "TMPDIR="+home,
		"ACTION_ZIP="+zipFile, "AIO_RUNTIME_APIHOST="+ts.url, "AIO_RUNTIME_AUTH="+ts.Auth(), "AIO_RUNTIME_NAMESPACE="+ts.Namespace())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "calls.js failed: %s", out)

	type outcome struct{ status, detail string }
	got := map[string]outcome{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "CALL ")
		if !ok {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		require.Len(t, f, 4, line)
		// The manifest's path depends on the checkout: it is named
		// manifest.yml in the expected outcomes.
		key := strings.ReplaceAll(f[0]+" "+f[1], manifest, "manifest.yml")
		got[key] = outcome{f[2], f[3]}
		order = append(order, key)
	}
	for _, k := range order {
		t.Logf("%-70s %-5s %s", k, got[k].status, got[k].detail)
	}
	for call, want := range expectedClientCalls {
		g, ok := got[call]
		if !assert.True(t, ok, "%s was not made", call) {
			continue
		}
		assert.Equal(t, want.status, g.status, "%s: %s", call, g.detail)
		if want.detail != "" {
			assert.Contains(t, g.detail, want.detail, call)
		}
	}
	for _, k := range order {
		_, ok := expectedClientCalls[k]
		assert.True(t, ok, "%s has no expected outcome", k)
	}
}

// expectedClientCalls is the outcome of each call of calls.js: ok, or the
// error a client shows, with a part of its result or message. Feeds need a
// feed provider's action in /whisk.system and routes OpenWhisk's API
// gateway (/whisk.system/apimgmt), neither of which acs serve has.
var expectedClientCalls = map[string]struct{ status, detail string }{
	"openwhisk actions.create":                      {"ok", ""},
	"openwhisk actions.create (sequence)":           {"ok", ""},
	"openwhisk actions.update":                      {"ok", ""},
	"openwhisk actions.get":                         {"ok", ""},
	"openwhisk actions.get ({code: false})":         {"ok", ""},
	"openwhisk actions.list":                        {"ok", ""},
	"openwhisk actions.list ({count: true})":        {"ok", ""},
	"openwhisk actions.invoke (non-blocking)":       {"ok", "activationId"},
	"openwhisk actions.invoke ({blocking})":         {"ok", "success"},
	"openwhisk actions.invoke ({blocking, result})": {"ok", ""},
	"openwhisk actions.invoke (sequence)":           {"ok", ""},
	"openwhisk activations.list":                    {"ok", ""},
	"openwhisk activations.list ({count: true})":    {"ok", ""},
	"openwhisk activations.get":                     {"ok", ""},
	"openwhisk activations.logs":                    {"ok", ""},
	"openwhisk activations.result":                  {"ok", ""},
	"openwhisk namespaces.list":                     {"ok", "guest"},
	"openwhisk namespaces.get":                      {"ok", ""},
	"openwhisk packages.create":                     {"ok", ""},
	"openwhisk packages.update":                     {"ok", ""},
	"openwhisk packages.get":                        {"ok", ""},
	"openwhisk packages.list":                       {"ok", ""},
	"openwhisk packages.list ({count: true})":       {"ok", ""},
	"openwhisk packages.create (binding)":           {"ok", "sweep-pkg"},
	"openwhisk triggers.create":                     {"ok", ""},
	"openwhisk triggers.update":                     {"ok", ""},
	"openwhisk triggers.get":                        {"ok", ""},
	"openwhisk triggers.list":                       {"ok", ""},
	"openwhisk triggers.list ({count: true})":       {"ok", ""},
	"openwhisk rules.create":                        {"ok", ""},
	"openwhisk rules.update":                        {"ok", ""},
	"openwhisk rules.get":                           {"ok", ""},
	"openwhisk rules.list":                          {"ok", ""},
	"openwhisk rules.list ({count: true})":          {"ok", ""},
	"openwhisk rules.disable":                       {"ok", "inactive"},
	"openwhisk rules.enable":                        {"ok", "active"},
	"openwhisk triggers.invoke (fire)":              {"ok", "activationId"},
	"openwhisk feeds.create":                        {"error", "HTTP 403"},
	"openwhisk feeds.get":                           {"error", "HTTP 403"},
	"openwhisk feeds.update":                        {"error", "HTTP 403"},
	"openwhisk feeds.delete":                        {"error", "HTTP 403"},
	"openwhisk routes.create":                       {"error", "HTTP 404"},
	"openwhisk routes.list":                         {"error", "HTTP 404"},
	"openwhisk routes.get":                          {"error", "HTTP 404"},
	"openwhisk routes.delete":                       {"error", "HTTP 404"},
	"openwhisk rules.delete":                        {"ok", ""},
	"openwhisk triggers.delete":                     {"ok", ""},
	"openwhisk packages.delete (binding)":           {"ok", ""},
	"openwhisk packages.delete":                     {"ok", ""},
	"openwhisk actions.delete":                      {"ok", ""},
	"aio aio runtime action create aio-echo echo.zip --kind go:1.24 --use-runtime-auth": {"ok", ""},
	"aio aio runtime action update aio-echo --param p 1 --use-runtime-auth":             {"ok", ""},
	"aio aio runtime action get aio-echo":                                               {"ok", "go:1.24"},
	"aio aio runtime action list":                                                       {"ok", ""},
	"aio aio runtime action invoke aio-echo --param a 1 --result":                       {"ok", "/guest/aio-echo"},
	"aio aio runtime activation list --limit 1":                                         {"ok", ""},
	"aio aio runtime activation get --last":                                             {"ok", ""},
	"aio aio runtime activation result --last":                                          {"ok", ""},
	"aio aio runtime activation logs --last":                                            {"ok", ""},
	"aio aio runtime package create aio-pkg":                                            {"ok", ""},
	"aio aio runtime package update aio-pkg --param k v":                                {"ok", ""},
	"aio aio runtime package get aio-pkg":                                               {"ok", ""},
	"aio aio runtime package list":                                                      {"ok", ""},
	"aio aio runtime package bind aio-pkg aio-bound":                                    {"ok", ""},
	"aio aio runtime trigger create aio-trigger --use-runtime-auth":                     {"ok", ""},
	"aio aio runtime trigger update aio-trigger --param t 1 --use-runtime-auth":         {"ok", ""},
	"aio aio runtime trigger get aio-trigger":                                           {"ok", ""},
	"aio aio runtime trigger list":                                                      {"ok", ""},
	"aio aio runtime rule create aio-rule aio-trigger aio-echo --use-runtime-auth":      {"ok", ""},
	"aio aio runtime rule update aio-rule aio-trigger aio-echo --use-runtime-auth":      {"ok", ""},
	"aio aio runtime rule get aio-rule":                                                 {"ok", ""},
	"aio aio runtime rule list":                                                         {"ok", ""},
	"aio aio runtime rule disable aio-rule --use-runtime-auth":                          {"ok", "inactive"},
	"aio aio runtime rule enable aio-rule --use-runtime-auth":                           {"ok", ""},
	"aio aio runtime rule status aio-rule":                                              {"ok", "active"},
	"aio aio runtime trigger fire aio-trigger --param f 1":                              {"ok", "activationId"},
	"aio aio runtime namespace get":                                                     {"ok", ""},
	"aio aio runtime namespace list":                                                    {"ok", ""},
	"aio aio runtime namespace log-forwarding get":                                      {"ok", "adobe_io_runtime"},
	"aio aio runtime namespace log-forwarding errors":                                   {"ok", ""},
	"aio aio runtime namespace log-forwarding set adobe-io-runtime":                     {"ok", ""},
	"aio aio runtime api create /sweep /hello get aio-echo --use-runtime-auth":          {"error", "404 Not Found"},
	"aio aio runtime api list":                                                          {"error", "404 Not Found"},
	"aio aio runtime api get /sweep":                                                    {"error", "404 Not Found"},
	"aio aio runtime api delete /sweep --use-runtime-auth":                              {"error", "404 Not Found"},
	"aio aio runtime property get":                                                      {"ok", ""},
	"aio aio runtime deploy version":                                                    {"ok", ""},
	"aio aio runtime deploy report --manifest manifest.yml":                             {"ok", ""},
	"aio aio runtime rule delete aio-rule --use-runtime-auth":                           {"ok", ""},
	"aio aio runtime trigger delete aio-trigger --use-runtime-auth":                     {"ok", ""},
	"aio aio runtime package delete aio-bound":                                          {"ok", ""},
	"aio aio runtime package delete aio-pkg":                                            {"ok", ""},
	"aio aio runtime action delete aio-echo --use-runtime-auth":                         {"ok", ""},
}

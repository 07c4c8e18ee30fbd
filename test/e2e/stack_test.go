package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/openwhisk-client-go/whisk"
)

// Deployment constants: the namespace key of acs serve and the profile the
// storage-event action applies to every upload.
const (
	namespace  = "guest"
	authUUID   = "23bc46b1-71f6-4ed5-8c54-816aa4f8c502"
	authKey    = "e2eKeyP4ssw0rd-e2eKeyP4ssw0rd-e2eKeyP4ssw0rd-e2eKeyP4ssw0rd-0123"
	trigger    = "asset-uploaded"
	processFQN = "asset-compute/process"
)

// renditionSpec is one rendition of the profile, and what the test expects
// of it per source type.
type renditionSpec struct {
	Name string
	JSON string // the instruction, as in ACS_PROFILE_RENDITIONS
}

var profile = []renditionSpec{
	{"thumb-319.png", `{"fmt":"png","width":319,"height":319,"name":"thumb-319.png"}`},
	{"thumb-140.jpg", `{"fmt":"jpg","width":140,"height":100,"quality":85,"name":"thumb-140.jpg"}`},
	{"metadata.xmp", `{"fmt":"xmp","name":"metadata.xmp"}`},
	{"metadata.json", `{"fmt":"machine-metadata-json","name":"metadata.json"}`},
	{"text.txt", `{"fmt":"text","name":"text.txt"}`},
}

func profileJSON() string {
	parts := make([]string, len(profile))
	for i, r := range profile {
		parts[i] = r.JSON
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// targetTemplate is ACS_TARGET_TEMPLATE; renditionPrefix its literal start,
// which storage-event uses as its loop guard.
const (
	targetTemplate  = "renditions/{key}/{name}"
	renditionPrefix = "renditions/"
)

// stack is everything the test runs: the event receiver, acs serve with the
// deployed manifest, versitygw notifying the trigger, and clients.
type stack struct {
	recv   *receiver
	ims    *ims // issues and publishes the keys of the API's tokens
	acs    *proc
	apiURL string // http://127.0.0.1:PORT
	gw     *gateway
	ow     *whisk.Client
	timing map[string]time.Duration
}

// startStack brings everything up in the only order that works: the event
// receiver, acs serve, the deployment (which names the gateway's address,
// picked beforehand), then versitygw, whose start-up test event must reach
// a listening trigger URL.
func startStack(t *testing.T) *stack {
	t.Helper()
	return startStackWith(t, true)
}

// startStackWith is startStack, with versitygw's bucket notifications to
// the trigger only when notify is set (a benchmark that invokes process
// directly does not want an activation per rendition upload).
func startStackWith(t *testing.T, notify bool) *stack {
	t.Helper()
	// The tools skip the test when they could not be built; the product's
	// own binaries must be there.
	wskdeploy := tool(t, "wskdeploy")
	tool(t, "versitygw")
	acsBin := filepath.Join(binDir(), "acs")
	if _, err := os.Stat(acsBin); err != nil {
		t.Fatalf("%s is missing: run `make e2e`, which builds it", acsBin)
	}
	for _, a := range []string{"process", "storage-event", "thumbnail", "metadata", "fulltext"} {
		if _, err := os.Stat(filepath.Join(repoRoot, "build", a+".zip")); err != nil {
			t.Fatalf("build/%s.zip is missing: run `make e2e` (scripts/build-actions.sh)", a)
		}
	}
	s := &stack{timing: map[string]time.Duration{}}
	s.recv = startReceiver(t)
	s.ims = startIMS(t)

	start := time.Now()
	addr := freeAddr(t)
	s.apiURL = "http://" + addr
	wskprops := filepath.Join(t.TempDir(), "wskprops")
	s.acs = startProc(t, "acs-serve", nil, acsBin, append([]string{"serve",
		"--addr", addr, "--auth", authUUID + ":" + authKey, "--namespace", namespace, "--wskprops", wskprops,
		// process only posts to https webhooks: let it trust the receiver.
		"--action-env", "SSL_CERT_FILE=" + s.recv.caFile},
		// The Asset Compute API checks its tokens against the IMS stand-in.
		s.ims.oidcFlags()...)...)
	if err := waitFor(context.Background(), 30*time.Second, 50*time.Millisecond, func() error {
		if done, err := s.acs.exited(); done {
			return fmt.Errorf("acs serve exited: %v", err)
		}
		return httpGetStatus(s.apiURL+"/api/v1", http.StatusOK)
	}); err != nil {
		t.Fatalf("acs serve did not come up: %v\n%s", err, tail(s.acs.logPath, 30))
	}
	s.timing["start acs serve"] = time.Since(start)

	var err error
	s.ow, err = newWhiskClient(s.apiURL)
	if err != nil {
		t.Fatal(err)
	}

	// The gateway's address is part of the deployment (s3Endpoint), so it
	// is chosen now and the gateway started after the deployment.
	gwAddr := freeAddr(t)
	start = time.Now()
	s.deploy(t, wskdeploy, "http://"+gwAddr)
	s.timing["deploy (wskdeploy)"] = time.Since(start)

	// Only object-created events fire the trigger (as docs/deploy.md
	// advises; without a filter file versitygw sends every event).
	filter := filepath.Join(t.TempDir(), "event-filter.json")
	if err := os.WriteFile(filter, []byte(`{"s3:ObjectCreated:*": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	hook := ""
	if notify {
		hook = s.triggerURL()
	}
	s.gw = startVersitygwAt(t, gwAddr, hook, "--event-filter", filter)
	s.timing["start versitygw"] = time.Since(start)
	return s
}

// triggerURL is the fire URL of the trigger with the namespace key as URL
// credentials: versitygw has no setting for an Authorization header, but it
// posts with Go's http.Client, which sends URL credentials as Basic auth.
func (s *stack) triggerURL() string {
	u, _ := url.Parse(s.apiURL + "/api/v1/namespaces/" + namespace + "/triggers/" + trigger)
	u.User = url.UserPassword(authUUID, authKey)
	return u.String()
}

// deploy runs the real wskdeploy on manifest.yml against acs serve, with
// the deployment inputs as ACS_* variables. It runs on a copy of the
// manifest next to a link to build/, so nothing is written in the tree.
func (s *stack) deploy(t *testing.T, wskdeploy, s3Endpoint string) {
	t.Helper()
	dir := t.TempDir()
	manifest, err := os.ReadFile(filepath.Join(repoRoot, "manifest.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.yml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repoRoot, "build"), filepath.Join(dir, "build")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(wskdeploy, "-m", "manifest.yml",
		"--apihost", s.apiURL, "--auth", authUUID+":"+authKey, "--namespace", namespace)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+dir, "WSK_CONFIG_FILE="+filepath.Join(dir, "no-wskprops"),
		"ACS_RUNTIME_IMAGE=assetcompute/acs-runtime:e2e",
		"ACS_OFFICE_RUNTIME_IMAGE=assetcompute/acs-office-runtime:e2e",
		"ACS_S3_ENDPOINT="+s3Endpoint,
		"ACS_S3_REGION="+s3Region,
		"ACS_S3_PATH_STYLE=true",
		"ACS_S3_ACCESS_KEY_ID="+s3Access,
		"ACS_S3_SECRET_ACCESS_KEY="+s3Secret,
		// Development settings: the gateway is plain http on 127.0.0.1,
		// and so are the presigned URLs of the direct invocation.
		"ACS_ALLOW_HTTP=true",
		"ACS_ALLOW_PRIVATE_NETWORKS=true",
		"ACS_PROFILE_RENDITIONS="+profileJSON(),
		"ACS_TARGET_TEMPLATE="+targetTemplate,
		"ACS_TARGET_BUCKET=",
		"ACS_KEY_PREFIX=",
		"ACS_KEY_SUFFIX=",
		"ACS_EVENTS_TRIGGER=",
		"ACS_WEBHOOK_URL="+s.recv.URL(),
		"ACS_WEBHOOK_SECRET="+webhookSecret,
	)
	out, err := cmd.CombinedOutput()
	logPath := filepath.Join(logDir(t), "wskdeploy.log")
	_ = os.WriteFile(logPath, out, 0o644)
	if err != nil {
		t.Fatalf("wskdeploy: %v\n%s\n--- acs serve ---\n%s", err, out, tail(s.acs.logPath, 30))
	}
	// What the deployment made, as the controller sees it.
	acts, _, err := s.ow.Actions.List("", &whisk.ActionListOptions{Limit: 100})
	if err != nil {
		t.Fatalf("list actions after deploy: %v", err)
	}
	var names []string
	for _, a := range acts {
		names = append(names, strings.TrimPrefix(a.Namespace, namespace+"/")+"/"+a.Name)
	}
	t.Logf("deployed actions: %v", names)
	for _, want := range []string{"asset-compute/process", "asset-compute/storage-event", "asset-compute/thumbnail",
		"asset-compute/metadata", "asset-compute/fulltext", "asset-compute/on-upload"} {
		if !contains(names, want) {
			t.Fatalf("wskdeploy did not create %s (actions: %v)\n%s", want, names, out)
		}
	}
	if _, _, err := s.ow.Triggers.Get(trigger); err != nil {
		t.Fatalf("wskdeploy did not create trigger %s: %v", trigger, err)
	}
	if r, _, err := s.ow.Rules.Get("on-asset-uploaded"); err != nil {
		t.Fatalf("wskdeploy did not create rule on-asset-uploaded: %v", err)
	} else if r.Status != "" && r.Status != "active" {
		t.Fatalf("rule on-asset-uploaded is %q, want active", r.Status)
	}
}

// newWhiskClient returns an openwhisk-client-go client for acs serve, with
// a timeout longer than a blocking invocation.
func newWhiskClient(apiURL string) (*whisk.Client, error) {
	base, err := whisk.GetUrlBase(apiURL)
	if err != nil {
		return nil, err
	}
	return whisk.NewClient(&http.Client{Timeout: 5 * time.Minute}, &whisk.Config{
		Host: apiURL, BaseURL: base, AuthToken: authUUID + ":" + authKey, Namespace: namespace,
	})
}

// startVersitygwAt is startVersitygw on a given address, with extra
// gateway flags.
func startVersitygwAt(t testing.TB, addr, webhookURL string, extra ...string) *gateway {
	t.Helper()
	bin := tool(t, "versitygw")
	dir := t.TempDir()
	args := []string{
		"--access", s3Access, "--secret", s3Secret, "--region", s3Region,
		"--port", addr, "--quiet",
	}
	if webhookURL != "" {
		args = append(args, "--event-webhook-url", webhookURL)
	}
	args = append(args, extra...)
	// The root keys may also come from ROOT_ACCESS_KEY_ID and
	// ROOT_SECRET_ACCESS_KEY; the posix backend stores object metadata in
	// user xattrs of the directory's filesystem (ext4, xfs, tmpfs >= 6.6).
	args = append(args, "posix", dir)
	p := startProc(t, "versitygw", nil, bin, args...)
	waitListening(t, p, addr, 30*time.Second)
	return &gateway{Endpoint: "http://" + addr, Dir: dir, proc: p}
}

// activations lists the activation records that started at or after since
// (newest first, as OpenWhisk lists them).
func (s *stack) activations(t testing.TB, since time.Time) []whisk.Activation {
	t.Helper()
	acts, _, err := s.ow.Activations.List(&whisk.ActivationListOptions{Limit: 200, Docs: true, Since: since.UnixMilli()})
	s.ow.Namespace = namespace // Activations.* overwrite the client's namespace
	if err != nil {
		t.Logf("list activations: %v", err)
		return nil
	}
	return acts
}

// allActivations lists every activation record acs serve keeps, page by
// page.
func (s *stack) allActivations(t testing.TB) []whisk.Activation {
	t.Helper()
	var all []whisk.Activation
	for skip := 0; ; skip += 100 {
		page, _, err := s.ow.Activations.List(&whisk.ActivationListOptions{Limit: 100, Skip: skip, Docs: true})
		s.ow.Namespace = namespace
		if err != nil {
			t.Errorf("list activations: %v", err)
			return all
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// resultJSON re-encodes an activation result for decoding into a struct.
func resultJSON(r whisk.Result) []byte {
	b, _ := json.Marshal(r)
	return b
}

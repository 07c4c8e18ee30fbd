package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// acClientDir is where the pinned npm clients are installed (npm ci, which
// scripts/install-deps.sh runs) and the script driving the Asset Compute
// client is.
var acClientDir = filepath.Join(repoRoot, "test", "compat")

// needACClient returns node when the pinned @adobe/asset-compute-client is
// installed in test/compat. Otherwise the client step is left out (""),
// or with E2E_REQUIRED set the test fails at once.
func needACClient(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(acClientDir, "node_modules", "@adobe", "asset-compute-client", "package.json"))
	}
	if err != nil {
		msg := fmt.Sprintf("the Asset Compute client step needs node and the pinned npm clients (npm ci in test/compat; scripts/install-deps.sh does): %v", err)
		if os.Getenv("E2E_REQUIRED") != "" {
			t.Fatalf("%s, and E2E_REQUIRED is set", msg)
		}
		t.Log("SKIPPING the client step: " + msg)
		return ""
	}
	return node
}

// acRendition is a rendition asked of the API and how to check it.
type acRendition struct {
	instr  map[string]any
	check  func(data []byte) (string, error)
	hosted []string // hosted field names sent, echoed in the event's instructions
}

// assetComputeClient drives the Asset Compute HTTP API of acs serve with
// the real @adobe/asset-compute-client (test/compat/e2e-client.js): a
// token from the IMS stand-in, register, the photo and the PDF processed
// at once with several renditions each (presigned GET source, presigned
// PUT targets; the hosted names wid, hei, qlt, type), every event read
// through the client's journal emitter, unregister. Each event is checked
// against its request, and each rendition in the gateway (format,
// dimensions, text, metadata). It returns how many renditions were
// checked.
func (s *stack) assetComputeClient(ctx context.Context, t *testing.T, c *s3.Client, node string, photo, pdf *asset) int {
	t.Helper()
	if node == "" {
		return 0
	}
	ps := s3.NewPresignClient(c)
	presign := func(get bool, key string) string {
		t.Helper()
		var u string
		var err error
		if get {
			r, e := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(15*time.Minute))
			err = e
			if e == nil {
				u = r.URL
			}
		} else {
			r, e := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(15*time.Minute))
			err = e
			if e == nil {
				u = r.URL
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	img := func(format string, w, h int, portrait bool) func([]byte) (string, error) {
		return func(data []byte) (string, error) { return checkImage(data, format, w, h, portrait) }
	}
	plan := map[*asset][]acRendition{
		photo: {
			{map[string]any{"name": "ac-64.png", "fmt": "png", "wid": 64, "hei": 64}, img("png", 64, 64, true), []string{"wid", "hei"}},
			{map[string]any{"name": "ac-200.jpg", "fmt": "jpg", "wid": 200, "hei": 150, "qlt": 70}, img("jpeg", 200, 150, true), []string{"wid", "hei", "qlt"}},
			{map[string]any{"name": "ac-100w.jpg", "type": "image/jpeg", "wid": 100}, img("jpeg", 100, 1<<20, true), []string{"type", "wid"}},
			{map[string]any{"name": "ac-meta.json", "fmt": "machine-metadata-json"}, func(d []byte) (string, error) {
				return fmt.Sprintf("json %d bytes", len(d)), checkMetadataJSON(d, photo.MetaKeys)
			}, nil},
		},
		pdf: {
			{map[string]any{"name": "ac-160.png", "fmt": "png", "wid": 160, "hei": 160}, img("png", 160, 160, pdf.Portrait), []string{"wid", "hei"}},
			{map[string]any{"name": "ac-300.jpg", "fmt": "jpg", "wid": 300, "hei": 300, "qlt": 80}, img("jpeg", 300, 300, pdf.Portrait), []string{"wid", "hei", "qlt"}},
			{map[string]any{"name": "ac-text.txt", "fmt": "text"}, func(d []byte) (string, error) {
				return fmt.Sprintf("text %d bytes", len(d)), checkText(d, pdf.Phrases)
			}, nil},
			{map[string]any{"name": "ac-meta.xmp", "fmt": "xmp"}, func(d []byte) (string, error) {
				return fmt.Sprintf("xmp %d bytes", len(d)), checkXMP(d, pdf.ContentType)
			}, nil},
		},
	}
	type job struct {
		Label      string           `json:"label"`
		Source     map[string]any   `json:"source"`
		Renditions []map[string]any `json:"renditions"`
		UserData   map[string]any   `json:"userData"`
	}
	var jobs []job
	dest := map[string]*asset{} // label -> where its renditions go
	for _, a := range []*asset{photo, pdf} {
		d := &asset{Label: "ac-" + a.Label, Key: "api/" + a.Key}
		dest[d.Label] = d
		j := job{Label: d.Label, Source: map[string]any{"url": presign(true, a.Key), "name": path.Base(a.Key)}, UserData: map[string]any{"phase": "asset-compute-client", "asset": a.Label}}
		for _, r := range plan[a] {
			instr := map[string]any{}
			for k, v := range r.instr {
				instr[k] = v
			}
			instr["target"] = presign(false, d.renditionKey(instr["name"].(string)))
			j.Renditions = append(j.Renditions, instr)
		}
		jobs = append(jobs, j)
	}
	jobsFile := filepath.Join(t.TempDir(), "jobs.json")
	b, _ := json.Marshal(jobs)
	if err := os.WriteFile(jobsFile, b, 0o600); err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, node, "e2e-client.js")
	cmd.Dir = acClientDir
	cmd.Env = append(os.Environ(), "ACS_URL="+s.apiURL, "ACS_IMS="+s.ims.URL, "ACS_ORG="+apiOrg,
		"ACS_CLIENT_ID="+apiClientID, "ACS_CLIENT_SECRET="+apiClientSecret, "ACS_JOBS="+jobsFile,
		"ACS_TIMEOUT_MS=120000", "HOME="+home, "TMPDIR="+home)
	out, err := cmd.CombinedOutput()
	var report []string
	type result struct {
		Label     string            `json:"label"`
		RequestID string            `json:"requestId"`
		Events    []json.RawMessage `json:"events"`
	}
	var results []result
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if js, ok := strings.CutPrefix(line, "EVENTS "); ok {
			var r result
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				t.Errorf("client: events line: %v", err)
			}
			results = append(results, r)
			continue
		}
		report = append(report, line)
	}
	t.Logf("asset compute client:\n%s", strings.Join(report, "\n"))
	if err != nil {
		t.Fatalf("the Asset Compute client failed against acs serve: %v\n%s", err, tail(s.acs.logPath, 30))
	}
	for _, call := range []string{"AssetComputeClient.register", "AssetCompute.register (tampered token)",
		"AssetCompute.register (token of another API key)", "AssetComputeClient.unregister"} {
		if !strings.Contains(string(out), "ok "+call) {
			t.Errorf("client: no %q", call)
		}
	}
	if len(results) != len(jobs) {
		t.Fatalf("client: events of %d jobs, want %d", len(results), len(jobs))
	}

	n, sized := 0, 0
	for _, r := range results {
		d := dest[r.Label]
		var src *asset
		for a := range plan {
			if "ac-"+a.Label == r.Label {
				src = a
			}
		}
		if d == nil || src == nil {
			t.Errorf("client: events of an unknown job %q", r.Label)
			continue
		}
		want := map[string]acRendition{}
		for _, ren := range plan[src] {
			want[ren.instr["name"].(string)] = ren
		}
		seen := map[string]bool{}
		for _, raw := range r.Events {
			var e event
			var extra struct {
				Instructions map[string]any `json:"instructions"`
				UserData     map[string]any `json:"userData"`
				Date         string         `json:"date"`
			}
			if err := json.Unmarshal(raw, &e); err != nil || json.Unmarshal(raw, &extra) != nil {
				t.Errorf("client %s: an event that is not JSON: %s", r.Label, raw)
				continue
			}
			name := e.name()
			ren, ok := want[name]
			switch {
			case !ok:
				t.Errorf("client %s: an event for %q", r.Label, name)
				continue
			case seen[name]:
				t.Errorf("client %s %s: a second event", r.Label, name)
				continue
			}
			seen[name] = true
			if e.RequestID != r.RequestID {
				t.Errorf("client %s %s: requestId %q, want %q", r.Label, name, e.RequestID, r.RequestID)
			}
			if e.Type != "rendition_created" {
				t.Errorf("client %s %s: %s %s: %s", r.Label, name, e.Type, e.ErrorReason, e.ErrorMsg)
				continue
			}
			if extra.UserData["asset"] != src.Label {
				t.Errorf("client %s %s: userData %v", r.Label, name, extra.UserData)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000Z07:00", extra.Date); err != nil {
				t.Errorf("client %s %s: date %q is not RFC 3339 with milliseconds", r.Label, name, extra.Date)
			}
			for _, k := range ren.hosted {
				if fmt.Sprint(extra.Instructions[k]) != fmt.Sprint(ren.instr[k]) {
					t.Errorf("client %s %s: instructions[%s] = %v, want %v as sent", r.Label, name, k, extra.Instructions[k], ren.instr[k])
				}
			}
			if _, ok := extra.Instructions["target"]; ok {
				t.Errorf("client %s %s: the event's instructions keep the target", r.Label, name)
			}
			if strings.Contains(e.Source, "?") {
				t.Errorf("client %s %s: event source %q keeps a query", r.Label, name, e.Source)
			}
			data, err := getObject(ctx, c, bucket, d.renditionKey(name))
			if err != nil {
				t.Errorf("client %s %s: %v", r.Label, name, err)
				continue
			}
			if size, _ := e.Metadata["repo:size"].(float64); int(size) != len(data) {
				t.Errorf("client %s %s: event repo:size %v, object %d bytes", r.Label, name, e.Metadata["repo:size"], len(data))
			}
			if w, ok := e.Metadata["tiff:imageWidth"]; ok {
				// The hosted documentation's names, beside ours.
				sized++
				if e.Metadata["tiff:ImageWidth"] != w || e.Metadata["tiff:ImageLength"] != e.Metadata["tiff:imageHeight"] {
					t.Errorf("client %s %s: metadata %v lacks tiff:ImageWidth/tiff:ImageLength equal to ours", r.Label, name, e.Metadata)
				}
			}
			desc, err := ren.check(data)
			if err != nil {
				t.Errorf("client %s %s: %v", r.Label, name, err)
				continue
			}
			n++
			t.Logf("%-10s %-14s ok: %s", r.Label, name, desc)
		}
		if len(seen) != len(want) {
			t.Errorf("client %s: events for %d renditions, want %d", r.Label, len(seen), len(want))
		}
	}

	// The tokens were checked against the stand-in's keys and never logged.
	if s.ims.jwks.Load() == 0 {
		t.Error("acs serve never fetched the JWKS")
	}
	if sized == 0 {
		t.Error("client: no event of an image rendition had its dimensions in metadata")
	}
	tokens := s.ims.issuedTokens()
	if len(tokens) == 0 {
		t.Error("the client never asked the IMS stand-in for a token")
	}
	logs, _ := os.ReadFile(s.acs.logPath)
	for _, tok := range tokens {
		if bytes.Contains(logs, []byte(tok[strings.LastIndexByte(tok, '.')+1:])) {
			t.Error("acs serve logged an access token")
		}
	}
	return n
}

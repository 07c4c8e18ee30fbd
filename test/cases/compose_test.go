package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg" // decoders of the compared outputs
	_ "image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/workertest"
)

// Composition cases live in compose/<case>/:
//
//	file.<ext>     the source asset
//	request.json   {"renditions": [...]}: renditions made from one another
//	               with source {"rendition": name}. A rendition without a
//	               target key gets a local file named after it; one with
//	               "target": null keeps none (an intermediate step). The
//	               text @CASE@ stands for the case's folder (a watermark).
//	worker.sh      optional: the script of the script-worker action
//	expected/      the expected output of each rendition that is created,
//	               named after it: images must have the same dimensions
//	               and a PSNR of at least 30 dB at 64 pixels; other files
//	               the same text
//	events.json    {"<name>": "created"} or {"<name>": {"errorReason":
//	               "...", "errorMessage": "a substring"}} for each
//	               rendition that must get an event, and no other
//
// The orchestrator (package process, with its in-process scratch
// directory) runs each request over the real thumbnail and script-worker
// action binaries, driven through the OpenWhisk action loop. Set
// ACS_UPDATE_COMPOSE=1 to write expected/ from the outputs.
func TestComposeCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the action binaries")
	}
	root := workertest.ComposeCasesDir
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var cases []string
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, e.Name())
		}
	}
	require.GreaterOrEqual(t, len(cases), 5, "at least 5 composition cases")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := t.TempDir()
	build := func(action string) string {
		exe, err := workertest.Build(ctx, filepath.Join("..", "..", "actions", action), filepath.Join(bin, action))
		require.NoError(t, err, action)
		return exe
	}
	thumbExe, scriptExe := build("thumbnail"), build("script-worker")

	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join(root, name))
			require.NoError(t, err)
			actions := map[string]invoke.Handler{}
			for action, exe := range map[string]string{api.ActionThumbnail: thumbExe, "script-worker": scriptExe} {
				env := map[string]string{}
				for k, v := range workertest.LocalEnv {
					env[k] = v
				}
				if action == "script-worker" {
					env["ACS_SCRIPT"] = filepath.Join(dir, "worker.sh")
				}
				a, err := workertest.NewAction(action, exe, workertest.ActionOptions{Env: env})
				require.NoError(t, err)
				t.Cleanup(func() { _ = a.Close() })
				actions[action] = a.Handle
			}
			scratch := t.TempDir()
			p, err := process.New(process.Options{Invoker: invoke.NewInProcess(actions), AllowedWorkers: []string{"script-worker"},
				Scratch: process.DirScratch{Dir: scratch}, Logger: quiet()})
			require.NoError(t, err)
			runComposeCase(ctx, t, p, dir)
			left, err := os.ReadDir(scratch)
			require.NoError(t, err)
			assert.Empty(t, left, "intermediate outputs are removed")
		})
	}
}

func runComposeCase(ctx context.Context, t *testing.T, p *process.Processor, dir string) {
	sources, err := filepath.Glob(filepath.Join(dir, "file.*"))
	require.NoError(t, err)
	require.Len(t, sources, 1, "one file.<ext> source")
	raw, err := os.ReadFile(filepath.Join(dir, "request.json"))
	require.NoError(t, err)
	raw = bytes.ReplaceAll(raw, []byte("@CASE@"), []byte(dir))
	var spec struct {
		Renditions []map[string]json.RawMessage `json:"renditions"`
	}
	require.NoError(t, json.Unmarshal(raw, &spec))
	out := t.TempDir()
	for _, r := range spec.Renditions {
		if _, ok := r["target"]; ok {
			continue
		}
		var n string
		require.NoError(t, json.Unmarshal(r["name"], &n), "every rendition of a case has a name")
		r["target"], _ = json.Marshal(filepath.Join(out, n))
	}
	req, _ := json.Marshal(map[string]any{"requestId": filepath.Base(dir), "source": sources[0], "renditions": spec.Renditions})
	res := p.Process(ctx, req)
	require.Nil(t, res.Error, "the request is valid as a whole")

	var want map[string]json.RawMessage
	b, err := os.ReadFile(filepath.Join(dir, "events.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &want))
	got := map[string]api.Event{}
	for _, ev := range res.Events {
		_, dup := got[ev.Rendition.Name]
		assert.False(t, dup, "one event for %s", ev.Rendition.Name)
		got[ev.Rendition.Name] = ev
	}
	assert.ElementsMatch(t, keys(want), keys(got), "the renditions that get an event")
	update := os.Getenv("ACS_UPDATE_COMPOSE") == "1"
	for name, w := range want {
		ev, ok := got[name]
		if !ok {
			continue
		}
		var outcome struct {
			ErrorReason  api.Reason `json:"errorReason"`
			ErrorMessage string     `json:"errorMessage"`
		}
		if string(w) == `"created"` {
			if !assert.Equal(t, api.EventRenditionCreated, ev.Type, "%s: %s %s", name, ev.ErrorReason, ev.ErrorMessage) {
				continue
			}
			expected := filepath.Join(dir, "expected", name)
			actual := filepath.Join(out, name)
			if update {
				require.NoError(t, os.MkdirAll(filepath.Dir(expected), 0o755))
				b, err := os.ReadFile(actual)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(expected, b, 0o644))
			}
			compareOutput(t, name, expected, actual)
			continue
		}
		require.NoError(t, json.Unmarshal(w, &outcome), name)
		assert.Equal(t, api.EventRenditionFailed, ev.Type, name)
		assert.Equal(t, outcome.ErrorReason, ev.ErrorReason, "%s: %s", name, ev.ErrorMessage)
		assert.Contains(t, ev.ErrorMessage, outcome.ErrorMessage, name)
		_, err := os.Stat(filepath.Join(out, name))
		assert.True(t, os.IsNotExist(err), "%s failed: nothing is written", name)
	}
}

// compareOutput compares an output with its expectation: images by
// dimensions and PSNR, anything else as text.
func compareOutput(t *testing.T, name, expected, actual string) {
	t.Helper()
	wantB, err := os.ReadFile(expected)
	require.NoError(t, err, "expected/%s (ACS_UPDATE_COMPOSE=1 writes it)", name)
	gotB, err := os.ReadFile(actual)
	require.NoError(t, err, name)
	wantImg, _, werr := image.Decode(bytes.NewReader(wantB))
	if werr != nil {
		assert.Equal(t, strings.TrimSpace(string(wantB)), strings.TrimSpace(string(gotB)), name)
		return
	}
	gotImg, _, err := image.Decode(bytes.NewReader(gotB))
	require.NoError(t, err, "%s is not a decodable image", name)
	require.Equal(t, wantImg.Bounds().Size(), gotImg.Bounds().Size(), "%s dimensions", name)
	psnr := workertest.PSNR(wantImg, gotImg)
	assert.GreaterOrEqual(t, psnr, float64(workertest.DefaultMinPSNR), "%s: PSNR %.1f dB", name, psnr)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

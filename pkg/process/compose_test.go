package process

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// appendName is a rendition function whose output is its source followed
// by ">" and the rendition's name, so an output tells the chain of steps
// it was made through. A rendition whose userData has "fail" set to a
// reason fails with it (a built-in fmt refuses unknown keys).
func appendName(_ context.Context, src *worker.Source, r *worker.Rendition) error {
	var ud struct {
		Fail string `json:"fail"`
	}
	if json.Unmarshal(r.UserData, &ud) == nil && ud.Fail != "" {
		return api.Errorf(api.Reason(ud.Fail), "%s could not be made", r.Name)
	}
	b, err := os.ReadFile(src.Path)
	if err != nil {
		return err
	}
	return os.WriteFile(r.Path, append(b, []byte(">"+r.Name)...), 0o600)
}

// chainWorker returns the handler of a real worker lifecycle (package
// worker) around appendName, over tr.
func chainWorker(t *testing.T, tr worker.Transfer) invoke.Handler {
	t.Helper()
	w, err := worker.New(appendName, worker.Options{Transfer: tr, TempDir: t.TempDir(), Logger: quiet})
	require.NoError(t, err)
	return w.Handle
}

// localFixture is an in-process orchestrator whose workers share its file
// system: a source file holding "src", an output folder, and a scratch
// folder that must be empty after each request.
type localFixture struct {
	src, out, scratch string
	p                 *Processor
}

func newLocalFixture(t *testing.T, wrap func(action string, h invoke.Handler) invoke.Handler) *localFixture {
	t.Helper()
	fx := &localFixture{out: t.TempDir(), scratch: t.TempDir()}
	fx.src = filepath.Join(t.TempDir(), "source.bin")
	require.NoError(t, os.WriteFile(fx.src, []byte("src"), 0o600))
	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	handlers := map[string]invoke.Handler{}
	for _, a := range []string{api.ActionThumbnail, "x", "y"} {
		h := chainWorker(t, client)
		if wrap != nil {
			h = wrap(a, h)
		}
		handlers[a] = h
	}
	fx.p = newProcessor(t, handlers, func(o *Options) {
		o.AllowedWorkers = []string{"x", "y"}
		o.Scratch = DirScratch{Dir: fx.scratch}
	})
	return fx
}

// step is a rendition writing to the fixture's output folder; from names
// its source rendition ("" for the request's source); extra is added to
// its JSON.
func (fx *localFixture) step(name, from, extra string) string {
	s := fmt.Sprintf(`{"name":%q,"fmt":"png","target":%q`, name, filepath.Join(fx.out, name))
	if from != "" {
		s += fmt.Sprintf(`,"source":{"rendition":%q}`, from)
	}
	return s + extra + "}"
}

func (fx *localFixture) request(renditions ...string) []byte {
	b, _ := json.Marshal(map[string]any{"requestId": "r1", "source": fx.src, "renditions": json.RawMessage("[" + strings.Join(renditions, ",") + "]")})
	return b
}

func (fx *localFixture) output(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fx.out, name))
	require.NoError(t, err, name)
	return string(b)
}

func (fx *localFixture) assertScratchEmpty(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(fx.scratch)
	require.NoError(t, err)
	assert.Empty(t, entries, "intermediate outputs are removed after the request")
}

func eventsByName(res *Result) map[string]api.Event {
	m := map[string]api.Event{}
	for _, ev := range res.Events {
		m[ev.Rendition.Name] = ev
	}
	return m
}

func TestComposedStepsReadTheirSourceRenditionInProcess(t *testing.T) {
	fx := newLocalFixture(t, nil)
	// crop -> 1024, 512, 256; 1024 -> watermarked; a diamond-free fan-out
	// and a chain, plus an independent rendition of the source.
	res := fx.p.Process(context.Background(), fx.request(
		fx.step("crop", "", ""),
		fx.step("r1024", "crop", ""),
		fx.step("r512", "crop", ""),
		fx.step("r256", "crop", ""),
		fx.step("wm", "r1024", ""),
		fx.step("plain", "", ""),
	))
	assertOneEventEach(t, res, 6)
	require.True(t, res.AllCreated(), "%+v", res.Renditions)
	assert.Equal(t, "src>crop", fx.output(t, "crop"))
	assert.Equal(t, "src>crop>r1024", fx.output(t, "r1024"))
	assert.Equal(t, "src>crop>r512", fx.output(t, "r512"))
	assert.Equal(t, "src>crop>r256", fx.output(t, "r256"))
	assert.Equal(t, "src>crop>r1024>wm", fx.output(t, "wm"))
	assert.Equal(t, "src>plain", fx.output(t, "plain"))
	ev := eventsByName(res)
	assert.Equal(t, "crop", ev["r512"].Rendition.SourceRendition, "events echo the source instruction")
	assert.Equal(t, "r1024", ev["wm"].Rendition.SourceRendition)
	assert.EqualValues(t, len("src>crop>r1024>wm"), ev["wm"].Metadata["repo:size"])
	fx.assertScratchEmpty(t)
}

func TestIntermediateStepIsNotReported(t *testing.T) {
	fx := newLocalFixture(t, nil)
	res := fx.p.Process(context.Background(), fx.request(
		`{"name":"base","fmt":"png"}`, // no target: made only for the others
		fx.step("a", "base", ""),
		fx.step("b", "base", ""),
	))
	assertOneEventEach(t, res, 2)
	require.True(t, res.AllCreated(), "%+v", res.Renditions)
	assert.Equal(t, "a", res.Events[0].Rendition.Name)
	assert.Equal(t, "b", res.Events[1].Rendition.Name)
	assert.NotEqual(t, res.Events[0].ID, api.EventID("r1", 0, api.EventRenditionCreated), "ids keep the request positions")
	assert.Equal(t, "src>base>a", fx.output(t, "a"))
	assert.Equal(t, "src>base>b", fx.output(t, "b"))
	_, err := os.Stat(filepath.Join(fx.out, "base"))
	assert.True(t, os.IsNotExist(err))
	fx.assertScratchEmpty(t)
}

func TestFailedStepFailsItsDependentsAndOnlyThem(t *testing.T) {
	fx := newLocalFixture(t, nil)
	res := fx.p.Process(context.Background(), fx.request(
		fx.step("crop", "", `,"userData":{"fail":"SourceCorrupt"}`),
		fx.step("small", "crop", ""),
		fx.step("smaller", "small", ""),
		fx.step("other", "", ""),
		fx.step("fromOther", "other", ""),
		fx.step("mid", "other", `,"userData":{"fail":"RenditionTooLarge"}`),
		fx.step("afterMid", "mid", ""),
	))
	assertOneEventEach(t, res, 7)
	ev := eventsByName(res)
	assert.Equal(t, api.EventRenditionFailed, ev["crop"].Type)
	assert.Equal(t, api.ReasonSourceCorrupt, ev["crop"].ErrorReason)

	assert.Equal(t, api.EventRenditionFailed, ev["small"].Type)
	assert.Equal(t, api.ReasonSourceCorrupt, ev["small"].ErrorReason, "the root cause's reason")
	assert.Equal(t, "source rendition 'crop' failed: crop could not be made", ev["small"].ErrorMessage)
	assert.Equal(t, api.ReasonSourceCorrupt, ev["smaller"].ErrorReason)
	assert.Equal(t, "source rendition 'small' failed: source rendition 'crop' failed: crop could not be made", ev["smaller"].ErrorMessage)

	assert.Equal(t, api.EventRenditionCreated, ev["other"].Type)
	assert.Equal(t, api.EventRenditionCreated, ev["fromOther"].Type)
	assert.Equal(t, "src>other>fromOther", fx.output(t, "fromOther"))
	assert.Equal(t, api.ReasonRenditionTooLarge, ev["mid"].ErrorReason)
	assert.Equal(t, api.ReasonRenditionTooLarge, ev["afterMid"].ErrorReason)
	assert.Contains(t, ev["afterMid"].ErrorMessage, "source rendition 'mid' failed: ")
	for _, n := range []string{"small", "smaller", "afterMid"} {
		_, err := os.Stat(filepath.Join(fx.out, n))
		assert.True(t, os.IsNotExist(err), "%s was never made", n)
	}
	fx.assertScratchEmpty(t)
}

func TestInvalidStepFailsItsDependents(t *testing.T) {
	fx := newLocalFixture(t, nil)
	res := fx.p.Process(context.Background(), fx.request(
		fx.step("crop", "", `,"width":0`),
		fx.step("small", "crop", ""),
		fx.step("loop1", "loop2", ""),
		fx.step("loop2", "loop1", ""),
		fx.step("afterLoop", "loop1", ""),
	))
	assertOneEventEach(t, res, 5)
	ev := eventsByName(res)
	assert.Contains(t, ev["crop"].ErrorMessage, "width")
	assert.Equal(t, api.ReasonGeneric, ev["small"].ErrorReason)
	assert.True(t, strings.HasPrefix(ev["small"].ErrorMessage, "source rendition 'crop' failed: "), ev["small"].ErrorMessage)
	assert.Contains(t, ev["loop1"].ErrorMessage, "cycle")
	assert.Contains(t, ev["afterLoop"].ErrorMessage, "source rendition 'loop1' failed: source: renditions take one another as source in a cycle")
	fx.assertScratchEmpty(t)
}

// meetBy returns a wrapper of worker handlers that makes each activation
// holding one of the named renditions wait, before it works, until an
// activation holding each of them has arrived: they must run at the same
// time, or they fail.
func meetBy(names ...string) func(string, invoke.Handler) invoke.Handler {
	meet := rendezvous(len(names))
	return func(_ string, h invoke.Handler) invoke.Handler {
		return func(ctx context.Context, params json.RawMessage) (any, error) {
			var req api.WorkerRequest
			_ = json.Unmarshal(params, &req)
			for _, r := range req.Renditions {
				for _, n := range names {
					if r.Name == n && !meet(ctx) {
						return nil, api.Errorf(api.ReasonGeneric, "%s did not run at the same time as %v", n, names)
					}
				}
			}
			return h(ctx, params)
		}
	}
}

func TestIndependentStepsOverlap(t *testing.T) {
	t.Run("a step starts when its source is done, while an unrelated step runs", func(t *testing.T) {
		// slow (of the source) waits for next (of crop): a planner that
		// waited for every step of one level before the next would never
		// start next, and slow would give up.
		fx := newLocalFixture(t, meetBy("slow", "next"))
		res := fx.p.Process(context.Background(), fx.request(
			fx.step("crop", "", ""),
			fx.step("slow", "", `,"worker":"x"`),
			fx.step("next", "crop", ""),
		))
		assertOneEventEach(t, res, 3)
		require.True(t, res.AllCreated(), "%+v", res.Renditions)
		assert.Equal(t, "src>crop>next", fx.output(t, "next"))
	})
	t.Run("steps of the same source in different actions run at once", func(t *testing.T) {
		fx := newLocalFixture(t, meetBy("left", "right"))
		res := fx.p.Process(context.Background(), fx.request(
			fx.step("crop", "", ""),
			fx.step("left", "crop", `,"worker":"x"`),
			fx.step("right", "crop", `,"worker":"y"`),
		))
		assertOneEventEach(t, res, 3)
		require.True(t, res.AllCreated(), "%+v", res.Renditions)
		assert.Equal(t, "src>crop>left", fx.output(t, "left"))
		assert.Equal(t, "src>crop>right", fx.output(t, "right"))
		fx.assertScratchEmpty(t)
	})
}

func TestStepsOfOneSourceShareABatch(t *testing.T) {
	var mu sync.Mutex
	var batches [][]string
	fx := newLocalFixture(t, func(_ string, h invoke.Handler) invoke.Handler {
		return func(ctx context.Context, params json.RawMessage) (any, error) {
			var req api.WorkerRequest
			_ = json.Unmarshal(params, &req)
			var names []string
			for _, r := range req.Renditions {
				names = append(names, r.Name)
			}
			mu.Lock()
			batches = append(batches, names)
			mu.Unlock()
			return h(ctx, params)
		}
	})
	res := fx.p.Process(context.Background(), fx.request(
		fx.step("crop", "", ""), fx.step("a", "crop", ""), fx.step("b", "crop", ""), fx.step("c", "crop", ""), fx.step("d", "a", ""),
	))
	require.True(t, res.AllCreated(), "%+v", res.Renditions)
	assert.ElementsMatch(t, [][]string{{"crop"}, {"a", "b", "c"}, {"d"}}, batches, "one activation per source and action")
}

func TestComposedStepsWithoutScratchFailClearly(t *testing.T) {
	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	fx := &localFixture{out: t.TempDir()}
	fx.src = filepath.Join(t.TempDir(), "s.bin")
	require.NoError(t, os.WriteFile(fx.src, []byte("src"), 0o600))
	fx.p = newProcessor(t, map[string]invoke.Handler{api.ActionThumbnail: chainWorker(t, client)}, nil)
	res := fx.p.Process(context.Background(), fx.request(fx.step("crop", "", ""), fx.step("small", "crop", ""), `{"name":"mid","fmt":"png"}`, fx.step("last", "mid", "")))
	assertOneEventEach(t, res, 3)
	ev := eventsByName(res)
	assert.Equal(t, api.EventRenditionCreated, ev["crop"].Type, "the step itself is still made")
	for _, n := range []string{"small", "last"} {
		assert.Equal(t, api.ReasonGeneric, ev[n].ErrorReason, n)
		assert.Contains(t, ev[n].ErrorMessage, "scratch location is not configured", n)
	}
}

package builtin

import (
	"runtime"

	"github.com/assetcompute/assetcompute/pkg/worker"
)

// maxAwaitedThreads caps the libvips threads of an awaited rendition.
const maxAwaitedThreads = 4

// awaitedThreads returns the libvips threads for rendition r of src
// (image.RenderOptions.Threads): when r is the only rendition of the
// activation and the orchestrator keeps its output for renditions made
// from it, those wait for it and nothing else of the request runs
// beside it, so its decoding gets a thread per CPU (up to
// maxAwaitedThreads) instead of the engine's one per render; 0 (the
// engine's setting) otherwise. The renditions of a batch already run in
// parallel, a thread each.
func awaitedThreads(src *worker.Source, r *worker.Rendition) int {
	if !r.Kept() || len(src.Renditions) != 1 {
		return 0
	}
	if n := min(runtime.GOMAXPROCS(0), maxAwaitedThreads); n > 1 {
		return n
	}
	return 0
}

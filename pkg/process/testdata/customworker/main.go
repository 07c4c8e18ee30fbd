// Command customworker is a custom worker built by the tests of package
// process: the rendition instruction "mode" picks how it behaves, so the
// tests can drive a real action binary through the action loop into each
// failure a custom worker can have.
package main

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// maxRenditionBytes is this worker's rendition size limit.
const maxRenditionBytes = 1 << 20

func main() {
	worker.MainWith(render, func(o *worker.Options) { o.MaxRenditionBytes = maxRenditionBytes })
}

func render(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
	var in struct {
		Mode string `json:"mode"`
	}
	if err := r.Decode(&in); err != nil {
		return err
	}
	switch in.Mode {
	case "ok":
		return os.WriteFile(r.Path, []byte("made by "+in.Mode), 0o644)
	case "panic":
		panic("the worker's function panicked")
	case "crash":
		go func() { panic("a goroutine of the worker panicked") }()
		time.Sleep(5 * time.Second)
		return nil
	case "none":
		return nil
	case "large":
		return os.WriteFile(r.Path, []byte(strings.Repeat("x", 2*maxRenditionBytes)), 0o644)
	case "slow":
		time.Sleep(time.Minute) // ignores ctx, like a hung library call
		return nil
	case "badformat":
		// A reserved key of the wrong type: dc:format must be a string.
		r.Metadata["dc:format"] = 42
		return os.WriteFile(r.Path, []byte("made by "+in.Mode), 0o644)
	case "badsize":
		r.Metadata["repo:size"] = "twelve"
		return os.WriteFile(r.Path, []byte("made by "+in.Mode), 0o644)
	case "unencodable":
		// A value JSON cannot hold would break the whole result.
		r.Metadata["acme:callback"] = func() {}
		return os.WriteFile(r.Path, []byte("made by "+in.Mode), 0o644)
	case "corrupt":
		return api.Errorf(api.ReasonSourceCorrupt, "the source is not what the worker expected")
	default:
		return api.Errorf(api.ReasonGeneric, "unknown mode %q", in.Mode)
	}
}

// Command process is the orchestrating OpenWhisk action: it validates a
// processing request, fans its renditions out to the worker actions and
// returns one event per rendition. See package process.
//
// Until the OpenWhisk invoker lands, this build runs the built-in workers in
// its own process through the in-process invoker.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "process:", err)
		os.Exit(1)
	}
}

func run() error {
	wopts, err := worker.DefaultOptions()
	if err != nil {
		return err
	}
	handlers, err := builtin.Handlers(wopts, image.Options{})
	if err != nil {
		return err
	}
	p, err := process.New(process.Options{
		Invoker: invoke.NewInProcess(handlers),
		Logger:  slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	owaction.Run(p.Handle)
	return nil
}

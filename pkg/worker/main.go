package worker

import (
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// DefaultOptions returns worker options for an action process: transfer
// settings from the environment (see package transfer), overridden per
// activation by the deployment settings in its parameters (see Settings),
// and JSON logs on stderr that name the activation and the request (see
// package logctx).
func DefaultOptions() (Options, error) {
	logger := logctx.NewJSON(os.Stderr)
	clients := &Clients{Getenv: os.Getenv, Logger: logger}
	client, err := clients.For(Settings{})
	if err != nil {
		return Options{}, fmt.Errorf("worker: transfer settings: %w", err)
	}
	return Options{
		Transfer:    client,
		NewTransfer: func(s Settings) (Transfer, error) { return clients.For(s) },
		Logger:      logger,
	}, nil
}

// Main runs fn as an OpenWhisk action: it builds the default options, then
// serves activations from the action loop until stdin closes. It exits the
// process with status 1 when the settings are invalid.
func Main(fn RenditionFunc) {
	serve(func(opts Options) (*Worker, error) { return New(fn, opts) })
}

// MainWith is Main with the default options adjusted by edit before the
// worker is built, for example to set Options.RangedSource:
//
//	worker.MainWith(fn, func(o *worker.Options) { o.RangedSource = true })
func MainWith(fn RenditionFunc, edit func(*Options)) {
	serve(func(opts Options) (*Worker, error) {
		if edit != nil {
			edit(&opts)
		}
		return New(fn, opts)
	})
}

// MainBatch is Main for a BatchFunc.
func MainBatch(fn BatchFunc) {
	serve(func(opts Options) (*Worker, error) { return NewBatch(fn, opts) })
}

func serve(build func(Options) (*Worker, error)) {
	opts, err := DefaultOptions()
	if err == nil {
		var w *Worker
		if w, err = build(opts); err == nil {
			owaction.Run(w.Handle)
			return
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

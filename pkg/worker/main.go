package worker

import (
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/settings"
)

// DefaultOptions returns worker options for an action process: the
// deployment settings of the environment (see package settings), read and
// checked once, overridden per activation by those its parameters set, and
// JSON logs on stderr that name the activation and the request (see
// package logctx). A setting of the environment that cannot be used is an
// error naming it.
func DefaultOptions() (Options, error) {
	logger := logctx.NewJSON(os.Stderr)
	env, err := settings.FromEnv(os.Getenv)
	if err != nil {
		return Options{}, fmt.Errorf("worker: %w", err)
	}
	clients := &settings.Clients{Logger: logger}
	client, err := clients.For(env)
	if err != nil {
		return Options{}, fmt.Errorf("worker: %w", err)
	}
	return Options{
		Transfer:    client,
		Settings:    env,
		NewTransfer: func(s settings.Settings) (Transfer, error) { return clients.For(s) },
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

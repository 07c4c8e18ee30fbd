// Command process is the orchestrating OpenWhisk action: it validates a
// processing request, fans its renditions out to the worker actions and
// returns one event per rendition. See package process.
//
// With an API key (annotation provide-api-key: true, so the activation
// carries __OW_API_HOST and __OW_API_KEY) it invokes the worker actions
// through the OpenWhisk REST API; without one it runs the built-in workers in
// its own process.
//
// Invoked as a web action (the parameters carry __ow_method), it accepts a
// POSTed JSON request, starts a non-blocking activation of itself with it
// and answers 202 {ok, requestId, activationId}; any other method is 405.
//
// Configuration (see config): environment variables ACS_* (init-time
// parameters, which no invocation can override) or the reserved parameter
// acsConfig bound at deploy time, which web clients cannot set.
package main

import (
	"log/slog"
	"os"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	s := &server{
		getenv: os.Getenv,
		local: sync.OnceValues(func() (invoke.Invoker, error) {
			wopts, err := worker.DefaultOptions()
			if err != nil {
				return nil, err
			}
			handlers, err := builtin.Handlers(wopts, image.Options{})
			if err != nil {
				return nil, err
			}
			return invoke.NewInProcess(handlers), nil
		}),
		logger: slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	}
	owaction.Run(s.handle)
}

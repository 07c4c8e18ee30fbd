// Command process is the orchestrating OpenWhisk action: it validates a
// processing request, fans its renditions out to the worker actions and
// returns one event per rendition. See package process.
//
// It needs an API key (annotation provide-api-key: true, so the activation
// carries __OW_API_HOST and __OW_API_KEY): it invokes the worker actions
// through the OpenWhisk REST API. Without one every activation fails with a
// message saying so. It links no C library, so it runs on the stock Go
// runtime image; `acs process` runs a request with the built-in workers in
// one process instead.
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
	"errors"
	"os"

	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// errNoAPIKey is the answer of an activation without __OW_API_KEY.
var errNoAPIKey = errors.New("process has no OpenWhisk API key to invoke the worker actions with: " +
	"annotate the action provide-api-key: true (manifest.yml does), or run the request on one machine with `acs process`")

func main() {
	s := &server{
		getenv: os.Getenv,
		local:  func() (invoke.Invoker, error) { return nil, errNoAPIKey },
		logger: logctx.NewJSON(os.Stderr),
	}
	owaction.Run(s.handle)
}

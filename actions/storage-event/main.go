// Command storage-event is the OpenWhisk action that turns a bucket
// notification (AWS S3, SNS, MinIO, versitygw, IBM COS) into a processing
// request for the next step of the on-upload sequence, process. See
// package storageevent.
//
// With the parameter skipExisting (default true) it checks each s3://
// rendition target with a HEAD request and drops the renditions a previous
// delivery of the same notification already made, so a duplicate
// notification does no work. The S3 settings come from the package
// parameters over the ACS_* environment, exactly as the workers read them
// (package settings).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

func main() {
	logger := logctx.NewJSON(os.Stderr)
	env, err := settings.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storage-event:", err)
		os.Exit(1)
	}
	st := &staters{env: env, clients: &settings.Clients{Logger: logger}}
	h := &storageevent.Handler{Stater: st.forParams, Logger: logger}
	owaction.Run(h.Handle)
}

// staters gives storageevent.Handler the transfer client that checks
// rendition targets, built from the deployment settings in the activation's
// parameters (package parameters s3Endpoint, s3Region, s3ForcePathStyle,
// s3AccessKeyId, ... over the ACS_* environment) exactly as the workers
// build theirs, once per distinct settings.
type staters struct {
	env     settings.Settings // of the process environment
	clients *settings.Clients
}

// forParams returns the client for an activation's parameters.
func (s *staters) forParams(params json.RawMessage) (storageevent.Stater, error) {
	p, err := settings.FromParams(params)
	if err != nil {
		return nil, err
	}
	return s.clients.For(s.env.Override(p))
}

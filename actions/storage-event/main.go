// Command storage-event is the OpenWhisk action that turns a bucket
// notification (AWS S3, SNS, MinIO, versitygw, IBM COS) into a processing
// request for the next step of the on-upload sequence, process. See
// package storageevent.
//
// With the parameter skipExisting (default true) it checks each s3://
// rendition target with a HEAD request and drops the renditions a previous
// delivery of the same notification already made, so a duplicate
// notification does no work. The S3 settings come from the package
// parameters exactly as the workers read them (worker.SettingsFromParams,
// then the ACS_* environment).
package main

import (
	"encoding/json"
	"os"

	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	logger := logctx.NewJSON(os.Stderr)
	st := &staters{clients: &worker.Clients{Getenv: os.Getenv, Logger: logger}}
	h := &storageevent.Handler{Stater: st.forParams, Logger: logger}
	owaction.Run(h.Handle)
}

// staters gives storageevent.Handler the transfer client that checks
// rendition targets, built from the deployment settings in the activation's
// parameters (package parameters s3Endpoint, s3Region, s3ForcePathStyle,
// s3AccessKeyId, ... over the ACS_* environment) exactly as the workers
// build theirs, once per distinct settings.
type staters struct {
	clients *worker.Clients
}

// forParams returns the client for an activation's parameters.
func (s *staters) forParams(params json.RawMessage) (storageevent.Stater, error) {
	settings, err := worker.SettingsFromParams(params)
	if err != nil {
		return nil, err
	}
	return s.clients.For(settings)
}

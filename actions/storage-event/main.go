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
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h := &storageevent.Handler{Stater: newStaters(os.Getenv, logger).forParams, Logger: logger}
	owaction.Run(h.Handle)
}

// maxCachedClients bounds the transfer clients kept for distinct settings;
// a deployment normally has one.
const maxCachedClients = 8

// staters builds the transfer client that checks rendition targets, once
// per distinct deployment settings, and reuses it across activations of
// the warm action process.
type staters struct {
	getenv func(string) string
	logger *slog.Logger

	mu      sync.Mutex
	clients map[worker.Settings]*transfer.Client
}

func newStaters(getenv func(string) string, logger *slog.Logger) *staters {
	return &staters{getenv: getenv, logger: logger, clients: map[worker.Settings]*transfer.Client{}}
}

// forParams returns the client for an activation's parameters: the package
// parameters s3Endpoint, s3Region, s3ForcePathStyle, s3AccessKeyId, ...
// over the ACS_* environment, as the workers read them.
func (s *staters) forParams(params json.RawMessage) (storageevent.Stater, error) {
	settings, err := worker.SettingsFromParams(params)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[settings]; ok {
		return c, nil
	}
	opts := transfer.OptionsFromEnv(settings.Getenv(s.getenv))
	opts.Logger = s.logger
	c, err := transfer.New(opts)
	if err != nil {
		return nil, fmt.Errorf("invalid deployment settings %s: %w", settings, err)
	}
	if len(s.clients) >= maxCachedClients {
		clear(s.clients)
	}
	s.clients[settings] = c
	return c, nil
}

package main

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// scratchTransfer is the built-in workers' transfer of `acs process
// --strict-network`: every URL goes through the strict client, except the
// files of the orchestrator's private scratch directory (the outputs of
// composed renditions, see process.DirScratch), which go through a client
// that accepts local files. No other local path is accepted.
type scratchTransfer struct {
	dir           string // absolute, cleaned
	strict, local *transfer.Client
}

// client returns the client for u.
func (t *scratchTransfer) client(u string) *transfer.Client {
	if filepath.IsAbs(u) && strings.HasPrefix(filepath.Clean(u), t.dir+string(filepath.Separator)) {
		return t.local
	}
	return t.strict
}

// Fetch fetches src with the client for its URL.
func (t *scratchTransfer) Fetch(ctx context.Context, src api.Source, dir string) (*transfer.Fetched, error) {
	return t.client(src.URL).Fetch(ctx, src, dir)
}

// Put stores the file at path with the client for the target's URL.
func (t *scratchTransfer) Put(ctx context.Context, target api.Target, path string, opts transfer.PutOptions) error {
	if target.IsMultipart() {
		return t.strict.Put(ctx, target, path, opts)
	}
	return t.client(target.URL).Put(ctx, target, path, opts)
}

// OpenRanged opens src with the client for its URL.
func (t *scratchTransfer) OpenRanged(ctx context.Context, src api.Source, opts transfer.RangeOptions) (*transfer.RangedSource, error) {
	return t.client(src.URL).OpenRanged(ctx, src, opts)
}

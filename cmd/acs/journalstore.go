package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/journal"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// journalStore returns the store of `acs serve --journal-s3
// s3://BUCKET[/PREFIX]`, with the S3 settings of the environment
// (ACS_S3_*, AWS_*); nil for "", the in-memory default.
func journalStore(spec string, opts journal.Options, logger *slog.Logger) (journal.Store, error) {
	if spec == "" {
		return nil, nil
	}
	rest, ok := strings.CutPrefix(spec, "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return nil, fmt.Errorf("--journal-s3: want s3://BUCKET/PREFIX, got %q", spec)
	}
	s, err := deploymentSettings(settings.Settings{})
	if err != nil {
		return nil, err
	}
	topts := transfer.Options{Logger: logger}
	if err := s.Apply(&topts); err != nil {
		return nil, err
	}
	tc, err := transfer.New(topts)
	if err != nil {
		return nil, err
	}
	c, err := tc.S3()
	if err != nil {
		return nil, err
	}
	return journal.NewS3(journal.S3Options{Client: c, Bucket: bucket, Prefix: prefix, Journal: opts})
}

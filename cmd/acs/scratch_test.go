package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

func TestScratchTransferAllowsOnlyTheScratchDirectory(t *testing.T) {
	strict, err := transfer.New(transfer.Options{})
	require.NoError(t, err)
	local, err := transfer.New(transfer.Options{AllowLocal: true})
	require.NoError(t, err)
	dir := t.TempDir()
	tr := &scratchTransfer{dir: dir, strict: strict, local: local}
	ctx := context.Background()

	out := filepath.Join(t.TempDir(), "rendition.png")
	require.NoError(t, os.WriteFile(out, []byte("made"), 0o600))
	inside := filepath.Join(dir, "acs-compose-1", "1-crop.png")
	require.NoError(t, tr.Put(ctx, api.Target{URL: inside}, out, transfer.PutOptions{}))
	f, err := tr.Fetch(ctx, api.Source{URL: inside}, t.TempDir())
	require.NoError(t, err)
	b, _ := os.ReadFile(f.Path)
	assert.Equal(t, "made", string(b))

	secret := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(secret, []byte("x"), 0o600))
	for _, u := range []string{secret, filepath.Join(dir, "..", filepath.Base(filepath.Dir(secret)), "secret.txt"), dir, "file://" + inside} {
		_, err := tr.Fetch(ctx, api.Source{URL: u}, t.TempDir())
		assert.Error(t, err, u)
		assert.Error(t, tr.Put(ctx, api.Target{URL: u + ".out"}, out, transfer.PutOptions{}), u)
	}
}

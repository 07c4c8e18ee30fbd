package transfer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestDeleteRemovesS3ObjectsAndLocalFiles(t *testing.T) {
	fx := newS3Fixture(t, func(o *Options) { o.AllowLocal = true })
	ctx := context.Background()
	f := filepath.Join(t.TempDir(), "out.bin")
	require.NoError(t, os.WriteFile(f, []byte("intermediate"), 0o600))
	require.NoError(t, fx.client.Put(ctx, api.Target{URL: "s3://bucket/tmp/r1/a.png"}, f, PutOptions{}))
	got, _ := fx.object(t, "tmp/r1/a.png")
	require.Equal(t, "intermediate", string(got))

	require.NoError(t, fx.client.Delete(ctx, "s3://bucket/tmp/r1/a.png"))
	_, err := fx.client.Fetch(ctx, api.Source{URL: "s3://bucket/tmp/r1/a.png"}, t.TempDir())
	require.Error(t, err, "the object is gone")
	assert.Contains(t, api.MessageOf(err), "not found")
	assert.NoError(t, fx.client.Delete(ctx, "s3://bucket/tmp/r1/a.png"), "deleting what is gone is not an error")

	require.NoError(t, fx.client.Delete(ctx, f))
	_, err = os.Stat(f)
	assert.True(t, os.IsNotExist(err))
	assert.NoError(t, fx.client.Delete(ctx, f))

	err = fx.client.Delete(ctx, "https://example.com/presigned?X-Amz-Signature=secret")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

func TestDeleteRefusesLocalFilesOutsideLocalMode(t *testing.T) {
	c, _ := newTestClient(t, nil)
	f := filepath.Join(t.TempDir(), "keep.bin")
	require.NoError(t, os.WriteFile(f, []byte("x"), 0o600))
	require.Error(t, c.Delete(context.Background(), f))
	_, err := os.Stat(f)
	assert.NoError(t, err, "left alone")
}

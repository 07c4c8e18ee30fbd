package office

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// TestInspectRefusesZipBombs: a package with a part that inflates a
// thousandfold, or whose parts together declare more than the limit, is
// refused as SourceTooLarge before LibreOffice would open it; an ordinary
// document passes.
func TestInspectRefusesZipBombs(t *testing.T) {
	ctx := context.Background()
	docx := format.MustName("docx")
	plain := officetest.DOCX("hello", 1, "")
	_, err := Inspect(ctx, bytes.NewReader(plain), int64(len(plain)), docx, ZipLimits{})
	require.NoError(t, err)

	bomb := officetest.DOCX("hello", 1, "", officetest.Part{Name: "word/media/zeros.bin", Data: make([]byte, 32<<20)})
	_, err = Inspect(ctx, bytes.NewReader(bomb), int64(len(bomb)), docx, ZipLimits{})
	require.Error(t, err)
	require.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), err.Error())
	require.Contains(t, err.Error(), "zip bomb")

	big := officetest.DOCX("hello", 1, "", officetest.Part{Name: "word/media/noise.bin", Data: bytes.Repeat([]byte("0123456789abcdef"), 1<<16)})
	_, err = Inspect(ctx, bytes.NewReader(big), int64(len(big)), docx, ZipLimits{MaxRatio: 1e9, MaxExpandedBytes: 512 << 10})
	require.Error(t, err)
	require.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), err.Error())
	require.Contains(t, err.Error(), "more than the limit")
}

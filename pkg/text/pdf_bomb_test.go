//go:build cgo

package text

import (
	"bytes"
	"testing"

	"github.com/assetcompute/assetcompute/internal/pdftest"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/require"
)

// A PDF page whose content stream inflates past the per-page limit (a
// file of a few hundred kB) is SourceTooLarge, as for an image rendition,
// and is found without inflating it whole.
func TestPDFPageBombIsSourceTooLarge(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, pdftest.Write(&b, pdftest.Spec{Pages: 2, Bomb: pdftest.ContentBomb, BombBytes: 160 << 20}))
	require.Less(t, b.Len(), 1<<20)
	out, _, err := extractBytes(t, "bomb.pdf", b.Bytes(), Options{})
	require.Error(t, err)
	require.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err))
	require.Contains(t, api.MessageOf(err), "pdf source page 1 decompresses to more than the limit")
	require.Empty(t, out)
}

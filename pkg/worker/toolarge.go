package worker

import (
	"errors"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// failedOutput returns the result of a rendition whose output was made
// (size bytes) but could not be delivered. When it failed as too large
// (RenditionTooLarge: over MaxRenditionBytes, over embedBinaryLimit without
// a target, or refused by its target), the result's metadata carries
// repo:size, the rendition's size (the one in the error's
// *transfer.RenditionTooLargeError when it has one), so the client can
// ask again with a target that holds it.
func failedOutput(name string, size int64, err error) api.RenditionResult {
	res := api.Failed(name, err)
	if res.Reason != api.ReasonRenditionTooLarge {
		return res
	}
	var tooLarge *transfer.RenditionTooLargeError
	if errors.As(err, &tooLarge) && tooLarge.Size > 0 {
		size = tooLarge.Size
	}
	res.Metadata = map[string]any{keySize: size}
	return res
}

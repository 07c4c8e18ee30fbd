package builtin

import "github.com/assetcompute/assetcompute/pkg/image"

// Event metadata of image renditions that are cropped or whose faces are
// blurred (documented in docs/events.md and pkg/meta/KEYS.md).
const (
	// MetadataCropX, MetadataCropY, MetadataCropW and MetadataCropH are
	// the rectangle of the source a cropped rendition (crop {x, y, w, h}
	// or "smart") shows, in pixels of the upright source: integers. Cut
	// from the source and scaled to the rendition's size, it gives the
	// rendition, so a client can reproduce or adjust a smart crop.
	MetadataCropX = "acs:cropX"
	MetadataCropY = "acs:cropY"
	MetadataCropW = "acs:cropW"
	MetadataCropH = "acs:cropH"
	// MetadataFacesBlurred is the number of faces a blurFaces rendition
	// blurred (all frames of an animation together): an integer.
	MetadataFacesBlurred = "acs:facesBlurred"
)

// imageResultMetadata adds the crop rectangle and the faces blurred of an
// image rendition's result to its event metadata.
func imageResultMetadata(md map[string]any, res *image.Result, blurFaces bool) {
	if c := res.Crop; c != nil {
		md[MetadataCropX], md[MetadataCropY] = c.X, c.Y
		md[MetadataCropW], md[MetadataCropH] = c.W, c.H
	}
	if blurFaces {
		md[MetadataFacesBlurred] = res.FacesBlurred
	}
}

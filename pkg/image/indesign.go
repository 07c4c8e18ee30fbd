package image

import "github.com/assetcompute/assetcompute/pkg/format"

// inDesignType returns the source type of an InDesign format, or
// TypeUnknown.
func inDesignType(f format.Format) SourceType { return TypeUnknown }

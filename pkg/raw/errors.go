package raw

import (
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// corrupt is the SourceCorrupt error of a file whose structure cannot be
// read.
func corrupt(format string, args ...any) error {
	return api.Errorf(api.ReasonSourceCorrupt, "raw: %s", fmt.Sprintf(format, args...))
}

// unsupportedFormat is the SourceFormatUnsupported error of a layout the
// package does not read.
func unsupportedFormat(format string, args ...any) error {
	return api.Errorf(api.ReasonSourceFormatUnsupported, "raw: %s", fmt.Sprintf(format, args...))
}

package media

import "github.com/assetcompute/assetcompute/pkg/internal/h264"

// spsInfo is what the quick probe reads of an H.264 sequence parameter
// set: the coded frame size (after cropping) and the sample aspect ratio
// of its VUI (zero when it states none).
type spsInfo struct {
	width, height int
	sar           Ratio
}

// parseSPS reads a sequence parameter set NAL unit (header byte included).
// It refuses (false) what the quick probe leaves to ffprobe: a malformed
// set, and interlaced (field) coding.
func parseSPS(nal []byte) (spsInfo, bool) {
	s, ok := h264.ParseSPS(nal)
	if !ok || s.Interlaced || s.VUICut {
		return spsInfo{}, false
	}
	return spsInfo{width: s.Width, height: s.Height, sar: Ratio{s.SARNum, s.SARDen}}, true
}

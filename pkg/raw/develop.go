package raw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// develop develops the raw data of src with LibRaw's dcraw_emu in the
// cage: camera white balance, sRGB output, 8-bit TIFF on its standard
// output, cut to the DNG default crop, turned upright by LibRaw, at half
// size when half the default crop still covers the need. The declared sensor is checked against
// MaxSensorPixels first.
func (e *Engine) develop(ctx context.Context, src Source, info *Info, needW, needH int, dir string) (*Picture, error) {
	if !e.CanDevelop() {
		return nil, api.Errorf(api.ReasonSourceUnsupported, "raw: developing the raw data needs LibRaw's dcraw_emu, which is not installed here; the file holds %s", info.found())
	}
	if info.RawMissing != "" {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "raw: %s; the file holds %s", info.RawMissing, info.found())
	}
	pixels := int64(info.SensorWidth) * int64(info.SensorHeight)
	if pixels > e.limits.MaxSensorPixels {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "raw: the sensor is %dx%d (%.1f megapixels), more than the limit of %.1f megapixels to develop",
			info.SensorWidth, info.SensorHeight, float64(pixels)/1e6, float64(e.limits.MaxSensorPixels)/1e6)
	}
	if pixels == 0 {
		// Unknown size: bound the output by the limit.
		pixels = e.limits.MaxSensorPixels
	}
	half := info.CropWidth > 0 && needW > 0 && needH > 0 && 2*needW <= info.CropWidth && 2*needH <= info.CropHeight
	path := src.Path
	if src.LocalPath != nil {
		var err error
		if path, err = src.LocalPath(ctx); err != nil {
			return nil, err
		}
	}
	if path == "" {
		var err error
		if path, err = copySource(src, dir); err != nil {
			return nil, err
		}
	}
	args := []string{"-w", "-o", "1", "-T", "-Z", "-"}
	if info.Layout == "tiff" && info.CropWidth > 0 && (info.CropWidth != info.SensorWidth || info.CropHeight != info.SensorHeight) {
		// The DNG default crop, in sensor pixels before orientation.
		args = append(args, "-B", strconv.Itoa(info.CropX), strconv.Itoa(info.CropY), strconv.Itoa(info.CropWidth), strconv.Itoa(info.CropHeight))
	}
	if half {
		args = append([]string{"-h"}, args...)
	}
	args = append(args, path)
	mem := e.limits.MemoryBytes
	if mem == 0 {
		mem = max(512<<20, uint64(pixels)*16+256<<20)
	}
	out := pixels*3 + 1<<20
	if half {
		out = pixels*3/4 + 1<<20
	}
	res, err := e.cage.Run(ctx, cage.Cmd{Path: e.dcraw, Args: args, Limits: cage.Limits{
		MemoryBytes: mem,
		CPUSeconds:  e.limits.CPUSeconds,
		MaxStdout:   int(min(out, 2<<30)),
		FileBytes:   1, // it writes to its standard output only
	}})
	if err != nil {
		return nil, developError(err, info)
	}
	if len(res.Stdout) < 8 {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "raw: LibRaw produced no picture (%s); the file holds %s", cage.LastLines(res.Stderr, 2), info.found())
	}
	p := &Picture{Path: filepath.Join(dir, "developed.tif"), Developed: true, HalfSize: half, Orientation: 1, Info: info}
	if err := os.WriteFile(p.Path, res.Stdout, 0o600); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "raw: developed picture")
	}
	return p, nil
}

// copySource copies a source read in ranges into dir, for LibRaw, which
// reads a file.
func copySource(src Source, dir string) (string, error) {
	path := filepath.Join(dir, "source.raw")
	f, err := os.Create(path)
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "raw: local copy of the source")
	}
	defer f.Close()
	if _, err := io.Copy(f, io.NewSectionReader(src.Reader, 0, src.Size)); err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "raw: local copy of the source")
	}
	return path, f.Close()
}

// developError turns a failed dcraw_emu run into an *api.Error.
func developError(err error, info *Info) error {
	var ce *cage.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return api.Wrap(api.ReasonTimeout, err, "raw: the deadline passed while LibRaw was developing the raw data")
	case errors.Is(err, context.Canceled):
		return api.Wrap(api.ReasonTimeout, err, "raw: developing the raw data was cancelled")
	case errors.Is(err, cage.ErrCPULimit):
		return api.Wrap(api.ReasonSourceTooLarge, err, "raw: developing the raw data needs more CPU time than the limit allows")
	case errors.Is(err, cage.ErrMemoryLimit), errors.Is(err, cage.ErrOutputTooLarge),
		// LibRaw's OpenMP threads cannot get their stacks under the
		// address-space limit.
		errors.As(err, &ce) && strings.Contains(ce.Stderr, "Thread creation failed"):
		return api.Wrap(api.ReasonSourceTooLarge, err, "raw: developing the raw data needs more memory than the limit allows")
	case errors.As(err, &ce) && ce.Err == nil:
		last := cage.LastLines(ce.Stderr, 2)
		msg := "raw: LibRaw cannot read the raw data"
		if last != "" {
			msg += " (" + strings.TrimSpace(last) + ")"
		}
		return api.Wrap(api.ReasonSourceCorrupt, err, fmt.Sprintf("%s; the file holds %s", msg, info.found()))
	}
	return api.Wrap(api.ReasonGeneric, err, "raw: LibRaw")
}

package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
	"github.com/assetcompute/assetcompute/pkg/internal/rasterhead"
)

// The long tail of raster formats.
//
// libvips reads Netpbm (PBM, PGM, PPM, PFM), Radiance HDR and OpenEXR
// with loaders of its own, which the engine allows back from the
// untrusted set (vips.go). The other formats of the tail (SGI, PAM,
// Targa, icons and cursors, PCX, DDS, PICT) are read by ImageMagick, but
// never through libvips' ImageMagick loader: allowing that loader would
// let libvips hand any file its other loaders refuse to every coder
// ImageMagick has. Instead ImageMagick runs in a cage (a child process
// with rlimits, a private temporary directory and the rendition's
// deadline), told the one coder of the allow-list below that the format
// registry sniffed, and writes the pixels as PAM to its standard output,
// which the engine hands to libvips.
//
// Every one of these formats has its size read from its header in Go
// first (package rasterhead), so a source that declares more pixels than
// Limits.MaxSourcePixels, or than Limits.MaxFullDecodePixels for those
// ImageMagick decodes whole, is SourceTooLarge before any decoder runs.
//
// PFM, Radiance and OpenEXR hold linear floating-point light: the step
// toneMap brings them to 8-bit sRGB.

// The source types of the tail; their names are those of the format
// registry.
const (
	TypeSGI      SourceType = "sgi"
	TypeNetpbm   SourceType = "netpbm" // PBM, PGM and PPM: libvips' ppmload
	TypePFM      SourceType = "pfm"
	TypePAM      SourceType = "pam"
	TypeTGA      SourceType = "tga"
	TypeICO      SourceType = "ico"
	TypeCUR      SourceType = "cur"
	TypePCX      SourceType = "pcx"
	TypeRadiance SourceType = "hdr"
	TypeEXR      SourceType = "exr"
	TypeDDS      SourceType = "dds"
	TypePICT     SourceType = "pict"
)

// magickCoders is the allow-list of ImageMagick coders, by source type:
// the only formats the engine ever asks ImageMagick to read.
var magickCoders = map[SourceType]string{
	TypeSGI: "SGI", TypePAM: "PAM", TypeTGA: "TGA", TypeICO: "ICO", TypeCUR: "CUR",
	TypePCX: "PCX", TypeDDS: "DDS", TypePICT: "PICT",
}

// longTailTypes maps the registry's format names to the source types.
var longTailTypes = map[string]SourceType{
	"sgi": TypeSGI, "ppm": TypeNetpbm, "pgm": TypeNetpbm, "pbm": TypeNetpbm, "pfm": TypePFM,
	"pam": TypePAM, "tga": TypeTGA, "ico": TypeICO, "cur": TypeCUR, "pcx": TypePCX,
	"hdr": TypeRadiance, "exr": TypeEXR, "dds": TypeDDS, "pict": TypePICT,
}

func init() {
	for name, t := range longTailTypes {
		sourceTypes[t] = struct {
			mime      string
			decodable bool
		}{format.MustName(name).MIME, true}
	}
	sourceTypes[TypeNetpbm] = struct {
		mime      string
		decodable bool
	}{"image/x-portable-anymap", true}
	loaders[TypeNetpbm] = "ppmload_source"
	loaders[TypeRadiance] = "radload_source"
	loaders[TypePFM] = "ppmload"
	loaders[TypeEXR] = "openexrload"
	for t := range magickCoders {
		goDecoders[t] = &goDecoder{header: tailHeader(t, "ImageMagick "+magickCoders[t]+" (caged)"), decode: magickDecode(t)}
	}
	// libvips 8.14 has OpenEXR only as a file loader, which the engine's
	// source-based loading cannot reach, and reads PFM rows top to
	// bottom, where the format stores them bottom to top.
	goDecoders[TypeEXR] = &goDecoder{header: tailHeader(TypeEXR, "openexrload"), decode: vipsFileDecode(false)}
	goDecoders[TypePFM] = &goDecoder{header: tailHeader(TypePFM, "ppmload"), decode: vipsFileDecode(true)}
}

// vipsFileDecode returns a decode function that opens the file with
// libvips' file loader, turned upside down when flip is set.
func vipsFileDecode(flip bool) func(ctx context.Context, path string) (*vipsImage, error) {
	return func(_ context.Context, path string) (*vipsImage, error) {
		img, err := openFile(path)
		if err != nil {
			return nil, api.Wrap(api.ReasonSourceCorrupt, err, "source file cannot be decoded")
		}
		if !flip {
			return img, nil
		}
		defer img.close()
		flipped, err := img.flipVertical()
		if err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, "source cannot be turned upright")
		}
		return flipped, nil
	}
}

// longTailType returns the source type of a long-tail format, or
// TypeUnknown.
func longTailType(f format.Format) SourceType { return longTailTypes[f.Name] }

// sniffedFormat re-reads the registry format of path, for the header
// checks that need the exact name (a PGM and a PFM are both TypeNetpbm).
func sniffedFormat(path string) string {
	f, err := SniffFormat(path)
	if err != nil {
		return ""
	}
	return f.Name
}

// readRasterHeader reads the header of a long-tail source in Go. Errors
// carry the contract reason.
// A header that declares more than limit pixels is SourceTooLarge before
// the rest of the file is looked at.
func readRasterHeader(path string, t SourceType, limit int64) (rasterhead.Info, string, error) {
	name := string(t)
	if t == TypeNetpbm {
		name = sniffedFormat(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return rasterhead.Info{}, name, api.Wrap(api.ReasonGeneric, err, "source file cannot be opened")
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return rasterhead.Info{}, name, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	info, err := rasterhead.Read(f, fi.Size(), name)
	if err == nil && limit > 0 {
		if err := checkPixels(info.Width, info.Height, 1, limit, ""); err != nil {
			return info, name, err
		}
	}
	if err == nil {
		err = rasterhead.Complete(f, fi.Size(), name, info)
	}
	var ce *rasterhead.CorruptError
	var ue *rasterhead.UnsupportedError
	switch {
	case errors.As(err, &ue):
		return info, name, api.Wrap(api.ReasonSourceFormatUnsupported, err, "source is a "+t.MimeType()+" file this service does not read: "+ue.Msg)
	case errors.As(err, &ce):
		return info, name, api.Wrap(api.ReasonSourceCorrupt, err, "source is a corrupt "+t.MimeType()+" file: "+ce.Msg)
	case err != nil:
		return info, name, api.Wrap(api.ReasonGeneric, err, "source file cannot be read")
	}
	return info, name, nil
}

// checkRasterHeader is the check of checkSource for the long tail: the
// declared size, read in Go, before libvips or ImageMagick sees the file.
func checkRasterHeader(path string, t SourceType, limits Limits, c *sourceCheck) error {
	if _, ok := longTailNames[t]; !ok {
		return nil
	}
	info, _, err := readRasterHeader(path, t, limits.MaxSourcePixels)
	if err != nil {
		return err
	}
	c.width, c.height = info.Width, info.Height
	return nil
}

// longTailNames holds the long-tail source types.
var longTailNames = func() map[SourceType]bool {
	m := map[SourceType]bool{}
	for _, t := range longTailTypes {
		m[t] = true
	}
	return m
}()

// tailHeader returns the header function of a type decoded outside
// libvips' source loaders: the size from the Go header reader, so the
// limits are checked before the decoder runs.
func tailHeader(t SourceType, loader string) func(path string) (header, error) {
	return func(path string) (header, error) {
		info, _, err := readRasterHeader(path, t, 0)
		if err != nil {
			return header{}, err
		}
		bands := info.Channels
		if bands == 0 {
			bands = 4
		}
		return header{Width: info.Width, Height: info.Height, Bands: bands, Orientation: 1, Space: spaceSRGB,
			Pages: 1, Loader: loader}, nil
	}
}

// magickTool is ImageMagick's command-line program and the cage it runs
// in, found once.
var magickTool struct {
	once sync.Once
	path string
	cage *cage.Cage
	err  error
}

// magickCage returns the program and the cage, or an error when
// ImageMagick is not installed.
func magickCage() (string, *cage.Cage, error) {
	m := &magickTool
	m.once.Do(func() {
		// The versioned Debian name first: a plain "convert" may be
		// another program of the same name.
		for _, name := range []string{"convert-im6.q16", "magick", "convert"} {
			if p, err := cage.LookPath(name); err == nil {
				m.path = p
				break
			}
		}
		if m.path == "" {
			m.err = errors.New("ImageMagick is not installed")
			return
		}
		m.cage, m.err = cage.New(cage.Options{NoNetwork: true})
	})
	return m.path, m.cage, m.err
}

// magickMemory is the address-space limit of an ImageMagick run: its
// pixel cache for the image (16-bit RGBA) plus room for the program.
func magickMemory(w, h int) uint64 {
	return uint64(w)*uint64(h)*8*2 + 512<<20
}

// magickDecode returns the decode function of a type ImageMagick reads.
func magickDecode(t SourceType) func(ctx context.Context, path string) (*vipsImage, error) {
	return func(ctx context.Context, path string) (*vipsImage, error) {
		info, _, err := readRasterHeader(path, t, 0)
		if err != nil {
			return nil, err
		}
		prog, c, err := magickCage()
		if err != nil {
			return nil, api.Wrap(api.ReasonSourceFormatUnsupported, err,
				"source is a "+t.MimeType()+" file, which this service reads with ImageMagick, and ImageMagick is not installed")
		}
		input, cleanup, err := magickInput(path)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		args := []string{
			"-limit", "memory", "256MiB", "-limit", "map", "512MiB", "-limit", "disk", "1GiB",
			"-limit", "thread", "1",
			fmt.Sprintf("%s:%s[%d]", magickCoders[t], input, info.Entry),
		}
		if info.Channels == 1 || info.Channels == 2 {
			// Some coders (SGI) hand a grey image over as RGB.
			args = append(args, "-colorspace", "Gray")
		}
		args = append(args, "-depth", "8", "PAM:-")
		want := int64(info.Width) * int64(info.Height) * 4
		res, err := c.Run(ctx, cage.Cmd{Path: prog, Args: args,
			Limits: cage.Limits{MemoryBytes: magickMemory(info.Width, info.Height), MaxStdout: int(want) + 4096}})
		if err != nil {
			return nil, magickError(ctx, err, t)
		}
		return pamImage(res.Stdout, t)
	}
}

// magickInput returns the path ImageMagick is given: the source itself,
// or a link to it with a plain name when its path holds characters
// ImageMagick reads as instructions (a frame range in brackets, a file
// list after @, a glob).
func magickInput(path string) (string, func(), error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, api.Wrap(api.ReasonGeneric, err, "source path")
	}
	if !strings.ContainsAny(abs, "[]@*?{}%:<>|\\ ") {
		return abs, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "acs-magick-")
	if err != nil {
		return "", nil, api.Wrap(api.ReasonGeneric, err, "temporary directory")
	}
	link := filepath.Join(dir, "source")
	if err := os.Symlink(abs, link); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, api.Wrap(api.ReasonGeneric, err, "temporary link")
	}
	return link, func() { _ = os.RemoveAll(dir) }, nil
}

// magickError turns a failed ImageMagick run into an *api.Error: the
// context's error when it ended the run, SourceTooLarge for the resource
// limits, SourceCorrupt with ImageMagick's words otherwise.
func magickError(ctx context.Context, err error, t SourceType) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("image: ImageMagick stopped: %w", errors.Join(cerr, err))
	}
	var ce *cage.Error
	if errors.As(err, &ce) {
		if ce.Signal == syscall.SIGKILL || ce.Signal == syscall.SIGXCPU || errors.Is(err, cage.ErrOutputTooLarge) {
			return api.Wrap(api.ReasonSourceTooLarge, err, "source "+t.MimeType()+" file needs more memory or time to decode than the limits allow")
		}
		words := strings.TrimSpace(cage.LastLines(ce.Stderr, 2))
		if strings.Contains(words, "memory allocation failed") || strings.Contains(words, "ResourceLimit") {
			return api.Wrap(api.ReasonSourceTooLarge, err, "source "+t.MimeType()+" file needs more memory to decode than the limits allow")
		}
		if i := strings.Index(words, "@ "); i > 0 {
			words = strings.TrimSpace(words[:i])
		}
		words = strings.TrimPrefix(words, filepath.Base(ce.Program)+": ")
		words = strings.TrimSpace(quotedPath.ReplaceAllString(words, ""))
		return api.Wrap(api.ReasonSourceCorrupt, err, "source "+t.MimeType()+" file is truncated or corrupt: ImageMagick: "+words)
	}
	return api.Wrap(api.ReasonGeneric, err, "ImageMagick cannot be run")
}

// quotedPath matches the file name ImageMagick quotes in its messages
// (`/tmp/.../source'), which is no business of the rendition's event.
var quotedPath = regexp.MustCompile("`[^']*'")

// pamImage turns the PAM ImageMagick wrote (8-bit, 1 to 4 channels) into
// a libvips image.
func pamImage(out []byte, t SourceType) (*vipsImage, error) {
	corrupt := func(what string) error {
		return api.Errorf(api.ReasonSourceCorrupt, "source %s file cannot be decoded: ImageMagick wrote %s", t.MimeType(), what)
	}
	info, err := rasterhead.Netpbm(out)
	end := bytes.Index(out[:min(len(out), 512)], []byte("ENDHDR\n"))
	if err != nil || end < 0 || info.Bits != 8 {
		return nil, corrupt("no image")
	}
	data := out[end+len("ENDHDR\n"):]
	n := info.Width * info.Height * info.Channels
	if len(data) != n {
		return nil, corrupt(fmt.Sprintf("%d bytes of pixels for a %dx%d image", len(data), info.Width, info.Height))
	}
	buf := newPixelBuffer(n)
	if buf == nil {
		return nil, errOutOfMemory
	}
	copy(buf.Pix, data)
	space := spaceSRGB
	if info.Channels <= 2 {
		space = spaceBW
	}
	img, err := imageFromPixels(buf, info.Width, info.Height, info.Channels, false, space)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "decoded pixels cannot be handed to libvips")
	}
	return img, nil
}

// toneMap brings a floating-point image (PFM, Radiance, OpenEXR) to
// 8-bit sRGB after it was shrunk, so the tone mapping sees only the
// rendition's pixels; see acs_tonemap in vips.go.
func toneMap(_ context.Context, j *job) error {
	if !j.img.isHDR() {
		return nil
	}
	img, err := j.img.toneMapped()
	if err != nil {
		return api.Wrap(api.ReasonSourceCorrupt, err,
			"source "+j.srcType.MimeType()+" file is truncated or corrupt: its pixels cannot be decoded")
	}
	j.replace(img)
	return nil
}

package settings

import (
	"log/slog"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Apply sets the transfer options that s sets (S3, allowHttp,
// allowPrivateNetworks, allowLocal, maxSourceBytes, transferTimeout,
// transferAttempts) and leaves the others, then checks the result: what
// only the combination can tell (an S3 secret without its key id) is a
// GenericError, without secrets.
func (s Settings) Apply(o *transfer.Options) error {
	str := func(i int, dst *string) {
		if s.set(i) {
			*dst = s.v[i].text
		}
	}
	flag := func(i int, dst *bool) {
		if s.set(i) {
			*dst = s.v[i].b
		}
	}
	str(s3Endpoint, &o.S3.Endpoint)
	str(s3Region, &o.S3.Region)
	flag(s3PathStyle, &o.S3.PathStyle)
	str(s3AccessKeyID, &o.S3.AccessKeyID)
	str(s3SecretAccessKey, &o.S3.SecretAccessKey)
	str(s3SessionToken, &o.S3.SessionToken)
	flag(allowHTTP, &o.AllowHTTP)
	flag(allowPrivateNetworks, &o.AllowPrivateNetworks)
	flag(allowLocal, &o.AllowLocal)
	if s.set(maxSourceBytes) {
		o.MaxSourceBytes = s.v[maxSourceBytes].n
	}
	if s.set(transferTimeout) {
		o.Timeout = s.v[transferTimeout].d
	}
	if s.set(transferAttempts) {
		o.Attempts = int(s.v[transferAttempts].n)
	}
	if err := o.Validate(); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "invalid deployment settings "+s.transfer().String())
	}
	return nil
}

// transfer returns the settings that Apply reads, the others unset.
func (s Settings) transfer() Settings {
	var t Settings
	copy(t.v[:transferAttempts+1], s.v[:transferAttempts+1])
	return t
}

// ImageLimits mirrors image.Limits field for field, so that one converts
// to the other (image.Limits(l)) in the packages that link the image
// engine; see there for what each limit bounds. A zero field is the
// engine's default.
type ImageLimits struct {
	MaxSourceBytes      int64
	MaxSourcePixels     int64
	MaxFullDecodePixels int64
	MaxOutputPixels     int64
	MaxFrames           int
	MaxPages            int
	MaxPDFPageBytes     int64
}

// ApplyImage sets the image limits that s sets, maxSourceBytes among
// them, and leaves the others.
func (s Settings) ApplyImage(l *ImageLimits) {
	s.int64(maxSourceBytes, &l.MaxSourceBytes)
	s.int64(imageMaxSourcePixels, &l.MaxSourcePixels)
	s.int64(imageMaxFullDecodePixels, &l.MaxFullDecodePixels)
	s.int64(imageMaxOutputPixels, &l.MaxOutputPixels)
	s.int(imageMaxFrames, &l.MaxFrames)
	s.int(imageMaxPages, &l.MaxPages)
	s.int64(imageMaxPDFPageBytes, &l.MaxPDFPageBytes)
}

// TextLimits mirrors text.Options field for field (text.Options(l)); see
// there for what each limit bounds. A zero field is the engine's default.
type TextLimits struct {
	MaxChars            int
	MaxPages            int
	MaxExpandedBytes    int64
	MaxCompressionRatio float64
	MaxZipEntries       int
	MaxDepth            int
	MaxXMLDepth         int
	MaxTokenBytes       int
}

// ApplyText sets the text limits that s sets and leaves the others.
func (s Settings) ApplyText(l *TextLimits) {
	s.int(textMaxChars, &l.MaxChars)
	s.int(textMaxPages, &l.MaxPages)
	s.int64(textMaxExpandedBytes, &l.MaxExpandedBytes)
	if s.set(textMaxCompressionRatio) {
		l.MaxCompressionRatio = s.v[textMaxCompressionRatio].f
	}
	s.int(textMaxZipEntries, &l.MaxZipEntries)
	s.int(textMaxDepth, &l.MaxDepth)
	s.int(textMaxXMLDepth, &l.MaxXMLDepth)
	s.int(textMaxTokenBytes, &l.MaxTokenBytes)
}

// MetaLimits mirrors meta.Options field for field (meta.Options(l)); see
// there for what each limit bounds. A zero field is the engine's default.
type MetaLimits struct {
	MaxBytes        int64
	MaxXMPBytes     int64
	MaxSegmentBytes int64
	MaxExpandBytes  int64
	MaxTextBytes    int64
	MaxIFDEntries   int
	MaxIFDs         int
	MaxProperties   int
	MaxListItems    int
	MaxValueBytes   int
	MaxXMLDepth     int
}

// ApplyMeta sets the metadata limits that s sets and leaves the others.
func (s Settings) ApplyMeta(l *MetaLimits) {
	s.int64(metaMaxBytes, &l.MaxBytes)
	s.int64(metaMaxXMPBytes, &l.MaxXMPBytes)
	s.int64(metaMaxSegmentBytes, &l.MaxSegmentBytes)
	s.int64(metaMaxExpandBytes, &l.MaxExpandBytes)
	s.int64(metaMaxTextBytes, &l.MaxTextBytes)
	s.int(metaMaxIFDEntries, &l.MaxIFDEntries)
	s.int(metaMaxIFDs, &l.MaxIFDs)
	s.int(metaMaxProperties, &l.MaxProperties)
	s.int(metaMaxListItems, &l.MaxListItems)
	s.int(metaMaxValueBytes, &l.MaxValueBytes)
	s.int(metaMaxXMLDepth, &l.MaxXMLDepth)
}

// MediaLimits are the limits of the media engine (package media) that
// settings set; a zero field is the engine's default.
type MediaLimits struct {
	MaxDurationSeconds int64
	MaxPixels          int64
	MaxFrames          int64
	CPUSeconds         int64
	MemoryBytes        int64
	// RangedMinBytes is the size from which a video source read in
	// ranges has only the bytes its frames need fetched (package builtin).
	RangedMinBytes int64
}

// ApplyMedia sets the media limits that s sets and leaves the others.
func (s Settings) ApplyMedia(l *MediaLimits) {
	s.int64(mediaMaxDuration, &l.MaxDurationSeconds)
	s.int64(mediaMaxPixels, &l.MaxPixels)
	s.int64(mediaMaxFrames, &l.MaxFrames)
	s.int64(mediaMaxCPUSeconds, &l.CPUSeconds)
	s.int64(mediaMaxMemoryBytes, &l.MemoryBytes)
	s.int64(mediaRangedMinBytes, &l.RangedMinBytes)
}

// OCRSettings are the settings of the OCR engine (package ocr); a zero
// field is the engine's default.
type OCRSettings struct {
	// Language is the language of a text rendition that names none.
	Language   string
	MaxPages   int
	MaxPixels  int64
	CPUSeconds int64
}

// ApplyOCR sets the OCR settings that s sets and leaves the others.
func (s Settings) ApplyOCR(o *OCRSettings) {
	if s.set(ocrLanguage) {
		o.Language = s.v[ocrLanguage].text
	}
	s.int(ocrMaxPages, &o.MaxPages)
	s.int64(ocrMaxPixels, &o.MaxPixels)
	s.int64(ocrMaxCPUSeconds, &o.CPUSeconds)
}

func (s Settings) int64(i int, dst *int64) {
	if s.set(i) {
		*dst = s.v[i].n
	}
}

func (s Settings) int(i int, dst *int) {
	if s.set(i) {
		*dst = int(s.v[i].n) // at most MaxInt32, checked when read
	}
}

// maxCachedClients bounds the transfer clients a Clients keeps for
// distinct settings; a deployment normally has one.
const maxCachedClients = 8

// Clients builds transfer clients for settings, once per distinct
// transfer settings (the engine limits do not count), and reuses them for
// the activations of a warm action process. The zero value logs to
// slog.Default(). It is safe for concurrent use.
type Clients struct {
	// Logger is given to the clients; default slog.Default().
	Logger *slog.Logger

	mu      sync.Mutex
	clients map[Settings]*transfer.Client
}

// For returns the client for s (see Apply), building it on first use.
func (c *Clients) For(s Settings) (*transfer.Client, error) {
	key := s.transfer()
	c.mu.Lock()
	defer c.mu.Unlock()
	if tc, ok := c.clients[key]; ok {
		return tc, nil
	}
	opts := transfer.Options{Logger: c.Logger}
	if err := key.Apply(&opts); err != nil {
		return nil, err
	}
	tc, err := transfer.New(opts)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "invalid deployment settings "+key.String())
	}
	if c.clients == nil || len(c.clients) >= maxCachedClients {
		c.clients = map[Settings]*transfer.Client{}
	}
	c.clients[key] = tc
	return tc, nil
}

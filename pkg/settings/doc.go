// Package settings reads a deployment's settings — storage, network,
// source size and engine limits — from wherever the deployment gives them:
// the environment of the action process, the activation's parameters (on
// OpenWhisk, the parameters bound to the package that holds the actions,
// since OpenWhisk lets a deployment set no environment), and command-line
// flags (`acs process --setting NAME=VALUE`). Every source lands in the
// same Settings value, each value checked once, when it is read: a value
// that cannot be used is refused with an error naming the setting, and a
// Settings holds only values that were accepted.
//
// Settings from several sources are layered with Override (parameters win
// over the environment, flags over both), then turned into the typed
// options of each component: Apply for transfer.Options, ApplyImage,
// ApplyText and ApplyMeta for the engine limits (image.Limits, text.Options
// and meta.Options, whose fields ImageLimits, TextLimits and MetaLimits
// mirror). A setting that is not set leaves the component's own value, and
// so its default.
//
// # The settings
//
// Each setting has a parameter name and an environment variable. A
// parameter may be given as a JSON string, boolean or number; an empty
// string or null means "not set". Sizes are whole numbers of bytes, counts
// positive integers, durations Go durations such as 90s.
//
//	parameter                 environment                       default    meaning
//	s3Endpoint                ACS_S3_ENDPOINT                   AWS        S3-compatible endpoint URL (http or https)
//	s3Region                  ACS_S3_REGION                                signing region (default AWS_REGION, then us-east-1)
//	s3ForcePathStyle          ACS_S3_PATH_STYLE                 false      true: path-style bucket addressing
//	s3AccessKeyId             AWS_ACCESS_KEY_ID                            static credentials; when unset the
//	s3SecretAccessKey         AWS_SECRET_ACCESS_KEY                        AWS default credential chain is used
//	s3SessionToken            AWS_SESSION_TOKEN
//	allowHttp                 ACS_ALLOW_HTTP                    false      true: allow plain http:// URLs
//	allowPrivateNetworks      ACS_ALLOW_PRIVATE_NETWORKS        false      true: turn the address guard off
//	allowLocal                ACS_ALLOW_LOCAL                   false      true: allow local paths and file:// (environment and flags only)
//	maxSourceBytes            ACS_MAX_SOURCE_BYTES              see below  largest source, in bytes, for transfer and image alike
//	transferTimeout           ACS_TRANSFER_TIMEOUT              60s        per-phase timeout of a transfer attempt
//	transferAttempts          ACS_TRANSFER_ATTEMPTS             4          attempts per transfer request
//
//	imageMaxSourcePixels      ACS_IMAGE_MAX_SOURCE_PIXELS       300000000  image.Limits.MaxSourcePixels
//	imageMaxFullDecodePixels  ACS_IMAGE_MAX_FULL_DECODE_PIXELS  100000000  image.Limits.MaxFullDecodePixels
//	imageMaxOutputPixels      ACS_IMAGE_MAX_OUTPUT_PIXELS       25000000   image.Limits.MaxOutputPixels
//	imageMaxFrames            ACS_IMAGE_MAX_FRAMES              1000       image.Limits.MaxFrames
//	imageMaxPages             ACS_IMAGE_MAX_PAGES               10000      image.Limits.MaxPages
//	imageMaxPdfPageBytes      ACS_IMAGE_MAX_PDF_PAGE_BYTES      128 MiB    image.Limits.MaxPDFPageBytes
//
//	textMaxChars              ACS_TEXT_MAX_CHARS                1000000    text.Options.MaxChars
//	textMaxPages              ACS_TEXT_MAX_PAGES                2000       text.Options.MaxPages
//	textMaxExpandedBytes      ACS_TEXT_MAX_EXPANDED_BYTES       256 MiB    text.Options.MaxExpandedBytes
//	textMaxCompressionRatio   ACS_TEXT_MAX_COMPRESSION_RATIO    100        text.Options.MaxCompressionRatio (at least 1)
//	textMaxZipEntries         ACS_TEXT_MAX_ZIP_ENTRIES          100000     text.Options.MaxZipEntries
//	textMaxDepth              ACS_TEXT_MAX_DEPTH                64         text.Options.MaxDepth
//	textMaxXmlDepth           ACS_TEXT_MAX_XML_DEPTH            10000      text.Options.MaxXMLDepth
//	textMaxTokenBytes         ACS_TEXT_MAX_TOKEN_BYTES          16 MiB     text.Options.MaxTokenBytes
//
//	metaMaxBytes              ACS_META_MAX_BYTES                32 MiB     meta.Options.MaxBytes
//	metaMaxXmpBytes           ACS_META_MAX_XMP_BYTES            4 MiB      meta.Options.MaxXMPBytes
//	metaMaxSegmentBytes       ACS_META_MAX_SEGMENT_BYTES        4 MiB      meta.Options.MaxSegmentBytes
//	metaMaxExpandBytes        ACS_META_MAX_EXPAND_BYTES         16 MiB     meta.Options.MaxExpandBytes
//	metaMaxTextBytes          ACS_META_MAX_TEXT_BYTES           1 MiB      meta.Options.MaxTextBytes
//	metaMaxIfdEntries         ACS_META_MAX_IFD_ENTRIES          1000       meta.Options.MaxIFDEntries
//	metaMaxIfds               ACS_META_MAX_IFDS                 1024       meta.Options.MaxIFDs
//	metaMaxProperties         ACS_META_MAX_PROPERTIES           5000       meta.Options.MaxProperties
//	metaMaxListItems          ACS_META_MAX_LIST_ITEMS           1000       meta.Options.MaxListItems
//	metaMaxValueBytes         ACS_META_MAX_VALUE_BYTES          256 KiB    meta.Options.MaxValueBytes
//	metaMaxXmlDepth           ACS_META_MAX_XML_DEPTH            64         meta.Options.MaxXMLDepth
//
//	mediaMaxDuration          ACS_MEDIA_MAX_DURATION            21600      media.Limits.MaxDuration (seconds)
//	mediaMaxPixels            ACS_MEDIA_MAX_PIXELS              40000000   media.Limits.MaxPixels
//	mediaMaxFrames            ACS_MEDIA_MAX_FRAMES              3000000    media.Limits.MaxFrames
//	mediaMaxCpuSeconds        ACS_MEDIA_MAX_CPU_SECONDS         120        media.Limits.CPUSeconds
//	mediaMaxMemoryBytes       ACS_MEDIA_MAX_MEMORY_BYTES        2 GiB      media.Limits.MemoryBytes
//	mediaRangedMinBytes       ACS_MEDIA_RANGED_MIN_BYTES        32 MiB     builtin.DefaultRangedMinBytes
//
//	ocrLanguage               ACS_OCR_LANGUAGE                  eng        OCR language of a text rendition without one (ocr.Options.Language)
//	ocrMaxPages               ACS_OCR_MAX_PAGES                 20         ocr.Limits.MaxPages (pages of a PDF without text)
//	ocrMaxPixels              ACS_OCR_MAX_PIXELS                40000000   ocr.Limits.MaxPixels
//	ocrMaxCpuSeconds          ACS_OCR_MAX_CPU_SECONDS           120        ocr.Limits.CPUSeconds (per page)
//	taggingProvider           ACS_TAGGING_PROVIDER              none       smart tags: rekognition, google-vision or http
//	taggingEndpoint           ACS_TAGGING_ENDPOINT                         the provider's URL (required for http)
//	taggingKey                ACS_TAGGING_KEY                              Google API key, or the http contract's bearer token
//	taggingToken              ACS_TAGGING_TOKEN                            Google OAuth access token (instead of taggingKey)
//	taggingRegion             ACS_TAGGING_REGION                us-east-1  Rekognition region
//	taggingAccessKeyId        ACS_TAGGING_ACCESS_KEY_ID                    Rekognition static credentials
//	taggingSecretAccessKey    ACS_TAGGING_SECRET_ACCESS_KEY
//	taggingSessionToken       ACS_TAGGING_SESSION_TOKEN
//	taggingTimeout            ACS_TAGGING_TIMEOUT               15s        per-attempt timeout of a provider call
//
// The engine limits are documented with the field they set (go doc
// ./pkg/image Limits, ./pkg/text Options, ./pkg/meta Options, ./pkg/media
// Limits).
//
// maxSourceBytes is one limit for the whole path of a source: it sets
// transfer.Options.MaxSourceBytes (checked before and while downloading)
// and image.Limits.MaxSourceBytes (checked before libvips opens the file),
// so raising it lets a larger source through both. Unset, each keeps its
// default: 2 GiB for transfers (transfer.DefaultMaxSourceBytes; metadata
// and text read large files too) and 1 GiB for images
// (image.DefaultMaxSourceBytes).
//
// # Who can set them
//
// The orchestrator never copies request fields into a worker's parameters,
// so a client of the service cannot set these; only whoever deploys the
// package (or holds its namespace key) can. allowLocal is not read from
// parameters at all: it gives the service's file system to its clients and
// is for local mode only. Secret values (the S3 credentials) never appear
// in String or in an error.
package settings

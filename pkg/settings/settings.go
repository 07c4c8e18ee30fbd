package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// kind is how a setting's value is read.
type kind int

const (
	kindString   kind = iota
	kindSecret        // a string never shown
	kindURL           // an http(s) URL
	kindBool          // strconv.ParseBool
	kindBytes         // a positive int64
	kindCount         // a positive int
	kindDuration      // a positive Go duration
	kindRatio         // a number, at least 1
)

// def describes one setting.
type def struct {
	param, env string
	kind       kind
	// envOnly settings are not read from parameters.
	envOnly bool
}

// The settings, in the order of the package documentation; an index into
// defs identifies a setting. Those Apply reads come first, up to
// transferAttempts (Settings.transfer relies on it).
const (
	s3Endpoint = iota
	s3Region
	s3PathStyle
	s3AccessKeyID
	s3SecretAccessKey
	s3SessionToken
	allowHTTP
	allowPrivateNetworks
	allowLocal
	maxSourceBytes
	transferTimeout
	transferAttempts

	imageMaxSourcePixels
	imageMaxFullDecodePixels
	imageMaxOutputPixels
	imageMaxFrames
	imageMaxPages
	imageMaxPDFPageBytes

	textMaxChars
	textMaxPages
	textMaxExpandedBytes
	textMaxCompressionRatio
	textMaxZipEntries
	textMaxDepth
	textMaxXMLDepth
	textMaxTokenBytes

	metaMaxBytes
	metaMaxXMPBytes
	metaMaxSegmentBytes
	metaMaxExpandBytes
	metaMaxTextBytes
	metaMaxIFDEntries
	metaMaxIFDs
	metaMaxProperties
	metaMaxListItems
	metaMaxValueBytes
	metaMaxXMLDepth

	mediaMaxDuration
	mediaMaxPixels
	mediaMaxFrames
	mediaMaxCPUSeconds
	mediaMaxMemoryBytes
	mediaRangedMinBytes

	ocrLanguage
	ocrMaxPages
	ocrMaxPixels
	ocrMaxCPUSeconds
	taggingProvider
	taggingEndpoint
	taggingKey
	taggingToken
	taggingRegion
	taggingAccessKeyID
	taggingSecretAccessKey
	taggingSessionToken
	taggingTimeout

	numSettings
)

var defs = [numSettings]def{
	s3Endpoint:           {param: "s3Endpoint", env: "ACS_S3_ENDPOINT", kind: kindURL},
	s3Region:             {param: "s3Region", env: "ACS_S3_REGION", kind: kindString},
	s3PathStyle:          {param: "s3ForcePathStyle", env: "ACS_S3_PATH_STYLE", kind: kindBool},
	s3AccessKeyID:        {param: "s3AccessKeyId", env: "AWS_ACCESS_KEY_ID", kind: kindSecret},
	s3SecretAccessKey:    {param: "s3SecretAccessKey", env: "AWS_SECRET_ACCESS_KEY", kind: kindSecret},
	s3SessionToken:       {param: "s3SessionToken", env: "AWS_SESSION_TOKEN", kind: kindSecret},
	allowHTTP:            {param: "allowHttp", env: "ACS_ALLOW_HTTP", kind: kindBool},
	allowPrivateNetworks: {param: "allowPrivateNetworks", env: "ACS_ALLOW_PRIVATE_NETWORKS", kind: kindBool},
	allowLocal:           {param: "allowLocal", env: "ACS_ALLOW_LOCAL", kind: kindBool, envOnly: true},
	maxSourceBytes:       {param: "maxSourceBytes", env: "ACS_MAX_SOURCE_BYTES", kind: kindBytes},
	transferTimeout:      {param: "transferTimeout", env: "ACS_TRANSFER_TIMEOUT", kind: kindDuration},
	transferAttempts:     {param: "transferAttempts", env: "ACS_TRANSFER_ATTEMPTS", kind: kindCount},

	imageMaxSourcePixels:     {param: "imageMaxSourcePixels", env: "ACS_IMAGE_MAX_SOURCE_PIXELS", kind: kindBytes},
	imageMaxFullDecodePixels: {param: "imageMaxFullDecodePixels", env: "ACS_IMAGE_MAX_FULL_DECODE_PIXELS", kind: kindBytes},
	imageMaxOutputPixels:     {param: "imageMaxOutputPixels", env: "ACS_IMAGE_MAX_OUTPUT_PIXELS", kind: kindBytes},
	imageMaxFrames:           {param: "imageMaxFrames", env: "ACS_IMAGE_MAX_FRAMES", kind: kindCount},
	imageMaxPages:            {param: "imageMaxPages", env: "ACS_IMAGE_MAX_PAGES", kind: kindCount},
	imageMaxPDFPageBytes:     {param: "imageMaxPdfPageBytes", env: "ACS_IMAGE_MAX_PDF_PAGE_BYTES", kind: kindBytes},

	textMaxChars:            {param: "textMaxChars", env: "ACS_TEXT_MAX_CHARS", kind: kindCount},
	textMaxPages:            {param: "textMaxPages", env: "ACS_TEXT_MAX_PAGES", kind: kindCount},
	textMaxExpandedBytes:    {param: "textMaxExpandedBytes", env: "ACS_TEXT_MAX_EXPANDED_BYTES", kind: kindBytes},
	textMaxCompressionRatio: {param: "textMaxCompressionRatio", env: "ACS_TEXT_MAX_COMPRESSION_RATIO", kind: kindRatio},
	textMaxZipEntries:       {param: "textMaxZipEntries", env: "ACS_TEXT_MAX_ZIP_ENTRIES", kind: kindCount},
	textMaxDepth:            {param: "textMaxDepth", env: "ACS_TEXT_MAX_DEPTH", kind: kindCount},
	textMaxXMLDepth:         {param: "textMaxXmlDepth", env: "ACS_TEXT_MAX_XML_DEPTH", kind: kindCount},
	textMaxTokenBytes:       {param: "textMaxTokenBytes", env: "ACS_TEXT_MAX_TOKEN_BYTES", kind: kindCount},

	metaMaxBytes:        {param: "metaMaxBytes", env: "ACS_META_MAX_BYTES", kind: kindBytes},
	metaMaxXMPBytes:     {param: "metaMaxXmpBytes", env: "ACS_META_MAX_XMP_BYTES", kind: kindBytes},
	metaMaxSegmentBytes: {param: "metaMaxSegmentBytes", env: "ACS_META_MAX_SEGMENT_BYTES", kind: kindBytes},
	metaMaxExpandBytes:  {param: "metaMaxExpandBytes", env: "ACS_META_MAX_EXPAND_BYTES", kind: kindBytes},
	metaMaxTextBytes:    {param: "metaMaxTextBytes", env: "ACS_META_MAX_TEXT_BYTES", kind: kindBytes},
	metaMaxIFDEntries:   {param: "metaMaxIfdEntries", env: "ACS_META_MAX_IFD_ENTRIES", kind: kindCount},
	metaMaxIFDs:         {param: "metaMaxIfds", env: "ACS_META_MAX_IFDS", kind: kindCount},
	metaMaxProperties:   {param: "metaMaxProperties", env: "ACS_META_MAX_PROPERTIES", kind: kindCount},
	metaMaxListItems:    {param: "metaMaxListItems", env: "ACS_META_MAX_LIST_ITEMS", kind: kindCount},
	metaMaxValueBytes:   {param: "metaMaxValueBytes", env: "ACS_META_MAX_VALUE_BYTES", kind: kindCount},
	metaMaxXMLDepth:     {param: "metaMaxXmlDepth", env: "ACS_META_MAX_XML_DEPTH", kind: kindCount},

	mediaMaxDuration:    {param: "mediaMaxDuration", env: "ACS_MEDIA_MAX_DURATION", kind: kindCount},
	mediaMaxPixels:      {param: "mediaMaxPixels", env: "ACS_MEDIA_MAX_PIXELS", kind: kindBytes},
	mediaMaxFrames:      {param: "mediaMaxFrames", env: "ACS_MEDIA_MAX_FRAMES", kind: kindCount},
	mediaMaxCPUSeconds:  {param: "mediaMaxCpuSeconds", env: "ACS_MEDIA_MAX_CPU_SECONDS", kind: kindCount},
	mediaMaxMemoryBytes: {param: "mediaMaxMemoryBytes", env: "ACS_MEDIA_MAX_MEMORY_BYTES", kind: kindBytes},
	mediaRangedMinBytes: {param: "mediaRangedMinBytes", env: "ACS_MEDIA_RANGED_MIN_BYTES", kind: kindBytes},

	ocrLanguage:            {param: "ocrLanguage", env: "ACS_OCR_LANGUAGE", kind: kindString},
	ocrMaxPages:            {param: "ocrMaxPages", env: "ACS_OCR_MAX_PAGES", kind: kindCount},
	ocrMaxPixels:           {param: "ocrMaxPixels", env: "ACS_OCR_MAX_PIXELS", kind: kindBytes},
	ocrMaxCPUSeconds:       {param: "ocrMaxCpuSeconds", env: "ACS_OCR_MAX_CPU_SECONDS", kind: kindCount},
	taggingProvider:        {param: "taggingProvider", env: "ACS_TAGGING_PROVIDER", kind: kindString},
	taggingEndpoint:        {param: "taggingEndpoint", env: "ACS_TAGGING_ENDPOINT", kind: kindURL},
	taggingKey:             {param: "taggingKey", env: "ACS_TAGGING_KEY", kind: kindSecret},
	taggingToken:           {param: "taggingToken", env: "ACS_TAGGING_TOKEN", kind: kindSecret},
	taggingRegion:          {param: "taggingRegion", env: "ACS_TAGGING_REGION", kind: kindString},
	taggingAccessKeyID:     {param: "taggingAccessKeyId", env: "ACS_TAGGING_ACCESS_KEY_ID", kind: kindSecret},
	taggingSecretAccessKey: {param: "taggingSecretAccessKey", env: "ACS_TAGGING_SECRET_ACCESS_KEY", kind: kindSecret},
	taggingSessionToken:    {param: "taggingSessionToken", env: "ACS_TAGGING_SESSION_TOKEN", kind: kindSecret},
	taggingTimeout:         {param: "taggingTimeout", env: "ACS_TAGGING_TIMEOUT", kind: kindDuration},
}

// value is one accepted setting: its text as given ("" when not set) and
// what it was read as.
type value struct {
	text string
	b    bool
	n    int64
	f    float64
	d    time.Duration
}

// Settings are a deployment's settings, each either not set or set to a
// value that was checked when it was read; see the package documentation
// for the list. The zero value sets nothing. Settings are comparable, so
// they can key a cache of the clients built from them.
type Settings struct {
	v [numSettings]value
}

// Names returns the parameter names of every setting, in the order of the
// package documentation.
func Names() []string {
	names := make([]string, numSettings)
	for i, d := range defs {
		names[i] = d.param
	}
	return names
}

// lookup finds a setting by parameter name or environment variable.
func lookup(name string) (int, bool) {
	for i, d := range defs {
		if d.param == name || d.env == name {
			return i, true
		}
	}
	return 0, false
}

// Set sets the setting name (its parameter name, or its environment
// variable) to text, as a command-line flag does, checking the value as
// FromEnv and FromParams do. An empty text unsets it.
// An unknown name or a value that cannot be used is an error naming the
// setting; s is then unchanged.
func (s *Settings) Set(name, text string) error {
	i, ok := lookup(name)
	if !ok {
		return api.Errorf(api.ReasonGeneric, "unknown setting %q; the settings are %s", name, strings.Join(Names(), ", "))
	}
	v, err := parse(defs[i].kind, text)
	if err != nil {
		return api.Errorf(api.ReasonGeneric, "setting %s (%s): %s", defs[i].param, defs[i].env, err)
	}
	s.v[i] = v
	return nil
}

// Get returns the text of the setting name (parameter name or environment
// variable) as it was given, or "" when it is not set or unknown.
func (s Settings) Get(name string) string {
	if i, ok := lookup(name); ok {
		return s.v[i].text
	}
	return ""
}

// FromEnv reads the settings from the environment through getenv (usually
// os.Getenv). Every value that cannot be used is reported, in one error
// naming each variable; the settings that could be read are returned all
// the same.
func FromEnv(getenv func(string) string) (Settings, error) {
	var s Settings
	var errs []error
	for i, d := range defs {
		v, err := parse(d.kind, getenv(d.env))
		if err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s: %s", d.env, err))
			continue
		}
		s.v[i] = v
	}
	if len(errs) > 0 {
		return s, api.Wrap(api.ReasonGeneric, errors.Join(errs...), "invalid deployment settings")
	}
	return s, nil
}

// FromParams reads the settings from an activation's parameters, a JSON
// object; other parameters are ignored. A parameter that is absent, null or
// an empty string is not set. Every value that cannot be used (an object,
// an array, a number where a URL is expected, ...) is reported, in one
// GenericError naming each parameter.
func FromParams(params json.RawMessage) (Settings, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(params, &fields); err != nil {
		return Settings{}, api.Wrap(api.ReasonGeneric, err, "the activation parameters are not a JSON object")
	}
	return FromParamFields(fields)
}

// FromParamFields is FromParams for parameters already split into their
// top-level fields.
func FromParamFields(fields map[string]json.RawMessage) (Settings, error) {
	var s Settings
	var errs []error
	for i, d := range defs {
		raw, ok := fields[d.param]
		if !ok || d.envOnly {
			continue
		}
		text, err := scalarString(raw)
		if err == nil {
			s.v[i], err = parse(d.kind, text)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("deployment parameter %s: %s", d.param, err))
		}
	}
	if len(errs) > 0 {
		return Settings{}, api.Wrap(api.ReasonGeneric, errors.Join(errs...), "invalid deployment settings")
	}
	return s, nil
}

// parse reads text as a setting of kind k; "" is not set. Spaces around
// a value are dropped, except around a secret.
func parse(k kind, text string) (value, error) {
	if k != kindSecret {
		text = strings.TrimSpace(text)
	}
	v := value{text: text}
	if text == "" {
		return value{}, nil
	}
	var err error
	switch k {
	case kindURL:
		u, perr := url.Parse(text)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			err = fmt.Errorf("want an http(s) URL such as https://s3.example.com, got %q", api.RedactURL(text))
		}
	case kindBool:
		v.b, err = strconv.ParseBool(text)
		if err != nil {
			err = fmt.Errorf("want true or false, got %q", text)
		}
	case kindBytes:
		v.n, err = strconv.ParseInt(text, 10, 64)
		if err != nil || v.n <= 0 {
			err = fmt.Errorf("want a positive whole number, got %q", text)
		}
	case kindCount:
		v.n, err = strconv.ParseInt(text, 10, 64)
		if err != nil || v.n <= 0 || v.n > math.MaxInt32 {
			err = fmt.Errorf("want a positive whole number up to %d, got %q", math.MaxInt32, text)
		}
	case kindDuration:
		v.d, err = time.ParseDuration(text)
		if err != nil || v.d <= 0 {
			err = fmt.Errorf("want a positive duration such as 60s, got %q", text)
		}
	case kindRatio:
		v.f, err = strconv.ParseFloat(text, 64)
		if err != nil || !(v.f >= 1) || math.IsInf(v.f, 0) {
			err = fmt.Errorf("want a number of at least 1, got %q", text)
		}
	}
	if err != nil {
		return value{}, err
	}
	return v, nil
}

// scalarString returns a JSON string's value, or the text of a boolean or
// number; null is "".
func scalarString(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool, float64:
		return strings.TrimSpace(string(raw)), nil
	case map[string]any:
		return "", errors.New("want a string, boolean or number, got an object")
	default:
		return "", errors.New("want a string, boolean or number, got an array")
	}
}

// Override returns s with every setting that is set in o replaced by o's.
func (s Settings) Override(o Settings) Settings {
	for i, v := range o.v {
		if v.text != "" {
			s.v[i] = v
		}
	}
	return s
}

// IsZero reports whether no setting is set.
func (s Settings) IsZero() bool { return s == Settings{} }

// String describes the settings that are set, secrets hidden, for logs and
// errors.
func (s Settings) String() string {
	var parts []string
	for i, v := range s.v {
		if v.text == "" {
			continue
		}
		text := v.text
		switch defs[i].kind {
		case kindSecret:
			text = "(set)"
		case kindURL:
			text = api.RedactURL(text)
		}
		parts = append(parts, defs[i].param+"="+text)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// set reports whether setting i is set.
func (s Settings) set(i int) bool { return s.v[i].text != "" }

package settings

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// source reads settings one way: from the environment, from parameters, or
// from flags (Set with NAME=VALUE pairs, as `acs process --setting` does).
type source struct {
	name string
	read func(t *testing.T, values map[string]string) (Settings, error)
}

// sources give every table row the same settings three ways. The keys of
// values are parameter names; fromEnv translates them to the variables.
var sources = []source{
	{"env", func(t *testing.T, values map[string]string) (Settings, error) {
		env := map[string]string{}
		for k, v := range values {
			i, ok := lookup(k)
			require.True(t, ok, k)
			env[defs[i].env] = v
		}
		return FromEnv(func(k string) string { return env[k] })
	}},
	{"params", func(t *testing.T, values map[string]string) (Settings, error) {
		raw, err := json.Marshal(values)
		require.NoError(t, err)
		return FromParams(raw)
	}},
	{"flags", func(t *testing.T, values map[string]string) (Settings, error) {
		var s Settings
		var errs []string
		for k, v := range values {
			if err := s.Set(k, v); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) > 0 {
			return s, api.Errorf(api.ReasonGeneric, "%s", strings.Join(errs, "; "))
		}
		return s, nil
	}},
}

func TestSettingsToOptions(t *testing.T) {
	tests := []struct {
		name     string
		values   map[string]string
		transfer transfer.Options
		image    ImageLimits
		text     TextLimits
		meta     MetaLimits
		wantErr  []string // each error names the setting (parameter or variable)
	}{
		{name: "nothing set", values: nil},
		{name: "empty is unset", values: map[string]string{"s3Endpoint": "", "maxSourceBytes": ""}},
		{
			name: "storage and network",
			values: map[string]string{
				"s3Endpoint": " http://minio:9000 ", "s3Region": "eu-central-1", "s3ForcePathStyle": "true",
				"s3AccessKeyId": "AKIA", "s3SecretAccessKey": "s3cr3t", "s3SessionToken": "tok",
				"allowHttp": "1", "allowPrivateNetworks": "TRUE", "transferTimeout": "90s", "transferAttempts": "2",
			},
			transfer: transfer.Options{
				AllowHTTP: true, AllowPrivateNetworks: true, Timeout: 90 * time.Second, Attempts: 2,
				S3: transfer.S3Options{Endpoint: "http://minio:9000", Region: "eu-central-1", PathStyle: true,
					AccessKeyID: "AKIA", SecretAccessKey: "s3cr3t", SessionToken: "tok"},
			},
		},
		{
			name:     "one source size for transfer and image",
			values:   map[string]string{"maxSourceBytes": "4294967296"},
			transfer: transfer.Options{MaxSourceBytes: 4 << 30},
			image:    ImageLimits{MaxSourceBytes: 4 << 30},
		},
		{
			name: "engine limits",
			values: map[string]string{
				"imageMaxSourcePixels": "400000000", "imageMaxFullDecodePixels": "1000", "imageMaxOutputPixels": "2000",
				"imageMaxFrames": "3", "imageMaxPages": "4", "imageMaxPdfPageBytes": "5000",
				"textMaxChars": "10", "textMaxPages": "11", "textMaxExpandedBytes": "12", "textMaxCompressionRatio": "1.5",
				"textMaxZipEntries": "13", "textMaxDepth": "14", "textMaxXmlDepth": "15", "textMaxTokenBytes": "16",
				"metaMaxBytes": "20", "metaMaxXmpBytes": "21", "metaMaxSegmentBytes": "22", "metaMaxExpandBytes": "23",
				"metaMaxTextBytes": "24", "metaMaxIfdEntries": "25", "metaMaxIfds": "26", "metaMaxProperties": "27",
				"metaMaxListItems": "28", "metaMaxValueBytes": "29", "metaMaxXmlDepth": "30",
			},
			image: ImageLimits{MaxSourcePixels: 400_000_000, MaxFullDecodePixels: 1000, MaxOutputPixels: 2000,
				MaxFrames: 3, MaxPages: 4, MaxPDFPageBytes: 5000},
			text: TextLimits{MaxChars: 10, MaxPages: 11, MaxExpandedBytes: 12, MaxCompressionRatio: 1.5,
				MaxZipEntries: 13, MaxDepth: 14, MaxXMLDepth: 15, MaxTokenBytes: 16},
			meta: MetaLimits{MaxBytes: 20, MaxXMPBytes: 21, MaxSegmentBytes: 22, MaxExpandBytes: 23, MaxTextBytes: 24,
				MaxIFDEntries: 25, MaxIFDs: 26, MaxProperties: 27, MaxListItems: 28, MaxValueBytes: 29, MaxXMLDepth: 30},
		},
		{
			name: "invalid values",
			values: map[string]string{
				"allowHttp": "yes please", "maxSourceBytes": "2GB", "transferTimeout": "60", "transferAttempts": "0",
				"s3Endpoint": "minio:9000", "imageMaxFrames": "-1", "textMaxCompressionRatio": "0.5",
				"metaMaxIfds": "99999999999", "imageMaxSourcePixels": "1e9",
			},
			wantErr: []string{"allowHttp", "maxSourceBytes", "transferTimeout", "transferAttempts", "s3Endpoint",
				"imageMaxFrames", "textMaxCompressionRatio", "metaMaxIfds", "imageMaxSourcePixels"},
		},
	}
	for _, tc := range tests {
		for _, src := range sources {
			t.Run(tc.name+"/"+src.name, func(t *testing.T) {
				s, err := src.read(t, tc.values)
				if len(tc.wantErr) > 0 {
					require.Error(t, err)
					assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
					for _, name := range tc.wantErr {
						want := name
						if src.name == "env" {
							i, _ := lookup(name)
							want = defs[i].env
						}
						assert.Contains(t, err.Error(), want)
					}
					return
				}
				require.NoError(t, err)
				var o transfer.Options
				require.NoError(t, s.Apply(&o))
				assert.Equal(t, tc.transfer, o)
				var il ImageLimits
				s.ApplyImage(&il)
				assert.Equal(t, tc.image, il)
				var tl TextLimits
				s.ApplyText(&tl)
				assert.Equal(t, tc.text, tl)
				var ml MetaLimits
				s.ApplyMeta(&ml)
				assert.Equal(t, tc.meta, ml)
			})
		}
	}
}

func TestApplyLeavesWhatIsNotSet(t *testing.T) {
	var s Settings
	require.NoError(t, s.Set("imageMaxFrames", "7"))
	o := transfer.Options{MaxSourceBytes: 123, AllowLocal: true, Attempts: 9}
	require.NoError(t, s.Apply(&o))
	assert.Equal(t, transfer.Options{MaxSourceBytes: 123, AllowLocal: true, Attempts: 9}, o)
	l := ImageLimits{MaxSourceBytes: 1, MaxFrames: 2, MaxPages: 3}
	s.ApplyImage(&l)
	assert.Equal(t, ImageLimits{MaxSourceBytes: 1, MaxFrames: 7, MaxPages: 3}, l)
}

func TestApplyChecksTheCombination(t *testing.T) {
	var s Settings
	require.NoError(t, s.Set("s3SecretAccessKey", "TOPSECRET"))
	err := s.Apply(&transfer.Options{})
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.Contains(t, err.Error(), "both an access key id and a secret access key")
	assert.NotContains(t, err.Error(), "TOPSECRET")
}

func TestOverride(t *testing.T) {
	env, err := FromEnv(func(k string) string {
		return map[string]string{"ACS_S3_ENDPOINT": "http://env:9000", "ACS_S3_REGION": "env-region",
			"ACS_ALLOW_HTTP": "true", "ACS_TRANSFER_ATTEMPTS": "2"}[k]
	})
	require.NoError(t, err)
	params, err := FromParams([]byte(`{"s3Endpoint":"http://param:9000","allowHttp":false,"s3Region":null,"requestId":"r"}`))
	require.NoError(t, err)
	s := env.Override(params)
	assert.Equal(t, "http://param:9000", s.Get("s3Endpoint"), "a set parameter wins")
	assert.Equal(t, "env-region", s.Get("ACS_S3_REGION"), "an unset parameter leaves the environment's")
	var o transfer.Options
	require.NoError(t, s.Apply(&o))
	assert.False(t, o.AllowHTTP, "false wins over the environment's true")
	assert.Equal(t, 2, o.Attempts)
	assert.Equal(t, "http://env:9000", env.Get("s3Endpoint"), "Override does not change its receiver")
}

func TestParamsThatAreNotSettings(t *testing.T) {
	s, err := FromParams([]byte(`{"allowLocal":true,"renditions":[{"fmt":"png"}],"source":"x"}`))
	require.NoError(t, err)
	assert.True(t, s.IsZero(), "allowLocal is not read from parameters, other parameters are not settings")

	for raw, want := range map[string]string{
		`{"s3Endpoint":{"url":"x"}}`: "deployment parameter s3Endpoint: want a string, boolean or number, got an object",
		`{"allowHttp":[true]}`:       "deployment parameter allowHttp: want a string, boolean or number, got an array",
		`{"maxSourceBytes":1.5}`:     `deployment parameter maxSourceBytes: want a positive whole number, got "1.5"`,
		`[1]`:                        "the activation parameters are not a JSON object",
	} {
		_, err := FromParams([]byte(raw))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), want)
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	}
	s, err = FromParams([]byte(`{"s3ForcePathStyle":true,"maxSourceBytes":1048576}`))
	require.NoError(t, err)
	assert.Equal(t, "true", s.Get("s3ForcePathStyle"))
	assert.Equal(t, "1048576", s.Get("maxSourceBytes"))
}

func TestSetNamesTheSetting(t *testing.T) {
	var s Settings
	err := s.Set("maxSourceByte", "1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown setting "maxSourceByte"`)
	assert.Contains(t, err.Error(), "maxSourceBytes")
	require.NoError(t, s.Set("ACS_MAX_SOURCE_BYTES", "5"), "the variable's name works too")
	err = s.Set("maxSourceBytes", "0")
	assert.ErrorContains(t, err, `setting maxSourceBytes (ACS_MAX_SOURCE_BYTES): want a positive whole number, got "0"`)
	assert.Equal(t, "5", s.Get("maxSourceBytes"), "a refused value leaves the setting")
}

func TestFromEnvKeepsWhatItCouldRead(t *testing.T) {
	s, err := FromEnv(func(k string) string {
		return map[string]string{"ACS_S3_REGION": "r", "ACS_MAX_SOURCE_BYTES": "lots"}[k]
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `environment variable ACS_MAX_SOURCE_BYTES: want a positive whole number, got "lots"`)
	assert.Equal(t, "r", s.Get("s3Region"))
}

func TestStringHidesSecrets(t *testing.T) {
	var s Settings
	for k, v := range map[string]string{"s3Endpoint": "http://user:pw@s3.local/?X-Amz-Signature=SIG", "s3AccessKeyId": "AKIDSECRET",
		"s3SecretAccessKey": "SUPERSECRET", "s3SessionToken": "TOKENSECRET", "imageMaxFrames": "3"} {
		require.NoError(t, s.Set(k, v))
	}
	out := s.String()
	assert.Contains(t, out, "s3Endpoint=http://")
	assert.Contains(t, out, "imageMaxFrames=3")
	for _, secret := range []string{"AKIDSECRET", "SUPERSECRET", "TOKENSECRET", "pw", "SIG"} {
		assert.NotContains(t, out, secret)
	}
}

func TestEveryNameIsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range defs {
		require.NotEmpty(t, d.param)
		require.NotEmpty(t, d.env)
		assert.False(t, seen[d.param], d.param)
		assert.False(t, seen[d.env], d.env)
		seen[d.param], seen[d.env] = true, true
	}
	assert.Len(t, Names(), int(numSettings))
}

func TestClientsReuseOneClientPerTransferSettings(t *testing.T) {
	c := &Clients{Logger: quiet}
	set := func(kv ...string) Settings {
		var s Settings
		for i := 0; i < len(kv); i += 2 {
			require.NoError(t, s.Set(kv[i], kv[i+1]))
		}
		return s
	}
	a, err := c.For(set("s3Region", "eu-west-1"))
	require.NoError(t, err)
	b, err := c.For(set("s3Region", "eu-west-1", "imageMaxFrames", "3"))
	require.NoError(t, err)
	assert.Same(t, a, b, "engine limits do not need another client")
	other, err := c.For(set("s3Region", "us-east-1"))
	require.NoError(t, err)
	assert.NotSame(t, a, other)
	_, err = c.For(set("s3SecretAccessKey", "hidden"))
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.NotContains(t, err.Error(), "hidden")
}

// TestDocumentationListsEverySetting checks the table of the package
// documentation against the settings read: every parameter, with its
// environment variable, in order.
func TestDocumentationListsEverySetting(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var rows [][2]string
	for _, line := range strings.Split(string(doc), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//\t"))
		if strings.HasPrefix(line, "//\t") && len(f) >= 2 && f[0] != "parameter" &&
			(strings.HasPrefix(f[1], "ACS_") || strings.HasPrefix(f[1], "AWS_")) {
			rows = append(rows, [2]string{f[0], f[1]})
		}
	}
	var want [][2]string
	for _, d := range defs {
		want = append(want, [2]string{d.param, d.env})
	}
	assert.Equal(t, want, rows)
}

func TestApplyOCR(t *testing.T) {
	for _, src := range sources {
		s, err := src.read(t, map[string]string{"ocrLanguage": "deu+eng", "ocrMaxPages": "5", "ocrMaxPixels": "1000000", "ocrMaxCpuSeconds": "30"})
		require.NoError(t, err, src.name)
		o := OCRSettings{Language: "eng", MaxPages: 9}
		s.ApplyOCR(&o)
		assert.Equal(t, OCRSettings{Language: "deu+eng", MaxPages: 5, MaxPixels: 1000000, CPUSeconds: 30}, o, src.name)
		_, err = src.read(t, map[string]string{"ocrMaxPages": "0"})
		assert.Error(t, err, src.name)
	}
	var s Settings
	o := OCRSettings{Language: "fra", MaxPages: 3}
	s.ApplyOCR(&o)
	assert.Equal(t, OCRSettings{Language: "fra", MaxPages: 3}, o, "nothing set leaves the defaults")
}

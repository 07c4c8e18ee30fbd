package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	stdimage "image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// TestActivationSettingsSetEngineLimits runs the built-in workers as
// Handlers builds them, with the engine limits in the activation's
// parameters, as OpenWhisk binds the package parameters: each engine
// applies them, on top of the worker's own settings, and an activation
// without them keeps the defaults.
func TestActivationSettingsSetEngineLimits(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, Logger: logger})
	require.NoError(t, err)
	var base settings.Settings
	require.NoError(t, base.Set("textMaxPages", "50"))
	handlers, err := Handlers(worker.Options{Transfer: tc, Settings: base, Logger: logger, TempDir: dir}, image.Options{})
	require.NoError(t, err)

	pngPath := filepath.Join(dir, "src.png")
	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	img.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	require.NoError(t, os.WriteFile(pngPath, b.Bytes(), 0o600))
	txtPath := filepath.Join(dir, "src.txt")
	require.NoError(t, os.WriteFile(txtPath, []byte(strings.Repeat("word ", 100)), 0o600))

	run := func(action, src, fmt string, params map[string]any) api.RenditionResult {
		t.Helper()
		p := map[string]any{
			"requestId":  "r",
			"source":     src,
			"renditions": []map[string]any{{"name": "out." + fmt, "fmt": fmt, "target": filepath.Join(t.TempDir(), "out."+fmt)}},
		}
		for k, v := range params {
			p[k] = v
		}
		raw, err := json.Marshal(p)
		require.NoError(t, err)
		out, err := handlers[action](context.Background(), raw)
		require.NoError(t, err)
		res := out.(*api.WorkerResult)
		require.Len(t, res.Renditions, 1)
		return res.Renditions[0]
	}

	// image: the source has 1200 pixels
	r := run(ThumbnailAction, pngPath, "png", nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	r = run(ThumbnailAction, pngPath, "png", map[string]any{"imageMaxSourcePixels": 1000})
	assert.Equal(t, api.ReasonSourceTooLarge, r.Reason, r.Message)
	r = run(ThumbnailAction, pngPath, "png", map[string]any{"maxSourceBytes": 100})
	assert.Equal(t, api.ReasonSourceTooLarge, r.Reason, r.Message)
	assert.Contains(t, r.Message, "more than the limit of 100 bytes")

	// text
	r = run(FulltextAction, txtPath, "txt", nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.EqualValues(t, 500, r.Metadata["acs:characters"])
	r = run(FulltextAction, txtPath, "txt", map[string]any{"textMaxChars": "12"})
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	assert.EqualValues(t, 12, r.Metadata["acs:characters"])
	assert.Equal(t, true, r.Metadata["acs:truncated"])

	// metadata
	r = run(MetadataAction, pngPath, "machine-metadata-json", nil)
	require.Equal(t, api.StatusCreated, r.Status, r.Message)
	r = run(MetadataAction, pngPath, "machine-metadata-json", map[string]any{"metaMaxBytes": 40})
	assert.Equal(t, api.StatusFailed, r.Status)
	assert.Contains(t, r.Message, "beyond the read limit of 40 bytes")

	// a value that cannot be used fails the activation, naming it
	raw := []byte(`{"requestId":"r","source":"` + pngPath + `","renditions":[{"fmt":"png","target":"/dev/null"}],"imageMaxPages":"many"}`)
	_, err = handlers[ThumbnailAction](context.Background(), raw)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "deployment parameter imageMaxPages")
}

// TestSettingsDocumentTheEngineDefaults checks the defaults that the
// settings package documents for the engine limits against the engines'
// own, and that each row names a field the setting really sets.
func TestSettingsDocumentTheEngineDefaults(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "settings", "doc.go"))
	require.NoError(t, err)
	engine, err := image.New(image.Options{})
	require.NoError(t, err)
	defaults := map[string]reflect.Value{
		"image.Limits.": reflect.ValueOf(engine.Limits()),
		"text.Options.": reflect.ValueOf(text.DefaultOptions()),
		"meta.Options.": reflect.ValueOf(meta.DefaultOptions()),
	}
	units := map[string]float64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
	rows := 0
	for _, line := range strings.Split(string(doc), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "//\t"))
		if !strings.HasPrefix(line, "//\t") || len(f) < 4 {
			continue
		}
		param, documented, field := f[0], f[2], f[3]
		if _, ok := units[f[3]]; ok {
			documented, field = f[2]+" "+f[3], f[4]
		}
		for prefix, v := range defaults {
			if !strings.HasPrefix(field, prefix) {
				continue
			}
			rows++
			name := strings.TrimPrefix(field, prefix)
			fv := v.FieldByName(name)
			require.True(t, fv.IsValid(), "%s: no field %s", param, field)
			var got float64
			switch fv.Kind() {
			case reflect.Int, reflect.Int64:
				got = float64(fv.Int())
			case reflect.Float64:
				got = fv.Float()
			}
			num, unit, _ := strings.Cut(documented, " ")
			want, err := strconv.ParseFloat(num, 64)
			require.NoError(t, err, line)
			if unit != "" {
				want *= units[unit]
			}
			assert.Equal(t, want, got, "%s: documented default %s, %s is %v", param, documented, field, got)

			// The setting sets that field.
			var s settings.Settings
			require.NoError(t, s.Set(param, "3"))
			var il settings.ImageLimits
			var tl settings.TextLimits
			var ml settings.MetaLimits
			s.ApplyImage(&il)
			s.ApplyText(&tl)
			s.ApplyMeta(&ml)
			set := map[string]reflect.Value{"image.Limits.": reflect.ValueOf(il), "text.Options.": reflect.ValueOf(tl), "meta.Options.": reflect.ValueOf(ml)}[prefix]
			sv := set.FieldByName(name)
			require.True(t, sv.IsValid(), field)
			assert.False(t, sv.IsZero(), "%s sets %s", param, field)
		}
	}
	assert.Equal(t, 6+8+11, rows, "every engine limit is documented")
}

package main

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	_ "image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// TestActionThroughRuntimeProtocol builds the real thumbnail action, zips it
// with exec.env as OpenWhisk expects, and drives it through /init and /run
// as the OpenWhisk Go runtime does.
func TestActionThroughRuntimeProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the action binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "exec")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	zip, err := owaction.ZipAction(bin, "openwhisk/action-golang-v1.24")
	require.NoError(t, err)

	// A storage stand-in: serves the source and records the upload.
	source, err := os.ReadFile(filepath.Join("..", "..", "examples", "samples", "portrait-rotated.jpg"))
	require.NoError(t, err)
	var mu sync.Mutex
	uploaded := map[string][]byte{}
	hostile := hostileSources(t)
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if b, ok := hostile[r.URL.Path]; ok {
				_, _ = w.Write(b)
				return
			}
			_, _ = w.Write(source)
		case http.MethodPut:
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			uploaded[r.URL.Path] = b
			mu.Unlock()
		}
	}))
	defer storage.Close()

	proxy := owaction.NewProxy(owaction.ProxyOptions{ExecutionEnv: "openwhisk/action-golang-v1.24"})
	runtime := httptest.NewServer(proxy)
	defer runtime.Close()

	initBody, _ := json.Marshal(map[string]any{"value": map[string]any{
		"code": base64.StdEncoding.EncodeToString(zip), "binary": true, "main": "main",
		// The storage stand-in listens on loopback, which production refuses.
		"env": map[string]string{"ACS_ALLOW_HTTP": "true", "ACS_ALLOW_PRIVATE_NETWORKS": "true"},
	}})
	resp, err := http.Post(runtime.URL+"/init", "application/json", bytes.NewReader(initBody))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	call := func(params any) api.WorkerResult {
		runBody, _ := json.Marshal(map[string]any{
			"value": params, "activation_id": "a1", "action_name": "/guest/acs/thumbnail", "namespace": "guest",
			"deadline": strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10),
		})
		resp, err := http.Post(runtime.URL+"/run", "application/json", bytes.NewReader(runBody))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		var res api.WorkerResult
		require.NoError(t, json.Unmarshal(body, &res), string(body))
		return res
	}

	width := 120
	res := call(api.WorkerRequest{RequestID: "r1", Source: api.Source{URL: storage.URL + "/in/portrait.jpg"},
		Renditions: []api.Rendition{{Name: "t.png", Fmt: "png", Width: &width, Target: api.Target{URL: storage.URL + "/out/t.png?sig=x"}}}})
	require.Len(t, res.Renditions, 1)
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(uploaded["/out/t.png"]))
	require.NoError(t, err)
	assert.Equal(t, "png", format)
	assert.Equal(t, [2]int{120, 160}, [2]int{cfg.Width, cfg.Height}, "EXIF orientation applied, aspect kept")

	// Engine limits bound as package parameters reach the engine: the
	// source has 600x450 pixels, more than 50000.
	res = call(map[string]any{"requestId": "r4", "source": storage.URL + "/in/portrait.jpg", "imageMaxSourcePixels": 50000,
		"renditions": []map[string]any{{"name": "l.png", "fmt": "png", "width": 120, "target": storage.URL + "/out/l.png"}}})
	require.Len(t, res.Renditions, 1)
	assert.Equal(t, api.ReasonSourceTooLarge, res.Renditions[0].Reason, res.Renditions[0].Message)

	// A watermark image is fetched through the action's transfer client,
	// under the same rules as the source (here the same stand-in).
	res = call(api.WorkerRequest{RequestID: "r3", Source: api.Source{URL: storage.URL + "/in/portrait.jpg"},
		Renditions: []api.Rendition{{Name: "w.jpg", Fmt: "jpg", Width: &width, Target: api.Target{URL: storage.URL + "/out/w.jpg"},
			Watermark: &api.Watermark{Image: storage.URL + "/in/logo.jpg", Scale: 0.5}, Interlace: true}}})
	require.Len(t, res.Renditions, 1)
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	cfg, format, err = image.DecodeConfig(bytes.NewReader(uploaded["/out/w.jpg"]))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, [2]int{120, 160}, [2]int{cfg.Width, cfg.Height})

	// The same warm process serves another activation, and a bad source
	// fails its rendition instead of the process.
	res = call(api.WorkerRequest{RequestID: "r2", Source: api.Source{URL: "ftp://example.com/x.jpg"},
		Renditions: []api.Rendition{{Name: "t.png", Fmt: "png", Target: api.Target{URL: storage.URL + "/out/t2.png"}}}})
	require.Len(t, res.Renditions, 1)
	assert.Equal(t, api.ReasonSourceUnsupported, res.Renditions[0].Reason)

	// Hostile sources end in one result each, with the reason, and the
	// process lives on.
	for _, tc := range []struct {
		path   string
		reason api.Reason // empty: created
		msg    string
	}{
		{"/in/empty.png", api.ReasonSourceCorrupt, "empty"},
		{"/in/lossless.jpg", api.ReasonSourceFormatUnsupported, "lossless JPEG is not supported"},
		{"/in/laughs.svg", api.ReasonSourceTooLarge, "entity expansion bomb"},
		{"/in/illustrator.svg", "", ""},
		{"/in/text-bomb.png", "", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			target := storage.URL + "/out" + tc.path + ".png"
			res := call(api.WorkerRequest{RequestID: "h", Source: api.Source{URL: storage.URL + tc.path},
				Renditions: []api.Rendition{{Name: "t.png", Fmt: "png", Width: &width, Target: api.Target{URL: target}}}})
			require.Len(t, res.Renditions, 1)
			r := res.Renditions[0]
			if tc.reason == "" {
				require.Equal(t, api.StatusCreated, r.Status, r.Message)
				mu.Lock()
				out := uploaded["/out"+tc.path+".png"]
				mu.Unlock()
				cfg, _, err := image.DecodeConfig(bytes.NewReader(out))
				require.NoError(t, err)
				assert.Equal(t, width, cfg.Width)
				return
			}
			assert.Equal(t, tc.reason, r.Reason, r.Message)
			assert.Contains(t, r.Message, tc.msg)
		})
	}
}

// hostileSources returns sources by storage path: an empty file, a
// lossless JPEG, an SVG entity bomb, an SVG as Adobe Illustrator writes
// it (entities in its document type declaration) and a PNG whose text
// chunks inflate to 1 GiB.
func hostileSources(t *testing.T) map[string][]byte {
	t.Helper()
	laughs := "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY l0 \"lol\">\n"
	for i := 1; i <= 9; i++ {
		laughs += fmt.Sprintf("<!ENTITY l%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&l%d;", i-1), 10))
	}
	laughs += `]><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&l9;</text></svg>`
	illustrator := `<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 16.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
	<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">
	<!ENTITY ns_graphs "http://ns.adobe.com/Graphs/1.0/">
	<!ENTITY ns_vars "http://ns.adobe.com/Variables/1.0/">
	<!ENTITY ns_imrep "http://ns.adobe.com/ImageReplacement/1.0/">
	<!ENTITY ns_sfw "http://ns.adobe.com/SaveForWeb/1.0/">
	<!ENTITY ns_custom "http://ns.adobe.com/GenericCustomNamespace/1.0/">
	<!ENTITY ns_adobe_xpath "http://ns.adobe.com/XPath/1.0/">
	<!ENTITY ns_svg "http://www.w3.org/2000/svg">
	<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">
]>
<svg version="1.1" xmlns:x="&ns_extend;" xmlns:i="&ns_ai;" xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;"
	 width="240px" height="120px" viewBox="0 0 240 120"><rect width="120" height="120" fill="#f00"/></svg>
`
	// A PNG with 64 zTXt chunks of 16 MiB of zeros each, after its IHDR.
	var pic bytes.Buffer
	require.NoError(t, png.Encode(&pic, image.NewGray(image.Rect(0, 0, 240, 120))))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 16; i++ {
		_, _ = zw.Write(zeros)
	}
	require.NoError(t, zw.Close())
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, typ...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
	}
	bomb := append([]byte{}, pic.Bytes()[:33]...)
	for i := 0; i < 64; i++ {
		bomb = append(bomb, chunk("zTXt", append([]byte(fmt.Sprintf("c%d\x00\x00", i)), z.Bytes()...))...)
	}
	bomb = append(bomb, pic.Bytes()[33:]...)
	lossless := []byte{0xff, 0xd8, 0xff, 0xc3, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0, 0xff, 0xd9}
	return map[string][]byte{
		"/in/empty.png": {}, "/in/lossless.jpg": lossless, "/in/laughs.svg": []byte(laughs),
		"/in/illustrator.svg": []byte(illustrator), "/in/text-bomb.png": bomb,
	}
}

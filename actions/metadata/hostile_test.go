package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/metadata"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// files serves named sources (honouring Range) and keeps uploads.
type files struct {
	*httptest.Server
	mu      sync.Mutex
	sources map[string][]byte
	uploads map[string][]byte
}

func newFiles(t *testing.T, sources map[string][]byte) *files {
	f := &files{sources: sources, uploads: map[string][]byte{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if r.Method == http.MethodPut {
			b, _ := io.ReadAll(r.Body)
			f.uploads[r.URL.Path] = b
			return
		}
		data, ok := f.sources[strings.TrimPrefix(r.URL.Path, "/src/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "", time.Unix(1_700_000_000, 0), bytes.NewReader(data))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *files) upload(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads[path]
}

// bombPDF is a PDF of about 1 MB whose metadata stream inflates to 1 GiB.
func bombPDF() []byte {
	z := testutil.ZlibBomb(nil, 1<<30)
	var b bytes.Buffer
	var offs []int
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	b.WriteString("%PDF-1.7\n")
	obj("<< /Type /Catalog /Pages 2 0 R /Metadata 3 0 R >>")
	obj("<< /Type /Pages /Kids [] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", len(z), z))
	obj("<< /Title (Bomb) >>")
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

func minimalDocx(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>`},
	} {
		w, err := zw.Create(e[0])
		require.NoError(t, err)
		w.Write([]byte(e[1]))
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// TestHostileSourcesEndToEnd runs the metadata action's worker (source
// opened in ranges, extraction, upload) on hostile and odd sources, with
// an xmp and a machine-metadata-json rendition each: every rendition ends
// in exactly one result with the expected status and reason, and the
// activation leaves no files behind.
func TestHostileSourcesEndToEnd(t *testing.T) {
	encrypted, err := os.ReadFile(filepath.Join("..", "..", "pkg", "meta", "testdata", "pdf", "enc-user-aes-256.pdf"))
	require.NoError(t, err)
	ownerOnly, err := os.ReadFile(filepath.Join("..", "..", "pkg", "meta", "testdata", "pdf", "enc-aes-256.pdf"))
	require.NoError(t, err)
	plainWebP := []byte("RIFFT\x00\x00\x00WEBPVP8 H\x00\x00\x00\xb0\x03\x00\x9d\x01\x2a\x40\x00\x30\x00\x3e\x91\x48\xa0\x4c\x25\xa4\x23\x22\x22\xa8\x00\xb0\x12\x09\x67\x00\xd3\x52\x80\x00\x15\x1f\xbd\x09\xb4\xc5\x00\x00\xfe\xee\xa6\x3f\xff\x80\xdd\x7c\x5b\x4c\xbf\xff\x73\x81\xff\x73\x81\xff\x73\x81\xfc\x6d\x41\x07\xef\x61\xda\xe1\x98\xf4\x6c\x00\x00")
	srv := newFiles(t, map[string][]byte{
		"empty.jpg":    {},
		"locked.pdf":   encrypted,
		"owner.pdf":    ownerOnly,
		"plain.webp":   plainWebP,
		"minimal.docx": minimalDocx(t),
		"bomb.pdf":     bombPDF(),
		"cut.png":      []byte("\x89PN"),
	})
	client, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	tmp := t.TempDir()
	opts := worker.Options{Transfer: client, TempDir: tmp, Logger: slog.New(slog.DiscardHandler)}
	configure(&opts)
	action, err := worker.New(metadata.Func(meta.Options{}), opts)
	require.NoError(t, err)

	for _, tc := range []struct {
		file    string
		reason  api.Reason // "" for created
		message string     // in the failure message
		want    map[string]any
	}{
		{"empty.jpg", api.ReasonSourceCorrupt, "is empty", nil},
		{"locked.pdf", api.ReasonSourceUnsupported, "password-protected", nil},
		{"cut.png", api.ReasonSourceCorrupt, "does not start like a PNG file", nil},
		{"owner.pdf", "", "", map[string]any{"dc:title": "Café info", "xmp:Rating": 4.0}},
		{"plain.webp", "", "", map[string]any{"tiff:ImageWidth": 64.0, "tiff:ImageLength": 48.0}},
		{"minimal.docx", "", "", map[string]any{"dc:format": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}},
		{"bomb.pdf", "", "", map[string]any{"dc:title": "Bomb", "xmpTPg:NPages": 1.0}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res := action.Process(context.Background(), &api.WorkerRequest{
				RequestID: "r-" + tc.file,
				Source:    api.Source{URL: srv.URL + "/src/" + tc.file},
				Renditions: []api.Rendition{
					{Name: "meta.json", Fmt: "machine-metadata-json", Target: api.Target{URL: srv.URL + "/out/" + tc.file + ".json"}},
					{Name: "meta.xmp", Fmt: "xmp", Target: api.Target{URL: srv.URL + "/out/" + tc.file + ".xmp"}},
				},
			})
			require.Len(t, res.Renditions, 2)
			for _, r := range res.Renditions {
				if tc.reason == "" {
					require.Equal(t, api.StatusCreated, r.Status, r.Message)
					continue
				}
				assert.Equal(t, api.StatusFailed, r.Status)
				assert.Equal(t, tc.reason, r.Reason, r.Message)
				assert.Contains(t, r.Message, tc.message)
			}
			if tc.reason == "" {
				var md map[string]any
				require.NoError(t, json.Unmarshal(srv.upload("/out/"+tc.file+".json"), &md))
				for k, v := range tc.want {
					assert.Equal(t, v, md[k], k)
				}
				assert.Contains(t, string(srv.upload("/out/"+tc.file+".xmp")), "<x:xmpmeta")
			} else {
				assert.Nil(t, srv.upload("/out/"+tc.file+".json"))
			}
			left, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, left, "the activation leaves no files")
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/process"
)

// corpus returns a file from the shared sample corpus, or from the repo's
// examples when the corpus is not beside the checkout.
func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "samples", name))
	require.NoError(t, err)
	return b
}

// fakeS3 starts an in-process S3 server and returns a client for it; the
// acs process under test reaches it through ACS_S3_* settings.
func fakeS3(t *testing.T) *s3.Client {
	t.Helper()
	faker := gofakes3.New(s3mem.New())
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	t.Setenv("ACS_S3_ENDPOINT", srv.URL)
	t.Setenv("ACS_S3_PATH_STYLE", "true")
	t.Setenv("ACS_S3_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Region: "us-east-1",
		Credentials:                credentials.NewStaticCredentialsProvider("test", "test", ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
	_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("assets")})
	require.NoError(t, err)
	return client
}

func putObject(t *testing.T, c *s3.Client, key string, body []byte) {
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("assets"), Key: aws.String(key), Body: bytes.NewReader(body)})
	require.NoError(t, err)
}

func getObject(t *testing.T, c *s3.Client, key string) ([]byte, string) {
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("assets"), Key: aws.String(key)})
	require.NoError(t, err, key)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return b, aws.ToString(out.ContentType)
}

// runProcess runs `acs process -f -` with the request and decodes the result.
func runProcess(t *testing.T, request string, extra ...string) (int, *process.Result, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args := append([]string{"process", "-f", "-"}, extra...)
	code := run(context.Background(), args, strings.NewReader(request), &stdout, &stderr)
	var res process.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	return code, &res, stderr.String()
}

func decodeImage(t *testing.T, b []byte) (image.Config, string) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	return cfg, format
}

func TestProcessS3SourceAndTargets(t *testing.T) {
	c := fakeS3(t)
	putObject(t, c, "photos/portrait.jpg", sample(t, "portrait-rotated.jpg"))
	code, res, stderr := runProcess(t, `{
		"source": "s3://assets/photos/portrait.jpg",
		"renditions": [
			{"name": "thumb.png", "fmt": "png", "width": 200, "height": 200, "target": "s3://assets/renditions/thumb.png"},
			{"name": "web.jpg", "fmt": "jpg", "width": 300, "quality": 80, "target": "s3://assets/renditions/web.jpg"},
			{"name": "card.webp", "fmt": "webp", "height": 100, "target": "s3://assets/renditions/card.webp"}
		]}`)
	require.Equal(t, exitOK, code, "stderr: %s\nresult: %+v", stderr, res)
	want := []struct {
		key, format, ctype string
		w, h               int
	}{
		{"renditions/thumb.png", "png", "image/png", 150, 200}, // portrait 450x600 after EXIF orientation
		{"renditions/web.jpg", "jpeg", "image/jpeg", 300, 400},
		{"renditions/card.webp", "webp", "image/webp", 75, 100},
	}
	for i, w := range want {
		body, ctype := getObject(t, c, w.key)
		cfg, format := decodeImage(t, body)
		assert.Equal(t, w.format, format, w.key)
		assert.Equal(t, w.ctype, ctype, w.key)
		assert.Equal(t, [2]int{w.w, w.h}, [2]int{cfg.Width, cfg.Height}, w.key)
		ev := res.Events[i]
		assert.Equal(t, api.EventRenditionCreated, ev.Type)
		assert.EqualValues(t, len(body), ev.Metadata["repo:size"])
		assert.EqualValues(t, w.w, ev.Metadata["tiff:imageWidth"])
	}
}

func TestProcessPresignedURLs(t *testing.T) {
	c := fakeS3(t)
	putObject(t, c, "in/alpha.png", sample(t, "with-alpha.png"))
	presign := s3.NewPresignClient(c)
	get, err := presign.PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("assets"), Key: aws.String("in/alpha.png")},
		s3.WithPresignExpires(time.Hour))
	require.NoError(t, err)
	put, err := presign.PresignPutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("assets"), Key: aws.String("out/alpha.jpg")})
	require.NoError(t, err)
	req, _ := json.Marshal(map[string]any{
		"source":     get.URL,
		"renditions": []map[string]any{{"name": "alpha.jpg", "fmt": "jpg", "width": 64, "target": put.URL}},
	})
	code, res, stderr := runProcess(t, string(req))
	require.Equal(t, exitOK, code, "stderr: %s", stderr)
	body, _ := getObject(t, c, "out/alpha.jpg")
	cfg, format := decodeImage(t, body)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, 64, cfg.Width)
	out, _ := json.Marshal(res)
	assert.NotContains(t, string(out), "X-Amz-Signature", "presigned query strings never reach the result")
	assert.NotContains(t, stderr, "X-Amz-Signature")
}

func TestProcessExitStatusAndBadInput(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(src, []byte("just text, not an image"), 0o644))
	cases := []struct {
		name    string
		request string
		args    []string
		code    int
		reasons []api.Reason
	}{
		{"malformed JSON", `{"source": "x"`, nil, exitInvalid, nil},
		{"missing source", `{"renditions":[{"fmt":"png","target":"` + dir + `/a.png"}]}`, nil, exitInvalid, []api.Reason{api.ReasonGeneric}},
		{"unknown fmt", `{"source":"` + src + `","renditions":[{"fmt":"docx","target":"` + dir + `/a"}]}`, nil, exitFailed,
			[]api.Reason{api.ReasonRenditionFormatUnsupported}},
		{"non-image source", `{"source":"` + src + `","renditions":[{"fmt":"png","target":"` + dir + `/a.png"}]}`, nil, exitFailed,
			[]api.Reason{api.ReasonSourceFormatUnsupported}},
		{"disallowed scheme", `{"source":"gopher://example.com/a.jpg","renditions":[{"fmt":"png","target":"` + dir + `/a.png"}]}`, nil, exitFailed,
			[]api.Reason{api.ReasonSourceUnsupported}},
		{"local file in strict mode", `{"source":"` + src + `","renditions":[{"fmt":"png","target":"` + dir + `/a.png"}]}`, []string{"--strict-network"}, exitFailed,
			[]api.Reason{api.ReasonSourceUnsupported}},
		{"custom worker not allow-listed", `{"source":"` + src + `","renditions":[{"worker":"tagger","target":"` + dir + `/a.json"}]}`, nil, exitFailed,
			[]api.Reason{api.ReasonRenditionFormatUnsupported}},
		{"oversize source", `{"source":"` + src + `","renditions":[{"fmt":"png","target":"` + dir + `/a.png"}]}`, []string{"--max-source-bytes", "10"}, exitFailed,
			[]api.Reason{api.ReasonSourceTooLarge}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, res, stderr := runProcess(t, tc.request, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			require.Len(t, res.Events, len(tc.reasons))
			for i, reason := range tc.reasons {
				assert.Equal(t, api.EventRenditionFailed, res.Events[i].Type)
				assert.Equal(t, reason, res.Events[i].ErrorReason, res.Events[i].ErrorMessage)
			}
		})
	}
	_, err := os.Stat(filepath.Join(dir, "a.png"))
	assert.True(t, os.IsNotExist(err), "a failed rendition leaves no file behind")
}

func TestProcessLocalFilesAndEmbedding(t *testing.T) {
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", "portrait-rotated.jpg"))
	require.NoError(t, err)
	reqFile := filepath.Join(dir, "req.json")
	require.NoError(t, os.WriteFile(reqFile, []byte(`{"source":"`+src+`","renditions":[
		{"name":"t.png","fmt":"png","width":90,"target":"`+dir+`/sub/t.png"},
		{"name":"icon.png","fmt":"png","width":16,"embedBinaryLimit":32768}]}`), 0o644))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"process", "-f", reqFile}, nil, &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	b, err := os.ReadFile(filepath.Join(dir, "sub", "t.png"))
	require.NoError(t, err)
	cfg, _ := decodeImage(t, b)
	assert.Equal(t, [2]int{90, 120}, [2]int{cfg.Width, cfg.Height})
	var res process.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	assert.True(t, strings.HasPrefix(res.Events[1].Data, "data:image/png;base64,"))
}

func TestProcessMetadataRenditions(t *testing.T) {
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", "portrait-rotated.jpg"))
	require.NoError(t, err)
	code, res, stderr := runProcess(t, `{"source":"`+src+`","renditions":[
		{"name":"meta.xmp","fmt":"xmp","target":"`+dir+`/meta.xmp"},
		{"name":"meta.json","fmt":"machine-metadata-json","target":"`+dir+`/meta.json"}]}`)
	require.Equal(t, exitOK, code, stderr)
	xmp, err := os.ReadFile(filepath.Join(dir, "meta.xmp"))
	require.NoError(t, err)
	assert.Contains(t, string(xmp), "<x:xmpmeta")
	var doc map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "meta.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.EqualValues(t, 6, doc["tiff:Orientation"], "the sample's EXIF orientation is reported")
	assert.Equal(t, "application/rdf+xml", res.Events[0].Metadata["dc:format"])
	assert.Equal(t, "application/json", res.Events[1].Metadata["dc:format"])
}

func TestProcessTextRenditions(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"multilingual.pdf", "report.docx"} {
		src, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", name))
		require.NoError(t, err)
		out := filepath.Join(dir, name+".txt")
		code, res, stderr := runProcess(t, `{"source":"`+src+`","renditions":[
			{"name":"full.txt","fmt":"text","target":"`+out+`"},
			{"name":"short.txt","fmt":"txt","maxChars":20,"embedBinaryLimit":1000}]}`)
		require.Equal(t, exitOK, code, stderr)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.NotEmpty(t, strings.TrimSpace(string(b)), name)
		assert.Equal(t, "text/plain; charset=utf-8", res.Events[0].Metadata["dc:format"])
		assert.Equal(t, "utf-8", res.Events[0].Metadata["repo:encoding"])
		assert.Equal(t, true, res.Events[1].Metadata["acs:truncated"], "truncation is reported, never silent")
	}
	pdf, _ := os.ReadFile(filepath.Join(dir, "multilingual.pdf.txt"))
	assert.Contains(t, string(pdf), "Το σημειωματάριο του φαροφύλακα")
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, exitInvalid, run(context.Background(), nil, nil, &out, &errOut))
	assert.Equal(t, exitInvalid, run(context.Background(), []string{"frobnicate"}, nil, &out, &errOut))
	assert.Equal(t, exitInvalid, run(context.Background(), []string{"process"}, nil, &out, &errOut))
	assert.Equal(t, exitOK, run(context.Background(), []string{"version"}, nil, &out, &errOut))
	assert.Contains(t, out.String(), "acs")
}

// TestProcessOfficePreview: `acs process` runs the office action in
// process for the image renditions of an Office source: the page
// rendered by LibreOffice, while its text rendition still goes to the
// fulltext action.
func TestProcessOfficePreview(t *testing.T) {
	testutil.NeedTool(t, "soffice")
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", "report.docx"))
	require.NoError(t, err)
	code, res, stderr := runProcess(t, `{"source":"`+src+`","renditions":[
		{"name":"page.png","fmt":"png","width":200,"target":"`+dir+`/page.png"},
		{"name":"full.txt","fmt":"text","target":"`+dir+`/full.txt"}]}`)
	require.Equal(t, exitOK, code, stderr)
	b, err := os.ReadFile(filepath.Join(dir, "page.png"))
	require.NoError(t, err)
	cfg, format := decodeImage(t, b)
	assert.Equal(t, "png", format)
	assert.Equal(t, 200, cfg.Width)
	assert.Greater(t, cfg.Height, 200, "a portrait page")
	assert.Equal(t, "page", res.Events[0].Metadata["office:source"])
	assert.Nil(t, res.Events[1].Metadata["office:source"])
}

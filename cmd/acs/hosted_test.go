package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/process"
)

// A request written for the hosted service: wid/hei/qlt and type are
// honoured (before, wid and hei were ignored and the rendition came out at
// the source's size, reported created), a misspelt key is refused naming
// it, and a rendition with a target and embedBinaryLimit is both uploaded
// and embedded, its event echoing the instructions as written.
func TestProcessHostedServiceRequest(t *testing.T) {
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", "portrait-rotated.jpg"))
	require.NoError(t, err)
	reqFile := filepath.Join(dir, "req.json")
	require.NoError(t, os.WriteFile(reqFile, []byte(`{"source":"`+src+`","renditions":[
		{"name":"a.png","fmt":"png","wid":64,"hei":64,"target":"`+dir+`/a.png"},
		{"name":"b.jpg","type":"image/jpeg","wid":30,"qlt":50,"target":"`+dir+`/b.jpg","embedBinaryLimit":32768},
		{"name":"c.png","fmt":"png","widht":64,"target":"`+dir+`/c.png"}]}`), 0o644))
	var stdout, stderr bytes.Buffer
	run(context.Background(), []string{"process", "-f", reqFile}, nil, &stdout, &stderr)
	var res process.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "stdout: %s\nstderr: %s", stdout.String(), stderr.String())
	require.Len(t, res.Events, 3, "one event per rendition")

	a := res.Events[0]
	require.Equal(t, api.EventRenditionCreated, a.Type, a.ErrorMessage)
	b, err := os.ReadFile(filepath.Join(dir, "a.png"))
	require.NoError(t, err)
	cfg, _ := decodeImage(t, b)
	assert.Equal(t, [2]int{48, 64}, [2]int{cfg.Width, cfg.Height}, "fits in wid x hei")
	assert.JSONEq(t, `{"name":"a.png","fmt":"png","wid":64,"hei":64}`, string(a.Instructions))

	e := res.Events[1]
	require.Equal(t, api.EventRenditionCreated, e.Type, e.ErrorMessage)
	assert.Equal(t, "jpg", e.Rendition.Fmt)
	stored, err := os.ReadFile(filepath.Join(dir, "b.jpg"))
	require.NoError(t, err, "uploaded to its target")
	cfg, format := decodeImage(t, stored)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, 30, cfg.Width)
	data, ok := strings.CutPrefix(e.Data, "data:image/jpeg;base64,")
	require.True(t, ok, "embedded too: %.40s", e.Data)
	assert.Equal(t, base64.StdEncoding.EncodeToString(stored), data)

	c := res.Events[2]
	assert.Equal(t, api.EventRenditionFailed, c.Type)
	assert.Equal(t, api.ReasonGeneric, c.ErrorReason)
	assert.True(t, strings.HasPrefix(c.ErrorMessage, "widht:"), c.ErrorMessage)
	_, err = os.Stat(filepath.Join(dir, "c.png"))
	assert.True(t, os.IsNotExist(err), "nothing written for a refused rendition")
}

package workertest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	fetchWorkerOnce sync.Once
	fetchWorkerExe  string
	fetchWorkerErr  error
)

// fetchWorker builds testdata/fetchworker, a worker that fetches a URL
// with Go's default client or with package transfer.
func fetchWorker(t *testing.T) string {
	t.Helper()
	copyWorker(t) // makes the shared build folder, or skips
	fetchWorkerOnce.Do(func() {
		fetchWorkerExe, fetchWorkerErr = Build(context.Background(), filepath.Join("testdata", "fetchworker"), filepath.Join(copyWorkerDir, "fetch"))
	})
	require.NoError(t, fetchWorkerErr)
	return fetchWorkerExe
}

// The stand-in of aio's own mockserver test project: the worker calls
// https://example.org/file, a host it names itself.
const exampleOrgMock = `[{
    "httpRequest": {"path": "/file", "method": "GET", "headers": {"X-Test": ["fetch.*"]}},
    "httpResponse": {"statusCode": 200, "body": "correct result"}
}, {
    "httpRequest": {"path": "/data", "queryStringParameters": {"v": ["[0-9]+"]}},
    "httpResponse": {"headers": {"Content-Type": ["application/json"]}, "body": {"type": "JSON", "json": {"ok": true}}}
}, {
    "httpRequest": {"path": "/bytes"},
    "httpResponse": {"body": {"type": "BINARY", "base64Bytes": "AAEC/w=="}},
    "times": {"remainingTimes": 1}
}]`

func TestMockServerHosts(t *testing.T) {
	exe := fetchWorker(t)
	root := aioSuite(t, map[string]string{
		"https/file.txt":              "x",
		"https/mock-example.org.json": exampleOrgMock,
		"https/rendition.txt":         "correct result",

		"http/file.txt":              "x",
		"http/params.json":           `{"fetch": "http://example.org/data?v=42"}`,
		"http/mock-example.org.json": exampleOrgMock,
		"http/rendition.json":        `{"ok": true}`,

		"via-transfer/file.txt":              "x",
		"via-transfer/params.json":           `{"fetch": "https://example.org/bytes", "via": "transfer"}`,
		"via-transfer/mock-example.org.json": exampleOrgMock,
		"via-transfer/rendition.bin":         "\x00\x01\x02\xff",

		"unmatched/file.txt":              "x",
		"unmatched/params.json":           `{"fetch": "https://example.org/nothing-here"}`,
		"unmatched/mock-example.org.json": exampleOrgMock,
		"unmatched/rendition.txt":         "correct result",

		"other-host/file.txt":              "x",
		"other-host/params.json":           `{"fetch": "https://other.example/file"}`,
		"other-host/mock-example.org.json": exampleOrgMock,
		"other-host/rendition.txt":         "correct result",

		"no-mock/file.txt":      "x",
		"no-mock/rendition.txt": "correct result",

		"forward/file.txt":              "x",
		"forward/mock-example.org.json": `[{"httpRequest": {"path": "/file"}, "httpForward": {"host": "example.net"}}]`,
		"forward/rendition.txt":         "correct result",
	})
	suite, err := Run(context.Background(), Options{CasesDir: root, Action: "worker", Exec: exe, Layout: LayoutAIO})
	require.NoError(t, err)
	rs := results(suite)
	require.Len(t, rs, 7)
	for _, name := range []string{"https", "http", "via-transfer"} {
		assert.True(t, rs[name].Passed, "%s: %s", name, rs[name].Message)
	}
	assert.False(t, rs["unmatched"].Passed)
	assert.Contains(t, rs["unmatched"].Message, "GET /nothing-here")
	assert.False(t, rs["other-host"].Passed)
	assert.Contains(t, rs["other-host"].Message, "without a stand-in were refused: other.example")
	assert.False(t, rs["no-mock"].Passed, "without a mock file, the host is not reached")
	assert.True(t, rs["forward"].Error, rs["forward"].Message)
	assert.Contains(t, rs["forward"].Message, "only httpResponse")
}

func TestMockServerExpectations(t *testing.T) {
	dir := t.TempDir()
	file := writeText(t, dir, "mock-api.example.com.json", `{"httpRequest": {"method": "POST", "path": "/v[0-9]+/tags",
		"body": {"type": "JSON", "json": {"image": {"w": 2}}}},
		"httpResponse": {"statusCode": 201, "body": "tagged"}}`)
	m, err := startMock("api.example.com", file)
	require.NoError(t, err)
	defer m.close()
	require.Len(t, m.expectations, 1)
	e := m.expectations[0]
	assert.True(t, e.body([]byte(`{"image": {"w": 2, "h": 3}, "more": 1}`)), "only the expectation's fields must match")
	assert.False(t, e.body([]byte(`{"image": {"w": 3}}`)))
	assert.True(t, e.path.MatchString("/v2/tags"))
	assert.False(t, e.path.MatchString("/v2/tags/x"))
	_, err = os.Stat(file)
	require.NoError(t, err)
}

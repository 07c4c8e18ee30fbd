package transfer

import (
	"crypto/sha1"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff/backofftest"
)

// secret is put in URL queries and user information by tests that check
// it never reaches an error or a log line.
const secret = "SECRETSIGNATURE"

// logBuffer collects log output safely across goroutines.
type logBuffer = testutil.SyncBuffer

// testOptions are fast options for tests against local servers: plain
// http, private addresses, tiny backoff.
func testOptions(logs *logBuffer) Options {
	return Options{
		AllowHTTP:            true,
		AllowPrivateNetworks: true,
		BackoffBase:          time.Millisecond,
		Timeout:              5 * time.Second,
		Logger:               slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// newTestClient returns a client with testOptions changed by edit, and the
// buffer its logs go to.
func newTestClient(t *testing.T, edit func(*Options)) (*Client, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	opts := testOptions(logs)
	if edit != nil {
		edit(&opts)
	}
	c, err := New(opts)
	require.NoError(t, err)
	return c, logs
}

// recordSleeps makes c's retries return at once instead of waiting, and
// returns the recorder of the waits they asked for.
func recordSleeps(c *Client) *backofftest.Recorder {
	rec := &backofftest.Recorder{}
	rec.Install(&c.policy)
	return rec
}

// requireReason checks that err is an api error with the reason.
func requireReason(t *testing.T, err error, reason api.Reason) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, reason, api.ReasonOf(err), "error: %v", err)
}

// requireEmptyDir checks that no file was left in dir.
func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return
	}
	require.NoError(t, err)
	require.Empty(t, entries, "no partial file is left behind")
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// payload returns n deterministic, not very compressible bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

func TestServe(t *testing.T) {
	const key = "11111111-2222-4333-8444-555555555555:secretsecret"
	props := filepath.Join(t.TempDir(), "wskprops")
	const token = "bearer-token-0f3a9c"
	tokens := filepath.Join(t.TempDir(), "tokens")
	require.NoError(t, os.WriteFile(tokens, []byte("# local tokens\n"+token+"\n"), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--auth", key, "--wskprops", props, "--pool", "2", "--api-tokens-file", tokens}, nil, &stdout, &stderr)
	}()

	var apiHost string
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(props)
		if err != nil {
			return false
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "APIHOST="); ok {
				apiHost = v
			}
		}
		return apiHost != "" && strings.Contains(string(b), "AUTH="+key) && strings.Contains(string(b), "NAMESPACE=guest")
	}, 10*time.Second, 10*time.Millisecond)

	req, err := http.NewRequest("GET", apiHost+"/api/v1/namespaces", nil)
	require.NoError(t, err)
	req.SetBasicAuth("11111111-2222-4333-8444-555555555555", "secretsecret")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// The Asset Compute API is on, with the file's token.
	for bearer, want := range map[string]int{token: http.StatusOK, "not-" + token: http.StatusUnauthorized} {
		req, err := http.NewRequest("POST", apiHost+"/register", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("x-api-key", "k")
		req.Header.Set("x-gw-ims-org-id", "o")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(10 * time.Second):
		t.Fatal("acs serve did not stop")
	}
	assert.Contains(t, stdout.String(), "AUTH="+key)
	assert.NotContains(t, stderr.String(), "secretsecret", "the log never shows the key")
	assert.Contains(t, stderr.String(), "/register", "API calls are logged")
	assert.NotContains(t, stderr.String(), token, "the log never shows a token")
}

func TestServeBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--pool", "0"},
		{"serve", "--action-env", "NOEQUALS"},
		{"serve", "--auth", "nocolon", "--addr", "127.0.0.1:0"},
		{"serve", "extra"},
		{"serve", "--api-tokens-file", filepath.Join(t.TempDir(), "missing")},
		{"serve", "--journal-max-events", "0"},
		{"serve", "--journal-s3", "bucket/prefix"},
		{"serve", "--journal-s3", "s3:///prefix"},
	} {
		var out, errb bytes.Buffer
		assert.Equal(t, exitInvalid, run(context.Background(), args, nil, &out, &errb), "%v", args)
	}
}

func TestReachable(t *testing.T) {
	for in, want := range map[string]string{"0.0.0.0:3233": "127.0.0.1:3233", "[::]:80": "[::1]:80", "127.0.0.1:9": "127.0.0.1:9", "10.1.2.3:5": "10.1.2.3:5"} {
		addr, err := net.ResolveTCPAddr("tcp", in)
		require.NoError(t, err)
		assert.Equal(t, want, reachable(addr), in)
	}
}

// TestServeJournalInS3: with --journal-s3 the registrations and journals
// are in S3, so a restarted acs serve answers with the same journal.
func TestServeJournalInS3(t *testing.T) {
	c := fakeS3(t)
	const token = "bearer-token-5d2e"
	t.Setenv(apiTokensEnv, token)
	register := func() string {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		props := filepath.Join(t.TempDir(), "wskprops")
		var stdout, stderr testutil.SyncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--wskprops", props, "--journal-s3", "s3://assets/acs-journal"}, nil, &stdout, &stderr)
		}()
		apiHost := waitAPIHost(t, props, "%s", &stderr)
		req, err := http.NewRequest("POST", apiHost+"/register", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("x-api-key", "k")
		req.Header.Set("x-gw-ims-org-id", "o")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out struct{ Journal string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Equal(t, http.StatusOK, resp.StatusCode)
		cancel()
		require.Equal(t, exitOK, <-done)
		return strings.TrimPrefix(out.Journal, apiHost)
	}
	first := register()
	require.Regexp(t, `^/events/journal/[0-9a-f]{32}$`, first)
	assert.Equal(t, first, register(), "the journal outlives the server")
	list, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("assets"), Prefix: aws.String("acs-journal/")})
	require.NoError(t, err)
	assert.NotEmpty(t, list.Contents, "the registration is in the bucket")
}

// waitAPIHost waits until the wskprops file props that acs serve writes
// names its APIHOST, and returns it; msgAndArgs explain a timeout.
func waitAPIHost(t *testing.T, props string, msgAndArgs ...any) string {
	t.Helper()
	var apiHost string
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(props)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "APIHOST="); ok {
				apiHost = v
			}
		}
		return apiHost != ""
	}, 10*time.Second, 10*time.Millisecond, msgAndArgs...)
	return apiHost
}

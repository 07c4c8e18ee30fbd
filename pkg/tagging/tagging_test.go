package tagging

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff/backofftest"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Secrets the tests configure; none may appear in an error or a log.
const (
	testKey    = "k3y-SECRET-4f9a"
	testToken  = "t0ken-SECRET-77b1"
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI-SECRET-bPxRfiCYEXAMPLEKEY"
)

func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 32; x++ {
			img.Set(x, y, color.RGBA{uint8(8 * x), uint8(10 * y), 90, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, nil))
	return buf.Bytes()
}

// env is a provider under test: its logs and the waits it asked for.
type env struct {
	logs *bytes.Buffer
	rec  *backofftest.Recorder
}

// newProvider builds cfg's provider on a transfer client that, as in
// local mode, may reach the loopback test server over plain http.
func newProvider(t *testing.T, cfg Config) (Provider, *env, error) {
	t.Helper()
	tc, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true})
	require.NoError(t, err)
	return newProviderWith(t, cfg, tc)
}

func newProviderWith(t *testing.T, cfg Config, tc *transfer.Client) (Provider, *env, error) {
	t.Helper()
	e := &env{logs: &bytes.Buffer{}, rec: &backofftest.Recorder{}}
	pol := backoff.Policy{Attempts: DefaultAttempts, Base: 500 * time.Millisecond, Cap: 5 * time.Second}
	e.rec.Install(&pol)
	p, err := New(cfg, Options{
		HTTP:     tc.HTTPClient(),
		CheckURL: tc.CheckServiceURL,
		Policy:   pol,
		Logger:   slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	return p, e, err
}

// noSecrets checks that no configured secret reached text.
func noSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{testKey, testToken, testSecret} {
		assert.NotContains(t, text, s)
	}
}

func configs(endpoint string) map[string]Config {
	return map[string]Config{
		ProviderRekognition: {Provider: ProviderRekognition, Endpoint: endpoint, Region: "eu-west-1", AccessKeyID: testAKID, SecretAccessKey: testSecret},
		ProviderGoogle:      {Provider: ProviderGoogle, Endpoint: endpoint, Key: testKey},
		ProviderHTTP:        {Provider: ProviderHTTP, Endpoint: endpoint, Key: testKey},
	}
}

// The answers documented by each provider, as they answer them.
var documented = map[string]string{
	ProviderRekognition: `{"Labels":[
	  {"Name":"Dog","Confidence":99.21,"Instances":[{"BoundingBox":{"Width":0.5,"Height":0.6,"Left":0.1,"Top":0.2},"Confidence":98.1}],"Parents":[{"Name":"Animal"}],"Aliases":[{"Name":"Canine"}],"Categories":[{"Name":"Animals and Pets"}]},
	  {"Name":"Grass","Confidence":81.5,"Instances":[],"Parents":[{"Name":"Plant"}],"Aliases":[],"Categories":[{"Name":"Nature"}]},
	  {"Name":"Golden Retriever","Confidence":72.0,"Instances":[],"Parents":[{"Name":"Dog"}],"Aliases":[],"Categories":[]}],
	  "LabelModelVersion":"3.0"}`,
	ProviderGoogle: `{"responses":[{"labelAnnotations":[
	  {"mid":"/m/0bt9lr","description":"Dog","score":0.9921,"topicality":0.9921},
	  {"mid":"/m/08t9c_","description":"Grass","score":0.815,"topicality":0.815},
	  {"mid":"/m/01t032","description":"Golden Retriever","score":0.72,"topicality":0.72}]}]}`,
	ProviderHTTP: `{"labels":[{"name":"dog","score":0.9921},{"name":"grass","score":0.815},{"name":"Golden  Retriever","score":0.72}],
	  "focus":{"x":10,"y":5,"w":20,"h":15}}`,
}

// checkRequest checks the request a provider sent as its documentation
// asks, and that the picture arrived as sent.
func checkRequest(t *testing.T, provider string, r *http.Request, body, pic []byte) {
	t.Helper()
	switch provider {
	case ProviderRekognition:
		assert.Equal(t, "RekognitionService.DetectLabels", r.Header.Get("X-Amz-Target"))
		assert.Equal(t, "application/x-amz-json-1.1", r.Header.Get("Content-Type"))
		assert.True(t, strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+testAKID+"/"), r.Header.Get("Authorization"))
		assert.Contains(t, r.Header.Get("Authorization"), "/eu-west-1/rekognition/aws4_request")
		var in struct {
			Image         struct{ Bytes []byte }
			MaxLabels     int
			MinConfidence float64
		}
		require.NoError(t, json.Unmarshal(body, &in))
		assert.Equal(t, pic, in.Image.Bytes)
		assert.Equal(t, 5, in.MaxLabels)
		assert.InDelta(t, 60, in.MinConfidence, 1e-4)
	case ProviderGoogle:
		assert.Equal(t, "/v1/images:annotate", r.URL.Path)
		assert.Empty(t, r.URL.RawQuery, "the key goes in a header, never in the URL")
		assert.Equal(t, testKey, r.Header.Get("X-Goog-Api-Key"))
		var in struct {
			Requests []struct {
				Image    struct{ Content string }
				Features []struct {
					Type       string
					MaxResults int
				}
			}
		}
		require.NoError(t, json.Unmarshal(body, &in))
		require.Len(t, in.Requests, 1)
		got, err := base64.StdEncoding.DecodeString(in.Requests[0].Image.Content)
		require.NoError(t, err)
		assert.Equal(t, pic, got)
		require.Len(t, in.Requests[0].Features, 1)
		assert.Equal(t, "LABEL_DETECTION", in.Requests[0].Features[0].Type)
		assert.Equal(t, 5, in.Requests[0].Features[0].MaxResults)
	case ProviderHTTP:
		assert.Equal(t, "image/jpeg", r.Header.Get("Content-Type"))
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
		assert.Equal(t, pic, body)
	}
}

// serverPath is where each provider's requests go under the endpoint.
func serverPath(provider string) string {
	if provider == ProviderGoogle {
		return "/v1/images:annotate"
	}
	return "/"
}

func TestProvidersReplayDocumentedAnswers(t *testing.T) {
	t.Parallel()
	pic := testJPEG(t)
	for _, name := range Providers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				body, _ := io.ReadAll(r.Body)
				checkRequest(t, name, r, body, pic)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, documented[name])
			}))
			defer srv.Close()
			p, e, err := newProvider(t, configs(srv.URL + serverPath(name))[name])
			require.NoError(t, err)
			assert.Equal(t, name, p.Name())
			tags, err := p.Tags(context.Background(), Request{JPEG: pic, Threshold: 0.6, MaxTags: 5})
			require.NoError(t, err)
			assert.Equal(t, int32(1), calls.Load())
			require.Len(t, tags, 3)
			sel := Select(0.6, 5, tags)
			assert.Equal(t, []Tag{
				{Name: "dog", Confidence: 0.9921, Source: name},
				{Name: "grass", Confidence: 0.815, Source: name},
				{Name: "golden retriever", Confidence: 0.72, Source: name},
			}, roundTags(sel))
			noSecrets(t, e.logs.String())
		})
	}
}

// roundTags rounds confidences to 4 decimals (Rekognition's are float32).
func roundTags(tags []Tag) []Tag {
	out := append([]Tag(nil), tags...)
	for i := range out {
		out[i].Confidence = float64(int64(out[i].Confidence*10000+0.5)) / 10000
	}
	return out
}

func TestGoogleBearerToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
		assert.Empty(t, r.Header.Get("X-Goog-Api-Key"))
		io.WriteString(w, `{"responses":[{}]}`)
	}))
	defer srv.Close()
	p, _, err := newProvider(t, Config{Provider: ProviderGoogle, Endpoint: srv.URL, Token: testToken})
	require.NoError(t, err)
	tags, err := p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
	require.NoError(t, err)
	assert.Empty(t, tags, "a picture without labels is a valid empty answer")
}

// flaky answers the given statuses in turn, then the documented answer.
func flaky(t *testing.T, provider string, statuses []int, retryAfter string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1))
		io.Copy(io.Discard, r.Body)
		if n <= len(statuses) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(statuses[n-1])
			io.WriteString(w, `{"__type":"ThrottlingException","message":"Rate exceeded","error":{"code":429,"message":"Quota exceeded"}}`)
			return
		}
		io.WriteString(w, documented[provider])
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestRetriesOn429And5xx(t *testing.T) {
	t.Parallel()
	for _, name := range Providers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, calls := flaky(t, name, []int{429, 503}, "2")
			p, e, err := newProvider(t, configs(srv.URL + serverPath(name))[name])
			require.NoError(t, err)
			tags, err := p.Tags(context.Background(), Request{JPEG: testJPEG(t), Threshold: 0.6, MaxTags: 5})
			require.NoError(t, err)
			assert.Len(t, tags, 3)
			assert.Equal(t, int32(3), calls.Load())
			// The server's Retry-After (2 s) is honoured, under the cap.
			assert.Equal(t, []time.Duration{2 * time.Second, 2 * time.Second}, e.rec.Slept())
			assert.Contains(t, e.logs.String(), "retrying")
		})
	}
}

func TestRetriesSpent(t *testing.T) {
	t.Parallel()
	for _, name := range Providers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, calls := flaky(t, name, []int{500, 502, 503, 504}, "")
			p, e, err := newProvider(t, configs(srv.URL + serverPath(name))[name])
			require.NoError(t, err)
			_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t), Threshold: 0.6, MaxTags: 5})
			require.Error(t, err)
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), "failed after 3 attempts: HTTP 503")
			assert.Equal(t, int32(3), calls.Load())
			assert.Len(t, e.rec.Slept(), 2)
			noSecrets(t, api.MessageOf(err)+e.logs.String())
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	for _, name := range Providers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				io.Copy(io.Discard, r.Body)
				<-r.Context().Done() // never answers; the client gives up
			}))
			defer srv.Close()
			cfg := configs(srv.URL + serverPath(name))[name]
			cfg.Timeout = 20 * time.Millisecond
			p, _, err := newProvider(t, cfg)
			require.NoError(t, err)
			_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
			require.Error(t, err)
			assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), "failed after 3 attempts: no answer within the timeout")
			assert.Contains(t, api.MessageOf(err), SettingTimeout)
			// The message gives the client's count of attempts; the server
			// sees no more (on a busy machine an attempt's 20 ms can run
			// out before its request arrives).
			assert.LessOrEqual(t, calls.Load(), int32(3))
		})
	}
}

func TestActivationDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		cancel() // the activation ends while the provider holds the request
		<-r.Context().Done()
	}))
	defer srv.Close()
	p, e, err := newProvider(t, configs(srv.URL)[ProviderHTTP])
	require.NoError(t, err)
	_, err = p.Tags(ctx, Request{JPEG: testJPEG(t)})
	require.Error(t, err)
	assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
	assert.Contains(t, api.MessageOf(err), "before the activation deadline")
	assert.Empty(t, e.rec.Slept(), "no retry once the activation has ended")
}

func TestGarbageAnswers(t *testing.T) {
	t.Parallel()
	huge := `{"labels":[` + strings.Repeat(`{"name":"x","score":0.5},`, MaxAnswerBytes/20) + `{"name":"y","score":1}]}`
	tests := []struct {
		provider, body, want string
	}{
		{ProviderHTTP, `<html>Bad gateway</html>`, `want a JSON object, got "<html>Bad gateway</html>"`},
		{ProviderHTTP, ``, "want a JSON object, got an empty body"},
		{ProviderHTTP, `{"labels":"dog"}`, "cannot unmarshal string"},
		{ProviderHTTP, `{"tags":[]}`, "no labels list"},
		{ProviderHTTP, `{"labels":[{"name":"dog"}]}`, `label "dog" has no score`},
		{ProviderHTTP, `{"labels":[{"name":"dog","score":93}]}`, `label "dog" has confidence 93, outside 0..1`},
		{ProviderHTTP, huge, "larger than 1048576 bytes"},
		{ProviderGoogle, `{"responses":[]}`, "want one response for the one image sent, got 0"},
		{ProviderGoogle, `{"responses":[{"labelAnnotations":[{"description":"dog","score":-0.1}]}]}`, "outside 0..1"},
		{ProviderGoogle, `{"responses":[{"error":{"code":3,"message":"Bad image data."}}]}`, "could not tag the picture: Bad image data. (code 3)"},
		{ProviderGoogle, `[1,2]`, "want a JSON object"},
		{ProviderRekognition, `{"Labels":[{"Name":"Dog","Confidence":140}]}`, `label "Dog" has confidence 140, outside 0..100`},
		{ProviderRekognition, `{"Labels":[{"Name":"Dog"}]}`, `label "Dog" has no Confidence`},
		{ProviderRekognition, `{"Labels":"dog"}`, "not the documented JSON"},
		{ProviderRekognition, `not json at all`, "not the documented JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.provider+"/"+tc.want, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			p, e, err := newProvider(t, configs(srv.URL + serverPath(tc.provider))[tc.provider])
			require.NoError(t, err)
			_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
			require.Error(t, err)
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), tc.want)
			assert.Equal(t, int32(1), calls.Load(), "a garbage answer is not retried")
			noSecrets(t, api.MessageOf(err)+e.logs.String())
		})
	}
}

func TestRefusedCredentialsNameTheSetting(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		ProviderRekognition: "check taggingAccessKeyId and taggingSecretAccessKey",
		ProviderGoogle:      "check taggingKey",
		ProviderHTTP:        "check taggingKey",
	}
	for _, name := range Providers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.Header().Set("X-Amzn-ErrorType", "UnrecognizedClientException")
				w.WriteHeader(http.StatusForbidden)
				// A provider that echoes what it was given.
				io.WriteString(w, `{"__type":"UnrecognizedClientException","message":"The key `+testKey+` / `+testSecret+` is invalid","error":{"message":"API key `+testKey+` not valid"}}`)
			}))
			defer srv.Close()
			cfg := configs(srv.URL + serverPath(name))[name]
			p, e, err := newProvider(t, cfg)
			require.NoError(t, err)
			_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
			require.Error(t, err)
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), want[name])
			assert.Contains(t, api.MessageOf(err), "(redacted)")
			for _, s := range cfg.secrets() {
				assert.NotContains(t, api.MessageOf(err)+err.Error()+e.logs.String(), s)
			}
		})
	}
}

func TestMisconfigured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown provider", Config{Provider: "azure"}, `taggingProvider "azure" is not a provider; use one of rekognition, google-vision, http`},
		{"google without key", Config{Provider: ProviderGoogle}, "set taggingKey (an API key) or taggingToken"},
		{"rekognition without credentials", Config{Provider: ProviderRekognition, AccessKeyID: testAKID}, "set taggingAccessKeyId and taggingSecretAccessKey"},
		{"http without endpoint", Config{Provider: ProviderHTTP, Key: testKey}, "set taggingEndpoint"},
		{"endpoint not a URL", Config{Provider: ProviderHTTP, Endpoint: "ftp://tags.example/x?key=" + testKey}, "taggingEndpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, _, err := newProvider(t, tc.cfg)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), tc.want)
			noSecrets(t, api.MessageOf(err))
		})
	}
	p, _, err := newProvider(t, Config{})
	assert.NoError(t, err)
	assert.Nil(t, p, "no provider configured is not an error")
}

func TestUnreachableEndpointNamesTheSetting(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	for _, name := range Providers() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, e, err := newProvider(t, configs("http://" + addr + serverPath(name))[name])
			require.NoError(t, err)
			_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
			require.Error(t, err)
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), "is unreachable (check taggingEndpoint)")
			assert.Contains(t, api.MessageOf(err), "failed after 3 attempts")
			assert.Len(t, e.rec.Slept(), 2)
			noSecrets(t, api.MessageOf(err)+e.logs.String())
		})
	}
}

func TestGuardRefusesLoopbackInProduction(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	// The production guard, with http allowed so only the address matters.
	tc, err := transfer.New(transfer.Options{AllowHTTP: true})
	require.NoError(t, err)
	for _, name := range Providers() {
		p, e, err := newProviderWith(t, configs(srv.URL + serverPath(name))[name], tc)
		require.NoError(t, err)
		_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
		require.Error(t, err, name)
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err), name)
		assert.Contains(t, api.MessageOf(err), "address not allowed", name)
		assert.Contains(t, api.MessageOf(err), "check taggingEndpoint", name)
		assert.Empty(t, e.rec.Slept(), "%s: a refused address is not retried", name)
	}
	assert.Zero(t, calls.Load(), "nothing reached the loopback server")

	// Without allowHttp, an http:// endpoint is refused up front.
	tc, err = transfer.New(transfer.Options{})
	require.NoError(t, err)
	_, _, err = newProviderWith(t, configs(srv.URL)[ProviderHTTP], tc)
	require.Error(t, err)
	assert.Contains(t, api.MessageOf(err), "taggingEndpoint")
	assert.Contains(t, api.MessageOf(err), "allowHttp")
}

func TestSelect(t *testing.T) {
	t.Parallel()
	local := []Tag{{"red", 1, "colours"}, {"Face", 0.8, "faces"}}
	remote := []Tag{{"dog", 0.95, "http"}, {"face", 0.9, "http"}, {"  Red ", 0.7, "http"}, {"", 1, "http"}, {"cat", 0.3, "http"}}
	assert.Equal(t, []Tag{{"red", 1, "colours"}, {"dog", 0.95, "http"}, {"face", 0.9, "http"}},
		Select(0.5, 10, local, remote), "duplicates keep their best confidence, below threshold dropped")
	assert.Equal(t, []Tag{{"red", 1, "colours"}}, Select(0.5, 1, local, remote))
	assert.Empty(t, Select(0.5, 0, local, remote))
	assert.Empty(t, Select(0.5, 5))
}

func TestLocalTags(t *testing.T) {
	t.Parallel()
	values := map[string]any{
		"acs-ai:colourTags": []string{"red", "white"},
		"acs-ai:faceTags":   []any{"face", "people", 3},
		"acs-ai:textTags":   []string{},
		"acs-ai:tags":       []string{"ignored"},
		"acs-ai:tagSources": []string{"ignored"},
		"acs-ai:pHash":      "00ff00ff00ff00ff",
		"dc:subjectTags":    []string{"not ours"},
	}
	assert.Equal(t, []Tag{
		{"red", 1, "colour"}, {"white", 1, "colour"}, {"face", 1, "face"}, {"people", 1, "face"},
	}, LocalTags(values))
	assert.Empty(t, LocalTags(nil))
}

func TestUnknownHostIsNotRetried(t *testing.T) {
	t.Parallel()
	// A resolver that answers NXDOMAIN, as for a mistyped host.
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: "tags.invalid", IsNotFound: true}}
	}
	rec := &backofftest.Recorder{}
	pol := backoff.Policy{Attempts: DefaultAttempts, Base: time.Second}
	rec.Install(&pol)
	p, err := New(configs("https://tags.invalid/v1")[ProviderHTTP], Options{
		HTTP:   &http.Client{Transport: &http.Transport{DialContext: dial}},
		Policy: pol,
	})
	require.NoError(t, err)
	_, err = p.Tags(context.Background(), Request{JPEG: testJPEG(t)})
	require.Error(t, err)
	assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
	assert.Contains(t, api.MessageOf(err), "the tagging API at https://tags.invalid/v1 is unreachable (check taggingEndpoint)")
	assert.Contains(t, api.MessageOf(err), "no such host")
	assert.Empty(t, rec.Slept(), "not retried")
}

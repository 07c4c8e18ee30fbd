package tagging

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// errorMessage reads the message of a JSON error answer: Google's
// {"error": {"message"}}, {"message"}, or AWS's {"Message"}/{"message"}.
func errorMessage(body []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
		Msg   string          `json:"message"`
		AWS   string          `json:"Message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var inner struct {
		Message string `json:"message"`
	}
	if len(e.Error) > 0 && json.Unmarshal(e.Error, &inner) == nil && inner.Message != "" {
		return inner.Message
	}
	var s string
	if len(e.Error) > 0 && json.Unmarshal(e.Error, &s) == nil && s != "" {
		return s
	}
	if e.Msg != "" {
		return e.Msg
	}
	return e.AWS
}

// garbage is the error of an answer that is not what the provider
// documents.
func garbage(what string, format string, args ...any) error {
	return api.Errorf(api.ReasonGeneric, "the answer of %s is not the documented JSON: %s", what, fmt.Sprintf(format, args...))
}

// decode reads a JSON answer strictly enough to tell garbage: one JSON
// value, an object.
func decode(what string, raw []byte, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return garbage(what, "want a JSON object, got %s", preview(raw))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return garbage(what, "%v", err)
	}
	return nil
}

// preview describes the start of a body for a message.
func preview(raw []byte) string {
	if len(raw) == 0 {
		return "an empty body"
	}
	s := strings.ToValidUTF8(string(raw[:min(len(raw), 40)]), "?")
	return fmt.Sprintf("%q", s)
}

// checkConfidence checks a score on a 0..scale scale and returns it on
// 0..1.
func checkConfidence(what, name string, v, scale float64) (float64, error) {
	if math.IsNaN(v) || v < 0 || v > scale {
		return 0, garbage(what, "label %q has confidence %v, outside 0..%v", name, v, scale)
	}
	return v / scale, nil
}

// googleEndpoint is Cloud Vision's images:annotate.
const googleEndpoint = "https://vision.googleapis.com/v1/images:annotate"

// google is the Google Cloud Vision provider.
type google struct{ c *caller }

func newGoogle(c *caller) (Provider, error) {
	if c.cfg.Key == "" && c.cfg.Token == "" {
		return nil, api.Errorf(api.ReasonGeneric, "the tagging provider %s is misconfigured: set %s (an API key) or %s (an OAuth access token)",
			ProviderGoogle, SettingKey, SettingToken)
	}
	return &google{c: c}, nil
}

func (g *google) Name() string { return ProviderGoogle }

// Tags sends one images:annotate request with LABEL_DETECTION.
func (g *google) Tags(ctx context.Context, req Request) ([]Tag, error) {
	const what = "Google Cloud Vision"
	endpoint := g.c.cfg.Endpoint
	if endpoint == "" {
		endpoint = googleEndpoint
	}
	feature := map[string]any{"type": "LABEL_DETECTION"}
	if req.MaxTags > 0 {
		feature["maxResults"] = req.MaxTags
	}
	body, err := json.Marshal(map[string]any{"requests": []any{map[string]any{
		"image":    map[string]string{"content": base64.StdEncoding.EncodeToString(req.JPEG)},
		"features": []any{feature},
	}}})
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot write the Cloud Vision request")
	}
	h := http.Header{}
	credential := SettingKey
	if g.c.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+g.c.cfg.Token)
		credential = SettingToken
	} else {
		h.Set("X-Goog-Api-Key", g.c.cfg.Key)
	}
	var raw []byte
	err = g.c.retry(ctx, what, func(ctx context.Context) error {
		raw, err = g.c.post(ctx, what, endpoint, "application/json", body, h, credential)
		return err
	})
	if err != nil {
		return nil, err
	}
	var ans struct {
		Responses []struct {
			Labels []struct {
				Description string   `json:"description"`
				Score       *float64 `json:"score"`
			} `json:"labelAnnotations"`
			Error *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"responses"`
	}
	if err := decode(what, raw, &ans); err != nil {
		return nil, err
	}
	if len(ans.Responses) != 1 {
		return nil, garbage(what, "want one response for the one image sent, got %d", len(ans.Responses))
	}
	r := ans.Responses[0]
	if r.Error != nil {
		return nil, api.Errorf(api.ReasonGeneric, "%s could not tag the picture: %s (code %d)", what, g.c.scrub(r.Error.Message), r.Error.Code)
	}
	tags := make([]Tag, 0, len(r.Labels))
	for _, l := range r.Labels {
		if l.Score == nil {
			return nil, garbage(what, "label %q has no score", l.Description)
		}
		c, err := checkConfidence(what, l.Description, *l.Score, 1)
		if err != nil {
			return nil, err
		}
		tags = append(tags, Tag{Name: l.Description, Confidence: c, Source: ProviderGoogle})
	}
	return tags, nil
}

// httpContract is the generic HTTP provider: the contract of the
// example-tagger action.
type httpContract struct{ c *caller }

func newHTTPContract(c *caller) (Provider, error) {
	if c.cfg.Endpoint == "" {
		return nil, api.Errorf(api.ReasonGeneric, "the tagging provider %s is misconfigured: set %s, the URL the picture is POSTed to",
			ProviderHTTP, SettingEndpoint)
	}
	return &httpContract{c: c}, nil
}

func (p *httpContract) Name() string { return ProviderHTTP }

// Tags POSTs the JPEG and reads {"labels": [{"name", "score"}]}; other
// fields of the answer (the example's focus box) are ignored.
func (p *httpContract) Tags(ctx context.Context, req Request) ([]Tag, error) {
	const what = "the tagging API"
	h := http.Header{}
	if p.c.cfg.Key != "" {
		h.Set("Authorization", "Bearer "+p.c.cfg.Key)
	}
	var raw []byte
	var err error
	err = p.c.retry(ctx, what, func(ctx context.Context) error {
		raw, err = p.c.post(ctx, what, p.c.cfg.Endpoint, "image/jpeg", req.JPEG, h, SettingKey)
		return err
	})
	if err != nil {
		return nil, err
	}
	var ans struct {
		Labels *[]struct {
			Name  string   `json:"name"`
			Score *float64 `json:"score"`
		} `json:"labels"`
	}
	if err := decode(what, raw, &ans); err != nil {
		return nil, err
	}
	if ans.Labels == nil {
		return nil, garbage(what, "no labels list")
	}
	tags := make([]Tag, 0, len(*ans.Labels))
	for _, l := range *ans.Labels {
		if l.Score == nil {
			return nil, garbage(what, "label %q has no score", l.Name)
		}
		c, err := checkConfidence(what, l.Name, *l.Score, 1)
		if err != nil {
			return nil, err
		}
		tags = append(tags, Tag{Name: l.Name, Confidence: c, Source: ProviderHTTP})
	}
	return tags, nil
}

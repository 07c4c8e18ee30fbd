package tagging

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	"github.com/aws/aws-sdk-go-v2/service/rekognition/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/backoff"
)

// defaultRekognitionRegion is the region when taggingRegion is not set.
const defaultRekognitionRegion = "us-east-1"

// rekog is the Amazon Rekognition provider, through the AWS SDK (one
// attempt per SDK call: the retries are this package's).
type rekog struct {
	c      *caller
	client *rekognition.Client
}

func newRekognition(c *caller) (Provider, error) {
	if c.cfg.AccessKeyID == "" || c.cfg.SecretAccessKey == "" {
		return nil, api.Errorf(api.ReasonGeneric, "the tagging provider %s is misconfigured: set %s and %s (static AWS credentials allowed to call rekognition:DetectLabels)",
			ProviderRekognition, SettingAccessKeyID, SettingSecretAccessKey)
	}
	region := c.cfg.Region
	if region == "" {
		region = defaultRekognitionRegion
	}
	opts := rekognition.Options{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(c.cfg.AccessKeyID, c.cfg.SecretAccessKey, c.cfg.SessionToken),
		HTTPClient:  c.opts.HTTP,
		Retryer:     aws.NopRetryer{},
	}
	if c.cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(c.cfg.Endpoint)
	}
	return &rekog{c: c, client: rekognition.New(opts)}, nil
}

func (p *rekog) Name() string { return ProviderRekognition }

// Tags calls DetectLabels with the picture's bytes; Rekognition's
// confidences (0-100) become 0-1.
func (p *rekog) Tags(ctx context.Context, req Request) ([]Tag, error) {
	const what = "Amazon Rekognition"
	in := &rekognition.DetectLabelsInput{
		Image:         &types.Image{Bytes: req.JPEG},
		MinConfidence: aws.Float32(float32(req.Threshold * 100)),
	}
	if req.MaxTags > 0 {
		in.MaxLabels = aws.Int32(int32(min(req.MaxTags, 1000)))
	}
	var out *rekognition.DetectLabelsOutput
	err := p.c.retry(ctx, what, func(ctx context.Context) error {
		var err error
		out, err = p.client.DetectLabels(ctx, in)
		if err != nil {
			return p.classify(what, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	tags := make([]Tag, 0, len(out.Labels))
	for _, l := range out.Labels {
		name := aws.ToString(l.Name)
		if l.Confidence == nil {
			return nil, garbage(what, "label %q has no Confidence", name)
		}
		c, err := checkConfidence(what, name, float64(*l.Confidence), 100)
		if err != nil {
			return nil, err
		}
		tags = append(tags, Tag{Name: name, Confidence: c, Source: ProviderRekognition})
	}
	return tags, nil
}

// classify turns an SDK error into this package's: throttling and 5xx
// retried, credentials and endpoint errors naming their setting.
func (p *rekog) classify(what string, err error) error {
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return p.c.networkError(what, p.endpoint(), send.Err)
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return garbage(what, "%s", p.c.scrub(de.Err.Error()))
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	code, msg := "", ""
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), p.c.scrub(ae.ErrorMessage())
	}
	detail := ""
	if code != "" {
		detail = ": " + code
		if msg != "" {
			detail += " " + msg
		}
	}
	switch {
	case code == "ThrottlingException" || code == "ProvisionedThroughputExceededException" ||
		status == http.StatusTooManyRequests || status/100 == 5:
		after := time.Duration(0)
		if re != nil && re.Response != nil {
			after = backoff.ParseRetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
		return backoff.RetryableAfter(api.Errorf(api.ReasonGeneric, "HTTP %d%s", status, detail), after)
	case code == "AccessDeniedException" || code == "UnrecognizedClientException" || code == "InvalidSignatureException" ||
		code == "ExpiredTokenException" || status == http.StatusUnauthorized || status == http.StatusForbidden:
		return api.Errorf(api.ReasonGeneric, "%s refused the configured credentials (HTTP %d%s); check %s and %s",
			what, status, detail, SettingAccessKeyID, SettingSecretAccessKey)
	case code == "InvalidImageFormatException" || code == "ImageTooLargeException":
		return api.Errorf(api.ReasonGeneric, "%s cannot tag this picture (HTTP %d%s)", what, status, detail)
	case status == http.StatusNotFound:
		return api.Errorf(api.ReasonGeneric, "%s answered HTTP 404: check %s and %s", what, SettingEndpoint, SettingRegion)
	case status != 0:
		return api.Errorf(api.ReasonGeneric, "%s refused the request (HTTP %d%s)", what, status, detail)
	}
	return api.Errorf(api.ReasonGeneric, "%s failed: %s", what, p.c.scrub(api.RedactURL(err.Error())))
}

// endpoint is the configured endpoint, or the regional one.
func (p *rekog) endpoint() string { return p.c.endpointForLog() }

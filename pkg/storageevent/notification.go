// Package storageevent turns bucket notifications into processing requests.
//
// A notification arrives as the parameters of the storage-event action, the
// first step of the sequence storage-event -> process. Its shape depends on
// who sent it:
//
//   - AWS S3: {"Records":[{"eventName":"ObjectCreated:Put","s3":{...}}]},
//     keys URL-encoded with '+' for space;
//   - AWS S3 through SNS: {"Type":"Notification","Message":"<the S3 body as a
//     JSON string>"}; a SubscriptionConfirmation is reported, never followed;
//   - MinIO webhooks: {"EventName":"s3:ObjectCreated:Put","Key":"bucket/key",
//     "Records":[...]}, with S3-style records and "s3:"-prefixed event names;
//   - versitygw webhooks (--event-webhook-url): S3-style records with
//     "s3:"-prefixed event names and keys NOT encoded (the gateway puts the
//     decoded request path in the record), recognised by their
//     configurationId ("webhook-global", "kafka-global", "nats-global",
//     "rabbitmq-global") or their bucket ARN "arn:aws:s3:::/bucket/key";
//   - the test event AWS S3 and versitygw send when notifications are set
//     up: {"Service":"S3","Event":"s3:TestEvent",...}, which holds no
//     objects;
//   - IBM Cloud Object Storage triggers: {"bucket","key","notification":
//     {"event_type":"Object:Write",...}}, keys not encoded.
//
// Parse reads any of them into Objects; a Profile (built from the action's
// parameters) filters them and builds one api.Request per object.
//
// # Duplicate notifications
//
// Bucket notifications are delivered at least once. The requestId is
// derived from the bucket, key and version id (or ETag), so a duplicate of
// a notification builds the same request, and the workers store that id
// with every rendition they upload to an s3:// target (user metadata
// acs-request-id, next to acs-rendition). With the parameter skipExisting
// (default true; false turns the check off) a Handler with a Stater checks
// each s3:// target with a HEAD request before the request is sent on, and
// drops the renditions already stored with this requestId: a duplicate
// whose renditions all exist is reported under "skipped" with the reason
// SkipReasonAlreadyProcessed and reaches no worker, and a partly processed
// one sends only the missing renditions. A new version of the object (new
// version id or ETag) gets a new requestId and is processed again. A
// rendition that failed, or was embedded in its event instead of uploaded,
// is never found and so is made again; a target that cannot be checked
// (access denied, S3 unavailable) is logged and made again: the check never
// loses work, at worst it repeats some. The check is stateless: S3 itself
// is the record of what was done.
package storageevent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrMalformed is wrapped by every error about a body that is not a storage
// notification this package understands.
var ErrMalformed = errors.New("malformed storage notification")

// S3Event is the body AWS S3, MinIO and versitygw send: a list of records.
// MinIO adds EventName and Key at the top level.
type S3Event struct {
	// EventName is MinIO's top-level event name ("s3:ObjectCreated:Put").
	EventName string `json:"EventName,omitempty"`
	// Key is MinIO's top-level "bucket/key".
	Key string `json:"Key,omitempty"`
	// Records are the S3-style event records.
	Records []S3Record `json:"Records"`
}

// S3Record is one S3-style event record.
type S3Record struct {
	EventVersion string    `json:"eventVersion,omitempty"`
	EventSource  string    `json:"eventSource,omitempty"`
	AWSRegion    string    `json:"awsRegion,omitempty"`
	EventTime    string    `json:"eventTime,omitempty"`
	EventName    string    `json:"eventName"`
	S3           S3Entity  `json:"s3"`
	Source       *S3Client `json:"source,omitempty"`
}

// S3Client is MinIO's description of the client that caused the event.
type S3Client struct {
	Host      string `json:"host,omitempty"`
	Port      string `json:"port,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
}

// S3Entity holds the bucket and object of a record.
type S3Entity struct {
	SchemaVersion   string   `json:"s3SchemaVersion,omitempty"`
	ConfigurationID string   `json:"configurationId,omitempty"`
	Bucket          S3Bucket `json:"bucket"`
	Object          S3Object `json:"object"`
}

// S3Bucket names the bucket of a record.
type S3Bucket struct {
	Name string `json:"name"`
	ARN  string `json:"arn,omitempty"`
}

// S3Object describes the object of a record. Key is URL-encoded on the wire.
type S3Object struct {
	Key         string `json:"key"`
	Size        int64  `json:"size,omitempty"`
	ETag        string `json:"eTag,omitempty"`
	VersionID   string `json:"versionId,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Sequencer   string `json:"sequencer,omitempty"`
}

// SNSMessage is an Amazon SNS HTTP(S) delivery.
type SNSMessage struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId,omitempty"`
	TopicARN         string `json:"TopicArn,omitempty"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp,omitempty"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	Token            string `json:"Token,omitempty"`
	SignatureVersion string `json:"SignatureVersion,omitempty"`
	Signature        string `json:"Signature,omitempty"`
	SigningCertURL   string `json:"SigningCertURL,omitempty"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// COSEvent is the payload of an IBM Cloud Object Storage trigger.
type COSEvent struct {
	Bucket       string          `json:"bucket"`
	Endpoint     string          `json:"endpoint,omitempty"`
	Key          string          `json:"key"`
	Operation    string          `json:"operation,omitempty"`
	Notification COSNotification `json:"notification"`
}

// COSNotification is the notification block of a COS trigger payload.
type COSNotification struct {
	BucketName   string `json:"bucket_name,omitempty"`
	ContentType  string `json:"content_type,omitempty"`
	EventType    string `json:"event_type"`
	Format       string `json:"format,omitempty"`
	ObjectETag   string `json:"object_etag,omitempty"`
	ObjectLength string `json:"object_length,omitempty"`
	ObjectName   string `json:"object_name,omitempty"`
	RequestID    string `json:"request_id,omitempty"`
	RequestTime  string `json:"request_time,omitempty"`
	RequestorID  string `json:"requestor_id,omitempty"`
}

// Object is one object event, whatever the sender, with its key decoded.
type Object struct {
	// Sender is "s3" (S3, MinIO, versitygw), "sns" or "cos".
	Sender string `json:"sender"`
	// Event is the normalised event name: "ObjectCreated:Put",
	// "ObjectRemoved:Delete", ...; COS "Object:Write" becomes
	// "ObjectCreated:Put" and "Object:Delete" "ObjectRemoved:Delete".
	Event     string `json:"event"`
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	Size      int64  `json:"size,omitempty"`
	ETag      string `json:"eTag,omitempty"`
	VersionID string `json:"versionId,omitempty"`
}

// Notification is a parsed notification body.
type Notification struct {
	// Objects are the object events it holds, in order.
	Objects []Object
	// TestEvent is set for the s3:TestEvent that AWS S3 (and versitygw, at
	// start-up, to its webhook) sends when notifications are configured; it
	// holds no objects.
	TestEvent bool
	// SubscriptionConfirmation is set for an SNS subscription confirmation,
	// which holds no objects; the subscription must be confirmed by an
	// operator (see docs/deploy.md), never automatically.
	SubscriptionConfirmation *SNSMessage
}

// Parse reads a notification body of any supported sender. Extra top-level
// keys (the profile's action parameters) are ignored. A body that is none
// of the supported shapes gives an error wrapping ErrMalformed.
func Parse(body []byte) (*Notification, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil || probe == nil {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrMalformed)
	}
	switch {
	case probe["Records"] == nil && isTestEvent(probe["Event"]):
		return &Notification{TestEvent: true}, nil
	case probe["Records"] != nil:
		var ev S3Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return nil, fmt.Errorf("%w: Records: %v", ErrMalformed, err)
		}
		objs, err := fromS3(ev, "s3")
		if err != nil {
			return nil, err
		}
		return &Notification{Objects: objs}, nil
	case probe["Type"] != nil && probe["Message"] != nil:
		return parseSNS(body)
	case probe["notification"] != nil:
		var ev COSEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return nil, fmt.Errorf("%w: COS payload: %v", ErrMalformed, err)
		}
		obj, err := fromCOS(ev)
		if err != nil {
			return nil, err
		}
		return &Notification{Objects: []Object{obj}}, nil
	}
	return nil, fmt.Errorf("%w: expected S3/MinIO/versitygw \"Records\", an SNS \"Type\" and \"Message\", a COS \"notification\", or an s3:TestEvent", ErrMalformed)
}

func parseSNS(body []byte) (*Notification, error) {
	var m SNSMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: SNS message: %v", ErrMalformed, err)
	}
	switch m.Type {
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		return &Notification{SubscriptionConfirmation: &m}, nil
	case "Notification":
	default:
		return nil, fmt.Errorf("%w: SNS message type %q", ErrMalformed, m.Type)
	}
	var ev S3Event
	if err := json.Unmarshal([]byte(m.Message), &ev); err != nil {
		return nil, fmt.Errorf("%w: SNS Message is not an S3 event: %v", ErrMalformed, err)
	}
	if ev.Records == nil {
		// S3 sends an s3:TestEvent when the notification is configured.
		return &Notification{TestEvent: true}, nil
	}
	objs, err := fromS3(ev, "sns")
	if err != nil {
		return nil, err
	}
	return &Notification{Objects: objs}, nil
}

func fromS3(ev S3Event, sender string) ([]Object, error) {
	objs := make([]Object, 0, len(ev.Records))
	for i, r := range ev.Records {
		if r.S3.Bucket.Name == "" || r.S3.Object.Key == "" {
			return nil, fmt.Errorf("%w: Records[%d]: s3.bucket.name and s3.object.key are required", ErrMalformed, i)
		}
		key := r.S3.Object.Key
		if !isVersitygw(r) {
			k, err := DecodeKey(key)
			if err != nil {
				return nil, fmt.Errorf("%w: Records[%d]: %v", ErrMalformed, i, err)
			}
			key = k
		}
		objs = append(objs, Object{
			Sender:    sender,
			Event:     NormalizeEvent(r.EventName),
			Bucket:    r.S3.Bucket.Name,
			Key:       key,
			Size:      r.S3.Object.Size,
			ETag:      strings.Trim(r.S3.Object.ETag, `"`),
			VersionID: r.S3.Object.VersionID,
		})
	}
	return objs, nil
}

func fromCOS(ev COSEvent) (Object, error) {
	bucket, key := ev.Bucket, ev.Key
	if bucket == "" {
		bucket = ev.Notification.BucketName
	}
	if key == "" {
		key = ev.Notification.ObjectName
	}
	if bucket == "" || key == "" {
		return Object{}, fmt.Errorf("%w: COS payload: bucket and key are required", ErrMalformed)
	}
	event := ev.Notification.EventType
	if event == "" {
		event = ev.Operation
	}
	var size int64
	if ev.Notification.ObjectLength != "" {
		n, err := strconv.ParseInt(ev.Notification.ObjectLength, 10, 64)
		if err != nil {
			return Object{}, fmt.Errorf("%w: COS notification.object_length %q is not a number", ErrMalformed, ev.Notification.ObjectLength)
		}
		size = n
	}
	return Object{
		Sender: "cos",
		Event:  NormalizeEvent(event),
		Bucket: bucket,
		Key:    key,
		Size:   size,
		ETag:   strings.Trim(ev.Notification.ObjectETag, `"`),
	}, nil
}

// NormalizeEvent maps the senders' event names onto S3's: it drops MinIO's
// and versitygw's "s3:" prefix and maps COS "Object:Write" to
// "ObjectCreated:Put" and "Object:Delete" to "ObjectRemoved:Delete".
func NormalizeEvent(name string) string {
	name = strings.TrimPrefix(name, "s3:")
	switch name {
	case "Object:Write":
		return "ObjectCreated:Put"
	case "Object:Delete":
		return "ObjectRemoved:Delete"
	}
	return name
}

// DecodeKey decodes an S3 notification key: URL-encoded UTF-8 with '+' for
// a space ("a+b%2Bc%C3%A9.jpg" is "a b+cé.jpg"). A key that does not decode
// to valid escapes is an error.
func DecodeKey(key string) (string, error) {
	k, err := url.QueryUnescape(key)
	if err != nil {
		return "", fmt.Errorf("object key %q is not URL-encoded: %v", key, err)
	}
	return k, nil
}

// versitygwConfigurationIDs are the configurationId values versitygw puts
// in its records: one global configuration per event target.
var versitygwConfigurationIDs = map[string]bool{
	"webhook-global": true, "kafka-global": true, "nats-global": true, "rabbitmq-global": true,
}

// isVersitygw reports whether a record was made by versitygw, whose keys
// are not URL-encoded: its configurationId is one of versitygw's global
// ones, or its bucket ARN is versitygw's "arn:aws:s3:::/bucket/key" (AWS
// and MinIO give "arn:aws:s3:::bucket").
func isVersitygw(r S3Record) bool {
	return versitygwConfigurationIDs[r.S3.ConfigurationID] ||
		strings.HasPrefix(r.S3.Bucket.ARN, "arn:aws:s3:::/"+r.S3.Bucket.Name+"/")
}

// isTestEvent reports whether raw is the JSON string "s3:TestEvent".
func isTestEvent(raw json.RawMessage) bool {
	var ev string
	return isJSONString(raw) && json.Unmarshal(raw, &ev) == nil && ev == "s3:TestEvent"
}

// isJSONString reports whether raw is a JSON string.
func isJSONString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

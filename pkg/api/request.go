package api

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// MaxRenditions is the largest number of renditions one request may ask for.
const MaxRenditions = 1000

// Request is one self-contained processing request.
type Request struct {
	// RequestID identifies the request in events and logs; DecodeRequest
	// generates one when the client sends none.
	RequestID string `json:"requestId"`
	// Source says where the asset is.
	Source Source `json:"source"`
	// Renditions are the renditions to make, in the client's order.
	Renditions []Rendition `json:"renditions"`
	// UserData is echoed in every event.
	UserData json.RawMessage `json:"userData,omitempty"`
}

// InvalidRequestError means a request cannot be processed at all. Renditions
// holds the renditions that could be identified, so the caller can still
// emit a rendition_failed event for each.
type InvalidRequestError struct {
	Message    string
	Request    *Request
	Renditions []Rendition
}

func (e *InvalidRequestError) Error() string { return "invalid request: " + e.Message }

// NewRequestID returns a random request id.
func NewRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DecodeRequest parses and validates a processing request.
//
// When the request as a whole is unusable it returns an
// *InvalidRequestError. Otherwise it returns the request with every rendition
// parsed; a rendition whose instructions are invalid has Invalid set and
// must fail on its own without stopping the others. A requestId that is
// not a string, a missing or unusable source and a missing, empty or
// oversized renditions list make the whole request invalid. Renditions without a
// name get "rendition-<n>.<fmt>" (n counts from 1). A rendition is invalid
// on its own when its instructions are (ParseRendition, which includes
// Rendition.Validate), or when an earlier rendition already writes to its
// target (CheckRenditions): it never silently overwrites another.
func DecodeRequest(data []byte) (*Request, error) {
	// Every field is read raw, so that one field of the wrong type is
	// reported against that field and the renditions can still be listed.
	var raw struct {
		RequestID  json.RawMessage `json:"requestId"`
		Source     json.RawMessage `json:"source"`
		Renditions json.RawMessage `json:"renditions"`
		UserData   json.RawMessage `json:"userData"`
	}
	data = bytes.TrimSpace(data)
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &InvalidRequestError{Message: "not a JSON object: " + jsonProblem(err)}
	}
	if !isObject(data) {
		// Only null gets here: it unmarshals into a struct without error.
		return nil, &InvalidRequestError{Message: "not a JSON object: got " + abbreviate(data)}
	}
	req := &Request{UserData: raw.UserData}
	var problem string
	if len(raw.RequestID) > 0 && string(raw.RequestID) != "null" {
		var id string
		if err := json.Unmarshal(raw.RequestID, &id); err != nil {
			problem = "requestId: must be a string, got " + abbreviate(raw.RequestID)
		}
		req.RequestID = strings.TrimSpace(id)
	}
	if req.RequestID == "" {
		req.RequestID = NewRequestID()
	}
	if len(req.UserData) > 0 && !isObject(req.UserData) {
		req.UserData = nil
	}

	// Renditions next: even when the source is bad they are reported.
	var items []json.RawMessage
	switch {
	case problem != "":
		// Still list the renditions, if there is a list.
		_ = json.Unmarshal(raw.Renditions, &items)
	case len(raw.Renditions) == 0 || string(raw.Renditions) == "null":
		problem = "renditions: is required and must be a non-empty array of rendition objects"
	case json.Unmarshal(raw.Renditions, &items) != nil:
		problem = "renditions: must be an array of rendition objects"
	case len(items) == 0:
		problem = "renditions: must not be empty"
	case len(items) > MaxRenditions:
		problem = fmt.Sprintf("renditions: at most %d renditions per request, got %d", MaxRenditions, len(items))
	}
	for i, item := range items {
		if i >= MaxRenditions {
			break
		}
		r, err := ParseRendition(item)
		if r.Name == "" {
			ext := r.Fmt
			if ext == "" {
				ext = "bin"
			}
			r.Name = fmt.Sprintf("rendition-%d.%s", i+1, ext)
		}
		if err != nil {
			r.Invalid = fmt.Errorf("renditions[%d]: %w", i, err)
		}
		req.Renditions = append(req.Renditions, r)
	}
	req.CheckRenditions()

	if problem == "" {
		switch {
		case len(raw.Source) == 0 || string(raw.Source) == "null":
			problem = "source: is required (a URL string, or an object {url, name, size, mimetype, headers})"
		default:
			if err := json.Unmarshal(raw.Source, &req.Source); err != nil {
				problem = "source: " + strings.TrimPrefix(strings.TrimPrefix(jsonProblem(err), "source: "), "source ")
			} else if err := req.Source.Validate(); err != nil {
				problem = err.Error()
			}
		}
	}
	if problem != "" {
		return nil, &InvalidRequestError{Message: problem, Request: req, Renditions: req.Renditions}
	}
	return req, nil
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// jsonProblem turns a json error into a short message.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case asErr(err, &se):
		return fmt.Sprintf("syntax error at byte %d: %v", se.Offset, se)
	case asErr(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("%s must be %s, got %s", te.Field, jsonKind(te.Type), te.Value)
		}
		return fmt.Sprintf("expected %s, got %s", jsonKind(te.Type), te.Value)
	default:
		return err.Error()
	}
}

// jsonKind names the JSON value a Go type is decoded from, for messages
// written for clients who never see the Go types.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a different value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a different value"
	}
}

package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// EventType is the type of an event.
type EventType string

// The event types. Every requested rendition ends in exactly one of them.
const (
	EventRenditionCreated EventType = "rendition_created"
	EventRenditionFailed  EventType = "rendition_failed"
)

// Event reports the outcome of one rendition.
type Event struct {
	// ID is stable for a given request, rendition and outcome, so a receiver
	// can drop duplicates of a retried delivery.
	ID        string    `json:"id"`
	Type      EventType `json:"type"`
	Date      time.Time `json:"date"`
	RequestID string    `json:"requestId"`
	Source    string    `json:"source"`
	Rendition Rendition `json:"rendition"`
	// Instructions echo the rendition's instructions as the client wrote
	// them (the hosted service's names, such as wid, included), without
	// target and with URL query strings removed; Rendition is the same
	// instructions normalised.
	Instructions json.RawMessage `json:"instructions,omitempty"`
	// UserData is the request's userData, as the hosted service sends it;
	// a rendition's own userData is in Rendition (and Instructions).
	UserData json.RawMessage `json:"userData,omitempty"`
	// ActivationIDs are the worker activations that made the rendition,
	// when known.
	ActivationIDs []string `json:"activationIds,omitempty"`
	// Metadata describes a created rendition (repo:size, repo:sha1,
	// dc:format, tiff:imageWidth, ...). On a rendition_failed event with
	// reason RenditionTooLarge it holds repo:size, the rendition's size,
	// when the rendition was made.
	Metadata map[string]any `json:"metadata,omitempty"`
	// Data is the rendition itself as a data: URI when it was small enough
	// for embedBinaryLimit; it was also uploaded when it had a target.
	Data string `json:"data,omitempty"`
	// ErrorReason and ErrorMessage are set on rendition_failed.
	ErrorReason  Reason `json:"errorReason,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// Timings is where the rendition's time went, in milliseconds per
	// step, when the worker measured it: "fetch", "wait", "decode",
	// "render", "encode", "upload" and "total" (a step that did not happen
	// is absent). It is ours; the hosted service has no such field.
	//
	// "fetch" is the download of the source, shared by the renditions of
	// one activation; "wait" the time the rendition waited for the
	// renditions before it, when the worker makes fewer at once than it
	// was given; "upload" the storing of the rendition (and of the
	// copy kept for renditions made from it); "total" runs from the start
	// of the activation to the end of the rendition, so it also holds
	// the lifecycle's checks, and is at least the sum of the other steps. "encode" is the writing of the
	// output format. "render" is the rest of the worker's own work: for
	// an image rendition the decoding of the source and its resizing,
	// cropping and colour conversion, which libvips does together in
	// one pass over the pixels, so they are one step; for metadata
	// and text the whole extraction. "decode" is reported only by a
	// worker that decodes in a step of its own.
	Timings map[string]float64 `json:"timings,omitempty"`
}

// eventFields has Event's fields without its methods, to avoid recursion.
type eventFields Event

// EventDateLayout is how an event's date is written: UTC with millisecond
// precision, as the hosted service writes it (2025-03-09T12:34:56.789Z).
const EventDateLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON writes the event with its date in EventDateLayout, in its
// place among the fields.
func (e Event) MarshalJSON() ([]byte, error) {
	out, err := json.Marshal(eventFields(e))
	if err != nil {
		return nil, err
	}
	// The date follows id and type, neither of which can hold a quote
	// once encoded as JSON, so its first occurrence is the field.
	was, err := json.Marshal(e.Date)
	if err != nil {
		return nil, err
	}
	now, _ := json.Marshal(e.Date.UTC().Format(EventDateLayout))
	return bytes.Replace(out, append([]byte(`"date":`), was...), append([]byte(`"date":`), now...), 1), nil
}

// UnmarshalJSON reads an event. The rendition is an echo of instructions,
// not a new request: it has no target and, in a rendition_failed event, may
// hold the very instructions that were refused, so it is read leniently
// (what ParseRendition can read is kept) instead of being validated.
func (e *Event) UnmarshalJSON(data []byte) error {
	aux := struct {
		*eventFields
		Rendition json.RawMessage `json:"rendition"`
	}{eventFields: (*eventFields)(e)}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	e.Rendition = Rendition{}
	if len(aux.Rendition) == 0 || string(aux.Rendition) == "null" {
		return nil
	}
	if !isObject(aux.Rendition) {
		return fmt.Errorf("event rendition must be a JSON object, got %s", abbreviate(aux.Rendition))
	}
	e.Rendition, _ = ParseRendition(aux.Rendition)
	return nil
}

// EventID returns the stable id of the event for rendition index i of a
// request.
func EventID(requestID string, index int, t EventType) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%s", requestID, index, t)))
	return hex.EncodeToString(sum[:16])
}

// NewEvent builds the event for rendition index i of req from its result.
// The source URL is redacted and the target removed.
func NewEvent(req *Request, index int, r Rendition, res RenditionResult, now time.Time) Event {
	ev := Event{
		Date:      now.UTC().Truncate(time.Millisecond),
		RequestID: req.RequestID,
		Source:    RedactURL(req.Source.URL),
		Rendition: r.WithoutTarget(),
		UserData:  req.UserData,
	}
	if len(r.Verbatim) > 0 {
		ev.Instructions = r.Verbatim
	}
	ev.ActivationIDs = res.ActivationIDs
	ev.Timings = res.Timings
	if res.Created() {
		ev.Type = EventRenditionCreated
		ev.Metadata = res.Metadata
		ev.Data = res.Data
	} else {
		ev.Type = EventRenditionFailed
		ev.ErrorReason = res.Reason
		if !ev.ErrorReason.Valid() {
			ev.ErrorReason = ReasonGeneric
		}
		ev.ErrorMessage = res.Message
		// A rendition too large for its target reports its size, so the
		// client can ask again with a target that holds it.
		if size, ok := res.Metadata[MetadataSize]; ok && ev.ErrorReason == ReasonRenditionTooLarge {
			ev.Metadata = map[string]any{MetadataSize: size}
		}
	}
	ev.ID = EventID(req.RequestID, index, ev.Type)
	return ev
}

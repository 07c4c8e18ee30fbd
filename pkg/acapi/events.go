package acapi

import (
	"encoding/json"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// HostedEvent returns the event ev (JSON) as journal readers get it: its
// metadata with the dimensions under the hosted service's documented
// names too (api.MetadataHostedWidth, api.MetadataHostedHeight), beside
// ours. Anything that is not an event with such metadata is returned as
// it is.
func HostedEvent(ev json.RawMessage) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(ev, &fields) != nil {
		return ev
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(fields["metadata"], &meta) != nil || meta == nil {
		return ev
	}
	changed := false
	for from, to := range map[string]string{api.MetadataWidth: api.MetadataHostedWidth, api.MetadataHeight: api.MetadataHostedHeight} {
		if v, ok := meta[from]; ok {
			if _, set := meta[to]; !set {
				meta[to] = v
				changed = true
			}
		}
	}
	if !changed {
		return ev
	}
	fields["metadata"], _ = json.Marshal(meta)
	out, err := json.Marshal(fields)
	if err != nil {
		return ev
	}
	return out
}

// ActivationEvents returns the events of an ended process activation:
// those of its result, or, when it ended without events (it crashed, timed
// out, or failed as a whole), one rendition_failed event per requested
// rendition, so that every rendition ends in an event. status is the
// activation record's status ("success", "application error", ...).
func ActivationEvents(activationID, status string, result json.RawMessage, req Request, now time.Time) []json.RawMessage {
	var res struct {
		Events []json.RawMessage `json:"events"`
		Error  json.RawMessage   `json:"error"`
	}
	_ = json.Unmarshal(result, &res)
	if len(res.Events) > 0 {
		return res.Events
	}
	msg := "the process activation " + activationID + " ended with " + status
	var text string
	if json.Unmarshal(res.Error, &text) == nil && text != "" {
		msg += ": " + text
	}
	return FailedEvents(req, msg, now)
}

// FailedEvents returns one rendition_failed event (GenericError, msg) per
// rendition of req.
func FailedEvents(req Request, msg string, now time.Time) []json.RawMessage {
	date := now.UTC().Format("2006-01-02T15:04:05.000Z")
	out := make([]json.RawMessage, 0, len(req.Renditions))
	for _, rendition := range req.Renditions {
		ev := map[string]any{
			"type":         "rendition_failed",
			"date":         date,
			"requestId":    req.RequestID,
			"rendition":    rendition,
			"errorReason":  "GenericError",
			"errorMessage": msg,
		}
		if len(req.UserData) > 0 {
			ev["userData"] = req.UserData
		}
		b, _ := json.Marshal(ev)
		out = append(out, b)
	}
	return out
}

package acapi

import (
	"encoding/json"
	"time"
)

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

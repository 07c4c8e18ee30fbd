package devserver

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
)

// Activation is an activation record, as OpenWhisk returns it.
type Activation struct {
	Namespace    string             `json:"namespace"`
	Name         string             `json:"name"`
	Version      string             `json:"version"`
	Subject      string             `json:"subject"`
	ActivationID string             `json:"activationId"`
	Cause        string             `json:"cause,omitempty"`
	Start        int64              `json:"start"`
	End          int64              `json:"end"`
	Duration     int64              `json:"duration"`
	StatusCode   int                `json:"statusCode"`
	Response     ActivationResponse `json:"response"`
	Logs         []string           `json:"logs"`
	Annotations  kvList             `json:"annotations"`
	Publish      bool               `json:"publish"`
}

// ActivationResponse is the outcome of an activation.
type ActivationResponse struct {
	Status     string          `json:"status"`
	StatusCode int             `json:"statusCode"`
	Success    bool            `json:"success"`
	Result     json.RawMessage `json:"result,omitempty"`
	Size       int             `json:"size,omitempty"`
}

// Activation status codes and their names, OpenWhisk's.
const (
	codeSuccess        = 0
	codeApplication    = 1
	codeDeveloper      = 2
	codeInternal       = 3
	statusSuccess      = "success"
	statusApplication  = "application error"
	statusDeveloper    = "action developer error"
	statusInternal     = "whisk internal error"
	annotationTimeout  = "timeout"
	annotationKind     = "kind"
	annotationPath     = "path"
	annotationLimits   = "limits"
	annotationWaitTime = "waitTime"
	annotationInitTime = "initTime"
)

// statusNames maps a status code to its name.
var statusNames = [...]string{statusSuccess, statusApplication, statusDeveloper, statusInternal}

// newResponse builds an activation response with code and result.
func newResponse(code int, result json.RawMessage) ActivationResponse {
	return ActivationResponse{
		Status:     statusNames[code],
		StatusCode: code,
		Success:    code == codeSuccess,
		Result:     result,
		Size:       len(result),
	}
}

// errorResult returns the JSON object {"error": msg}.
func errorResult(msg string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

// newActivationID returns 32 random hexadecimal digits.
func newActivationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported systems
	return hex.EncodeToString(b)
}

// record is a finished activation with its live log buffer: output that
// arrives after the result still lands in the activation it belongs to.
type record struct {
	act  Activation
	logs *logBuffer // nil for activations without a process (sequences, triggers)
}

// snapshot returns the activation with its current logs.
func (r *record) snapshot() Activation {
	a := r.act
	if r.logs != nil {
		a.Logs = r.logs.lines()
	}
	if a.Logs == nil {
		a.Logs = []string{}
	}
	return a
}

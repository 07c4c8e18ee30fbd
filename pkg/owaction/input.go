package owaction

import (
	"strconv"
	"time"
)

// Input is the line an action process reads on stdin for one activation,
// as the OpenWhisk invoker writes it. Hosts of action processes (package
// devserver, package workertest) build it for Process.Run; the action loop
// reads it into an Activation and exports every string field but value as
// __OW_<NAME>.
type Input struct {
	// Value is the activation's parameters, a JSON object
	// (a json.RawMessage or anything that marshals to an object).
	Value any `json:"value"`
	// Namespace is the namespace the activation runs in.
	Namespace string `json:"namespace"`
	// ActionName is the fully qualified action name, /NAMESPACE/[PKG/]NAME.
	ActionName    string `json:"action_name"`
	ActionVersion string `json:"action_version"`
	ActivationID  string `json:"activation_id"`
	TransactionID string `json:"transaction_id"`
	// Deadline is when the platform stops the activation, in epoch
	// milliseconds (see DeadlineString).
	Deadline string `json:"deadline"`
	// APIHost and APIKey are sent only to actions annotated
	// provide-api-key: true.
	APIHost string `json:"api_host,omitempty"`
	APIKey  string `json:"api_key,omitempty"`
}

// DeadlineString formats t as the deadline field of an Input.
func DeadlineString(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

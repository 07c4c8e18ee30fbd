package worker

import (
	"encoding/json"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Decode decodes the rendition's instructions, the contract's keys and the
// unknown keys alike, into v, a pointer to a struct with JSON tags (or a
// map). It is the typed way for a custom worker to read its own
// instructions:
//
//	var in struct {
//		Language string  `json:"language"`
//		MinScore float64 `json:"minScore"`
//		Width    int     `json:"width"`
//	}
//	if err := r.Decode(&in); err != nil {
//		return err
//	}
//
// The target is left out. A value of the wrong type is an *api.Error with
// reason GenericError naming the key, so returning it fails the rendition
// with a message the client can act on.
func (r *Rendition) Decode(v any) error {
	raw, err := json.Marshal(r.Rendition.WithoutTarget())
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("rendition %q: cannot encode its instructions", r.Name))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("rendition %q: invalid instructions: %s", r.Name, jsonProblem(err)))
	}
	return nil
}

// ExtraValue decodes the unknown key named key into v and reports whether
// the rendition has that key. A value that does not fit v is an *api.Error
// naming the key.
func (r *Rendition) ExtraValue(key string, v any) (bool, error) {
	raw, ok := r.Extra[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("rendition %q: instruction %s: %s", r.Name, key, jsonProblem(err)))
	}
	return true, nil
}

// InstructionsJSON returns the rendition's instructions as a JSON object,
// without the target: what a shell script worker reads from its
// instructions file.
func (r *Rendition) InstructionsJSON() ([]byte, error) {
	raw, err := json.Marshal(r.Rendition.WithoutTarget())
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("rendition %q: cannot encode its instructions", r.Name))
	}
	return raw, nil
}

// jsonProblem describes a JSON decoding error in terms of the key at fault.
func jsonProblem(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		if te.Field != "" {
			return fmt.Sprintf("%s must be a %s, not a %s", te.Field, te.Type, te.Value)
		}
		return fmt.Sprintf("want a %s, not a %s", te.Type, te.Value)
	}
	return err.Error()
}

package process

import (
	"encoding/json"
	"fmt"
)

// resultFields has Result's fields without its methods.
type resultFields Result

// resultJSON is how a Result is written: a request rejected as a whole
// has OpenWhisk's {"error": "<message>"}, which its clients print (an
// object there reads as "Response Missing Error Message."), with the
// detail {reason, message} beside it in errorDetail.
type resultJSON struct {
	*resultFields
	Error       json.RawMessage `json:"error,omitempty"`
	ErrorDetail *InvalidInfo    `json:"errorDetail,omitempty"`
}

// MarshalJSON writes the result; see resultJSON.
func (r Result) MarshalJSON() ([]byte, error) {
	out := resultJSON{resultFields: (*resultFields)(&r)}
	if r.Error != nil {
		msg, err := json.Marshal(r.Error.Message)
		if err != nil {
			return nil, err
		}
		out.Error, out.ErrorDetail = msg, r.Error
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a result as MarshalJSON writes it, or with the
// error as an object {reason, message}, as it was written before.
func (r *Result) UnmarshalJSON(data []byte) error {
	*r = Result{}
	in := resultJSON{resultFields: (*resultFields)(r)}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	r.Error = nil
	if len(in.Error) == 0 || string(in.Error) == "null" {
		return nil
	}
	var msg string
	if json.Unmarshal(in.Error, &msg) == nil {
		r.Error = in.ErrorDetail
		if r.Error == nil {
			r.Error = &InvalidInfo{Message: msg}
		}
		if r.Error.Message == "" {
			r.Error.Message = msg
		}
		return nil
	}
	var info InvalidInfo
	if err := json.Unmarshal(in.Error, &info); err != nil {
		return fmt.Errorf("result error is neither a message nor {reason, message}: %w", err)
	}
	r.Error = &info
	return nil
}

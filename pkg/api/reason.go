package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Reason classifies why a rendition failed. The set is fixed by the contract.
type Reason string

// The error reasons a rendition_failed event can carry.
const (
	// ReasonGeneric is any failure without a more specific reason, including
	// storage failures that persisted through retries.
	ReasonGeneric Reason = "GenericError"
	// ReasonSourceFormatUnsupported means the source's type cannot be made
	// into the requested rendition (a text file for an image rendition).
	ReasonSourceFormatUnsupported Reason = "SourceFormatUnsupported"
	// ReasonRenditionFormatUnsupported means the requested fmt is not one the
	// service (or the routed worker) can produce.
	ReasonRenditionFormatUnsupported Reason = "RenditionFormatUnsupported"
	// ReasonSourceUnsupported means the source reference itself is not
	// allowed: a scheme, host or address the service refuses to fetch.
	ReasonSourceUnsupported Reason = "SourceUnsupported"
	// ReasonSourceCorrupt means the source could be fetched but not decoded.
	ReasonSourceCorrupt Reason = "SourceCorrupt"
	// ReasonRenditionTooLarge means the output exceeds a size limit.
	ReasonRenditionTooLarge Reason = "RenditionTooLarge"
	// ReasonSourceTooLarge means the source exceeds a size, pixel, page or
	// frame limit.
	ReasonSourceTooLarge Reason = "SourceTooLarge"
	// ReasonTimeout means the rendition was not finished before its deadline.
	ReasonTimeout Reason = "Timeout"
)

// Reasons lists every defined reason, in documentation order.
var Reasons = []Reason{
	ReasonGeneric, ReasonSourceFormatUnsupported, ReasonRenditionFormatUnsupported,
	ReasonSourceUnsupported, ReasonSourceCorrupt, ReasonRenditionTooLarge,
	ReasonSourceTooLarge, ReasonTimeout,
}

// Valid reports whether r is one of the defined reasons.
func (r Reason) Valid() bool {
	for _, known := range Reasons {
		if r == known {
			return true
		}
	}
	return false
}

// Error is an error that carries a contract Reason and a message that is safe
// to show to the client. Err, when set, is the underlying cause; its text is
// included in Error() for logs but Message alone goes into events.
type Error struct {
	Reason  Reason
	Message string
	Err     error
}

// Error returns the message, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil && e.Message != "" {
		if cause := e.Err.Error(); !strings.Contains(e.Message, cause) {
			return e.Message + ": " + cause
		}
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given reason and a formatted public
// message. A %w verb in format wraps its argument as the cause, as with
// fmt.Errorf, and the cause's text becomes part of the message.
func Errorf(reason Reason, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	cause := errors.Unwrap(err)
	if _, multi := err.(interface{ Unwrap() []error }); multi {
		// Several %w verbs: keep them all reachable through errors.Is/As.
		cause = err
	}
	return &Error{Reason: reason, Message: err.Error(), Err: cause}
}

// Wrap returns an *Error with the given reason and public message whose cause
// is err. The cause's text is kept for logs and not added to Message.
func Wrap(reason Reason, err error, message string) *Error {
	return &Error{Reason: reason, Message: message, Err: err}
}

// ReasonOf returns the contract reason of err: the Reason of the first *Error
// in its chain, Timeout for a context deadline, and GenericError otherwise.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ReasonTimeout
	}
	return ReasonGeneric
}

// MessageOf returns the public message of err: the Message of the first
// *Error in its chain when it has one, otherwise err's text.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

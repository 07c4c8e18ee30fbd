package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReasonsAreTheContractSet(t *testing.T) {
	assert.Equal(t, []Reason{
		"GenericError", "SourceFormatUnsupported", "RenditionFormatUnsupported", "SourceUnsupported",
		"SourceCorrupt", "RenditionTooLarge", "SourceTooLarge", "Timeout",
	}, Reasons)
	for _, r := range Reasons {
		assert.True(t, r.Valid(), r)
	}
	assert.False(t, Reason("").Valid())
	assert.False(t, Reason("generic").Valid(), "reasons are case-sensitive")
}

func TestReasonOf(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		err  error
		want Reason
	}{
		{"nil", nil, ReasonGeneric},
		{"plain error", errors.New("boom"), ReasonGeneric},
		{"api error", Errorf(ReasonSourceCorrupt, "bad"), ReasonSourceCorrupt},
		{"wrapped api error", fmt.Errorf("step: %w", Errorf(ReasonSourceTooLarge, "big")), ReasonSourceTooLarge},
		{"twice wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", Wrap(ReasonSourceUnsupported, io.EOF, "no"))), ReasonSourceUnsupported},
		{"outermost api error wins", Wrap(ReasonRenditionTooLarge, Errorf(ReasonSourceCorrupt, "inner"), "outer"), ReasonRenditionTooLarge},
		{"api error without a reason defers to its cause", &Error{Message: "m", Err: context.DeadlineExceeded}, ReasonTimeout},
		{"deadline", context.DeadlineExceeded, ReasonTimeout},
		{"wrapped deadline", fmt.Errorf("fetch: %w", context.DeadlineExceeded), ReasonTimeout},
		{"cancellation is not a timeout", ctx.Err(), ReasonGeneric},
		{"joined", errors.Join(errors.New("x"), Errorf(ReasonSourceCorrupt, "y")), ReasonSourceCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ReasonOf(tc.err))
		})
	}
}

func TestMessageOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"plain error", errors.New("boom"), "boom"},
		{"wrapped api error gives its public message", fmt.Errorf("internal step: %w", Wrap(ReasonSourceCorrupt, io.ErrUnexpectedEOF, "source is truncated")), "source is truncated"},
		{"api error without a message", fmt.Errorf("ctx: %w", &Error{Reason: ReasonTimeout, Err: context.DeadlineExceeded}), "ctx: context deadline exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, MessageOf(tc.err))
		})
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"message only", &Error{Reason: ReasonSourceCorrupt, Message: "bad"}, "bad"},
		{"cause only", &Error{Reason: ReasonGeneric, Err: io.EOF}, "EOF"},
		{"Wrap adds the cause for logs", Wrap(ReasonGeneric, io.ErrUnexpectedEOF, "cannot read the source"), "cannot read the source: unexpected EOF"},
		{"Errorf with %w does not repeat the cause", Errorf(ReasonSourceCorrupt, "decode png: %w", io.ErrUnexpectedEOF), "decode png: unexpected EOF"},
		{"message already holding the cause", Wrap(ReasonGeneric, io.EOF, "read failed: EOF"), "read failed: EOF"},
		{"empty", &Error{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.Error())
		})
	}
}

func TestErrorfWrapsItsCause(t *testing.T) {
	err := Errorf(ReasonSourceCorrupt, "decode: %w", io.ErrUnexpectedEOF)
	assert.Equal(t, ReasonSourceCorrupt, err.Reason)
	assert.Equal(t, "decode: unexpected EOF", err.Message, "the cause's text is part of the public message")
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	plain := Errorf(ReasonGeneric, "no cause %d", 1)
	assert.NoError(t, plain.Err)
	assert.Equal(t, "no cause 1", plain.Error())

	two := Errorf(ReasonGeneric, "both: %w and %w", io.EOF, context.DeadlineExceeded)
	assert.ErrorIs(t, two, io.EOF, "every %w cause is kept")
	assert.ErrorIs(t, two, context.DeadlineExceeded)
	assert.Equal(t, "both: EOF and context deadline exceeded", two.Error())
	assert.Equal(t, ReasonGeneric, ReasonOf(two), "an explicit reason wins over a wrapped deadline")

	wrapped := Wrap(ReasonTimeout, context.DeadlineExceeded, "took too long")
	assert.ErrorIs(t, wrapped, context.DeadlineExceeded)
	assert.Equal(t, "took too long", MessageOf(wrapped), "the cause stays out of the public message")
}

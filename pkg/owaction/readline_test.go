package owaction

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name    string
		input   string
		max     int64
		want    []string // lines expected in order; "ERR:<sentinel>" for an error
		wantErr []error
	}{
		{name: "a line at the limit is accepted", input: "12345\nab\n", max: 5, want: []string{"12345", "ab"}},
		{name: "a line over the limit is dropped and the next one read", input: long + "\nab\n", max: 10, want: []string{"", "ab"}, wantErr: []error{ErrResultTooLarge, nil}},
		{name: "lines longer than the reader's buffer are read whole", input: long + "\n", max: 1000, want: []string{long}},
		{name: "end of stream before any byte is io.EOF", input: "", max: 10, want: []string{""}, wantErr: []error{io.EOF}},
		{name: "end of stream inside a line is unexpected", input: "abc", max: 10, want: []string{""}, wantErr: []error{io.ErrUnexpectedEOF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tt.input), 16)
			for i, want := range tt.want {
				got, err := readLine(r, tt.max)
				var wantErr error
				if tt.wantErr != nil {
					wantErr = tt.wantErr[i]
				}
				if wantErr != nil {
					require.True(t, errors.Is(err, wantErr), "line %d: got %v, want %v", i, err, wantErr)
					continue
				}
				require.NoError(t, err, "line %d", i)
				assert.Equal(t, want, string(got), "line %d", i)
			}
		})
	}
}

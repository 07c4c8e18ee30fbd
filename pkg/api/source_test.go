package api

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactURL(t *testing.T) {
	longMeta := "data:application/" + strings.Repeat("x", 200) + ";base64,AAAA"
	tests := []struct {
		name, in, want string
	}{
		{"presigned query removed", "https://b.s3.amazonaws.com/in/a.jpg?X-Amz-Signature=abc&X-Amz-Credential=k", "https://b.s3.amazonaws.com/in/a.jpg"},
		{"userinfo removed", "https://user:secret@host.example/p/a.png", "https://host.example/p/a.png"},
		{"fragment removed", "https://host.example/a.png#token=s", "https://host.example/a.png"},
		{"all three", "http://u:p@h:8080/a/b.png?sig=1#f", "http://h:8080/a/b.png"},
		{"empty query marker removed", "https://h/a.png?", "https://h/a.png"},
		{"s3 kept", "s3://bucket/in/a b.png", "s3://bucket/in/a%20b.png"},
		{"s3 version query removed", "s3://bucket/key.png?versionId=3", "s3://bucket/key.png"},
		{"data URI reduced to its media type", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "data:image/png;base64,..."},
		{"data URI in capitals", "DATA:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "DATA:image/png;base64,..."},
		{"data URI with a long header", longMeta, longMeta[:100] + ",..."},
		{"absolute local path kept", "/tmp/in/a.png", "/tmp/in/a.png"},
		{"relative local path kept", "in/a b.png", "in/a b.png"},
		{"windows path kept", `C:\in\a.png`, `C:\in\a.png`},
		{"file URL kept", "file:///tmp/in/a.png", "file:///tmp/in/a.png"},
		{"scheme-relative URL", "//u:p@h/a.png?sig=1", "//h/a.png"},
		{"unparsable URL still loses its secrets", "https://user:secret@exa mple.com/a.png?sig=1#f", "https://exa mple.com/a.png"},
		{"unparsable escape", "https://u:secret@h/a%zz.png?sig=1", "https://h/a%zz.png"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := RedactURL(tc.in)
			assert.Equal(t, tc.want, got)
			assert.NotContains(t, got, "secret")
			assert.NotContains(t, got, "sig=")
		})
	}
}

func TestSourceDisplayName(t *testing.T) {
	tests := []struct {
		name string
		src  Source
		want string
	}{
		{"https path", Source{URL: "https://h/assets/photo.jpg"}, "photo.jpg"},
		{"https never its query", Source{URL: "https://h/assets/photo.jpg?X-Amz-Signature=abc/def.png"}, "photo.jpg"},
		{"https escaped", Source{URL: "https://h/assets/my%20photo.jpg"}, "my photo.jpg"},
		{"https trailing slash", Source{URL: "https://h/assets/dir/"}, "dir"},
		{"https host only", Source{URL: "https://h"}, ""},
		{"s3", Source{URL: "s3://bucket/in/deep/scan.tiff"}, "scan.tiff"},
		{"data URI has no name", Source{URL: "data:image/png;base64,AAAA"}, ""},
		{"data URI in capitals has no name", Source{URL: "DATA:image/png;base64,AA/AA"}, ""},
		{"local absolute path", Source{URL: "/tmp/in/report.pdf"}, "report.pdf"},
		{"local windows path", Source{URL: `C:\in\report.pdf`}, "report.pdf"},
		{"file URL", Source{URL: "file:///tmp/in/report.pdf"}, "report.pdf"},
		{"unparsable URL never its query", Source{URL: "https://exa mple.com/a.png?sig=1/b"}, "a.png"},
		{"name wins", Source{URL: "https://h/blob/12345?sig=1", Name: "original.psd"}, "original.psd"},
		{"name wins over data", Source{URL: "data:image/png;base64,AAAA", Name: "pasted.png"}, "pasted.png"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.src.DisplayName())
		})
	}
}

func TestSourceValidate(t *testing.T) {
	require.NoError(t, Source{URL: "s3://b/k"}.Validate())
	assert.ErrorContains(t, Source{}.Validate(), "source: url is required")
	assert.ErrorContains(t, Source{URL: "s3://b/k", Size: -2}.Validate(), "source: size must not be negative")
}

func TestTargetRedacted(t *testing.T) {
	assert.Equal(t, "https://h/out.png", Target{URL: "https://h/out.png?X-Amz-Signature=s"}.Redacted())
	assert.Equal(t, "multipart(2 parts) https://h/1", Target{URLs: []string{"https://h/1?sig=a", "https://h/2?sig=b"}}.Redacted())
}

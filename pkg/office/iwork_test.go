package office

import (
	"context"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// iWork documents without an embedded preview go to LibreOffice, which
// imports the iWork '09 XML through libetonyek.
func TestIWorkWithoutPreviewRendersThroughLibreOffice(t *testing.T) {
	testutil.NeedTool(t, "soffice")
	ctx := context.Background()
	e, err := New(Options{})
	require.NoError(t, err)
	base := t.TempDir()
	for _, c := range []struct{ kind, name string }{
		{"pages", "letter.pages"}, {"numbers", "budget.numbers"}, {"keynote", "talk.key"},
	} {
		t.Run(c.kind, func(t *testing.T) {
			src := write(t, c.name, officetest.IWork09(c.kind, "Zebra marmalade quantum"))
			p, err := e.Preview(ctx, src, c.name, Request{Width: 319, Height: 319}, base)
			require.NoError(t, err, api.MessageOf(err))
			assert.Equal(t, KindPage, p.Kind)
			assert.Equal(t, c.kind, p.Format.Name)
			assert.Equal(t, 1, pdfPages(t, p.Path))
			if c.kind == "pages" {
				if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
					out, err := exec.Command(pdftotext, p.Path, "-").Output()
					require.NoError(t, err)
					assert.Contains(t, string(out), "Zebra marmalade quantum")
				}
			}
		})
	}
	assert.Empty(t, testutil.Processes(t, base), "no LibreOffice process is left")
}

func TestIWorkLibreOfficeCannotImport(t *testing.T) {
	testutil.NeedTool(t, "soffice")
	ctx := context.Background()
	e, err := New(Options{})
	require.NoError(t, err)
	src := write(t, "report.pages", officetest.IWorkArchive())
	_, err = e.Preview(ctx, src, "report.pages", Request{Width: 319}, t.TempDir())
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceUnsupported, api.ReasonOf(err), api.MessageOf(err))
	assert.Contains(t, api.MessageOf(err), "LibreOffice could not import the Pages document (iWork 2013+ archive)")
}

func TestIWorkPackageWithoutADocument(t *testing.T) {
	// Refused before any render: an engine without LibreOffice would
	// otherwise say that rendering needs it.
	e := noSoffice(t)
	src := write(t, "empty.key", officetest.Zip(officetest.Part{Name: "buildVersionHistory.plist", Data: []byte("<plist/>")}))
	_, err := e.Preview(context.Background(), src, "empty.key", Request{Width: 319}, t.TempDir())
	require.Error(t, err)
	assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), api.MessageOf(err))
	assert.Contains(t, api.MessageOf(err), "neither the XML of iWork '09")
}

// The text of an iWork document goes through LibreOffice's PDF, as a
// legacy Word file's does.
func TestIWorkTextPDF(t *testing.T) {
	testutil.NeedTool(t, "soffice")
	ctx := context.Background()
	e, err := New(Options{})
	require.NoError(t, err)
	src := write(t, "letter.pages", officetest.IWork09("pages", "Zebra marmalade quantum"))
	pdf, err := e.TextPDF(ctx, src, "letter.pages", t.TempDir())
	require.NoError(t, err, api.MessageOf(err))
	assert.Equal(t, 1, pdfPages(t, pdf))
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command(pdftotext, pdf, "-").Output()
		require.NoError(t, err)
		assert.Contains(t, string(out), "Zebra marmalade quantum")
	}
	t.Run("not importable", func(t *testing.T) {
		src := write(t, "new.key", officetest.IWorkArchive())
		_, err := e.TextPDF(ctx, src, "new.key", t.TempDir())
		assert.Equal(t, api.ReasonSourceUnsupported, api.ReasonOf(err), api.MessageOf(err))
	})
	t.Run("a zip bomb is refused before LibreOffice", func(t *testing.T) {
		bomb := officetest.Zip(officetest.Part{Name: "index.xml", Data: make([]byte, 64<<20)})
		src := write(t, "bomb.numbers", bomb)
		_, err := noSoffice(t).TextPDF(ctx, src, "bomb.numbers", t.TempDir())
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), api.MessageOf(err))
	})
}

package office

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// pdfFilter is the PDF export filter of the LibreOffice module that opens
// a format: a filter of another module refuses the document.
func pdfFilter(f format.Format) string {
	switch f.Name {
	case "xlsx", "ods", "xls", "numbers":
		return "calc_pdf_Export"
	case "pptx", "odp", "ppt", "keynote":
		return "impress_pdf_Export"
	case "odg":
		return "draw_pdf_Export"
	}
	return "writer_pdf_Export"
}

// ToPDF converts page (1-based) of the document at path, of format f, to a
// PDF of that one page with LibreOffice, and returns its path, under dir.
// Page 0 converts every page.
//
// LibreOffice runs caged (package cage: its own process group killed on
// return, private HOME and TMPDIR, address-space, CPU and file-size
// limits, ctx's deadline) with a profile of its own, new for each run and
// seeded with settings that keep macros off (hardenedItems), reading a
// link to the source under a fixed name. Only the asked page is exported
// (the PDF filter's PageRange), so a long document costs its loading and
// layout, not the export of every page. The profile and the link are
// removed on return; the PDF stays under dir.
func (e *Engine) ToPDF(ctx context.Context, path string, f format.Format, page int, dir string) (string, error) {
	if !e.CanRender() {
		return "", e.errNoSoffice(f)
	}
	page = max(page, 0)
	work, err := os.MkdirTemp(dir, "soffice-")
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot create a conversion directory")
	}
	in := filepath.Join(work, "in", "document"+docExt(f))
	if err := os.MkdirAll(filepath.Dir(in), 0o700); err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot create a conversion directory")
	}
	defer os.RemoveAll(filepath.Dir(in))
	if err := linkOrCopy(path, in); err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot stage the source for LibreOffice")
	}
	profile := filepath.Join(work, "profile")
	defer os.RemoveAll(profile)
	if err := seedProfile(profile); err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot create the LibreOffice profile")
	}
	out := filepath.Join(work, "out")
	filter := "pdf:" + pdfFilter(f)
	if page > 0 {
		filter += fmt.Sprintf(`:{"PageRange":{"type":"string","value":"%d"}}`, page)
	}
	res, err := e.run(ctx, profile, "--convert-to", filter, "--outdir", out, in)
	pdf := filepath.Join(out, "document.pdf")
	if err != nil {
		return "", e.runError(ctx, f, err)
	}
	if st, serr := os.Stat(pdf); serr == nil && st.Size() > 0 {
		return pdf, nil
	}
	// LibreOffice exits 0 when it cannot load or export a document; its
	// messages say which.
	msg := cage.LastLines(res.Stderr+"\n"+string(res.Stdout), 2)
	switch {
	case strings.Contains(msg, "could not be loaded"):
		return "", api.Errorf(api.ReasonSourceCorrupt, "LibreOffice could not load the %s (damaged, or not what its name says)", f.Title)
	case page > 1 && strings.Contains(msg, "verify input parameters"):
		return "", api.Errorf(api.ReasonGeneric, "page %d was asked, but the %s has fewer pages", page, f.Title)
	}
	return "", api.Errorf(api.ReasonSourceCorrupt, "LibreOffice made no PDF of the %s: %s", f.Title, msg)
}

// run runs soffice with a private profile and args, caged.
//
// Network: LibreOffice may fetch linked images and OLE links of a
// document. The profile blocks untrusted referer links and macros, and
// the cage (Options.NoNetwork, set in New) runs every LibreOffice in a
// network namespace of its own, with no usable interface.
func (e *Engine) run(ctx context.Context, profile string, args ...string) (*cage.Result, error) {
	all := append([]string{
		"-env:UserInstallation=" + fileURL(profile),
		"--headless", "--invisible", "--nologo", "--nodefault", "--nolockcheck", "--norestore",
	}, args...)
	res, err := e.cage.Run(ctx, cage.Cmd{
		Path: e.soffice,
		Args: all,
		Env:  []string{"SAL_USE_VCLPLUGIN=svp"},
	})
	if res == nil {
		res = &cage.Result{}
	}
	return res, err
}

// runError maps a failed LibreOffice run to an api error.
func (e *Engine) runError(ctx context.Context, f format.Format, err error) error {
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return api.Errorf(api.ReasonTimeout, "LibreOffice did not finish rendering the %s before the deadline", f.Title)
	case errors.Is(err, cage.ErrCPULimit):
		return api.Errorf(api.ReasonSourceTooLarge, "LibreOffice used its %d CPU seconds rendering the %s", e.opts.Limits.CPUSeconds, f.Title)
	case errors.Is(err, cage.ErrMemoryLimit):
		return api.Errorf(api.ReasonSourceTooLarge, "LibreOffice ran out of its %d MiB of memory rendering the %s", e.opts.Limits.MemoryBytes>>20, f.Title)
	}
	return api.Wrap(api.ReasonSourceCorrupt, err, fmt.Sprintf("LibreOffice failed on the %s", f.Title))
}

// hardenedItems are the configuration items every profile starts with:
// macros neither run nor ask (the highest security level), and links to
// untrusted referers are blocked.
const hardenedItems = `<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
`

// seedProfile makes the user directory of a new LibreOffice profile with
// a configuration that holds hardenedItems; LibreOffice makes the rest of
// the profile at its start and keeps these settings.
func seedProfile(profile string) error {
	if err := os.MkdirAll(filepath.Join(profile, "user"), 0o700); err != nil {
		return err
	}
	xcu := `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
` + hardenedItems + `</oor:items>
`
	return os.WriteFile(filepath.Join(profile, "user", "registrymodifications.xcu"), []byte(xcu), 0o600)
}

// docExt is the extension LibreOffice is shown, the format's usual one
// (it detects the type from the content anyway).
func docExt(f format.Format) string {
	if len(f.Extensions) > 0 {
		return f.Extensions[0]
	}
	return ".bin"
}

func fileURL(p string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
}

// linkOrCopy makes dst a hard link to src, or a copy when a link cannot
// be made (another filesystem).
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return copyFile(src, dst, 0o600)
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

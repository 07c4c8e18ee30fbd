package builtin

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"

	goimage "image"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/ocr"
	"github.com/assetcompute/assetcompute/pkg/ocr/ocrsource"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// TextSide is the long side, in pixels, of the picture text detection
// reads: large enough for Tesseract to find the words of a page's body
// text (10 pt type is about 8 pixels high on an A4 page drawn 2000 pixels
// tall), small enough to keep a detection under a second or two.
const TextSide = 2000

// textEngine is the OCR engine of text detection, looked up once per
// process (nil with an error when Tesseract is not installed).
var textEngine = sync.OnceValues(func() (*ocr.Engine, error) { return ocr.New(ocr.Options{}) })

// detectText adds the text feature to rep: the picture at path decoded
// again at TextSide pixels at most (the page rendition picks), read by
// Tesseract, its words' boxes measured against it (analysis.AddText). px
// is the analysed picture. Without Tesseract the rendition fails with
// GenericError; a picture without text has an empty text feature. Text
// detection reads with English when it is installed (word boxes hardly
// depend on the language), else the first installed language.
func detectText(ctx context.Context, engine *image.Engine, path string, rendition api.Rendition, r *worker.Rendition, px *goimage.NRGBA, rep *analysis.Report) error {
	e, err := textEngine()
	if err != nil {
		return api.Errorf(api.ReasonGeneric, "features: text needs Tesseract (OCR), which is not installed here")
	}
	langs, err := e.Languages(ctx)
	if err != nil {
		return err
	}
	lang := ocr.DefaultLanguage
	if !slices.Contains(langs, lang) {
		lang = langs[0]
	}
	dir, err := os.MkdirTemp(filepath.Dir(r.Path), "text-")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "rendition directory")
	}
	defer os.RemoveAll(dir)
	pic, err := ocrsource.Scaled(ctx, engine, e.Limits(), path, api.IntOr(rendition.Page, 0), TextSide, dir)
	if err != nil {
		return err
	}
	page, err := e.Recognize(ctx, pic, ocr.Request{Language: lang})
	if err != nil {
		return err
	}
	words := make([]analysis.Word, len(page.Words))
	for i, w := range page.Words {
		// Tesseract numbers blocks, paragraphs in a block and lines in a
		// paragraph from 1, each under 1000 on any page it can read.
		line := (w.Block*1000+w.Par)*1000 + w.Line
		words[i] = analysis.Word{X: w.X, Y: w.Y, W: w.W, H: w.H, Text: w.Text, Conf: w.Conf, Line: line}
	}
	rep.AddText(px, words, pic.Width, pic.Height)
	return nil
}

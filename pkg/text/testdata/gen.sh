#!/usr/bin/env bash
# Regenerates the committed test documents of pkg/text from the sources in
# src/ and multilingual/ with real LibreOffice. Run it only when a source
# changes; the tests never run LibreOffice themselves.
#   needs: libreoffice-core-nogui, libreoffice-writer-nogui, -calc-nogui,
#          -impress-nogui, python3-uno, fonts-noto-core, fonts-noto-cjk
# Office formats are written through the UNO API on documents loaded without
# a frame (one office process; the nogui build crashes when it has to build
# a view), PDFs through --convert-to, which needs a view and makes its own.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
office=""
cleanup() {
  if [ -n "$office" ]; then kill "$office" 2>/dev/null || true; wait "$office" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home"   # a private LibreOffice profile
mkdir -p "$HOME"

cp "$here"/src/sample.fodt "$here"/src/sample.fods "$here"/src/sample.fodp "$work"/
cat "$here"/multilingual/{en,de,el,ru,zh,ja,ar,he}.txt > "$work/multilingual.txt"
# The PDF has only the titles: embedded CJK font subsets grow fast.
for l in en de el ru zh ja ar he; do head -n 1 "$here/multilingual/$l.txt"; done > "$work/titles.txt"
cd "$work"

# PDFs (and the first start of the fresh profile).
/usr/bin/soffice --headless --convert-to pdf sample.fodt >/dev/null 2>&1 || true
/usr/bin/soffice --headless --infilter="Text (encoded):UTF8" --convert-to pdf titles.txt >/dev/null 2>&1 || true
mv titles.pdf multilingual.pdf
# Arabic lam-alef ligatures (one glyph, two letters), in words and as
# presentation forms.
cp "$here"/src/lamalef.txt .
/usr/bin/soffice --headless --infilter="Text (encoded):UTF8" --convert-to pdf lamalef.txt >/dev/null 2>&1 || true
mkdir enc
/usr/bin/soffice --headless --convert-to \
  'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}' \
  --outdir enc sample.fodt >/dev/null 2>&1 || true
mv enc/sample.pdf encrypted.pdf

/usr/bin/soffice --headless --invisible --norestore --nologo \
  --accept="socket,host=127.0.0.1,port=2399;urp;" >/dev/null 2>&1 &
office=$!
/usr/bin/python3 - "$work" <<'PY'
import sys, time, uno
from com.sun.star.beans import PropertyValue
work = sys.argv[1]
def props(**kw):
    out = []
    for k, v in kw.items():
        p = PropertyValue(); p.Name = k; p.Value = v; out.append(p)
    return tuple(out)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(120):
    try:
        ctx = resolver.resolve("uno:socket,host=127.0.0.1,port=2399;urp;StarOffice.ComponentContext"); break
    except Exception:
        time.sleep(0.5)
def url(name): return "file://%s/%s" % (work, name)
def convert(service, src, load, outputs):
    doc = ctx.ServiceManager.createInstanceWithContext(service, ctx)
    doc.load(props(URL=url(src), **load))
    for name, opts in outputs:
        doc.storeToURL(url(name), props(**opts))
    doc.close(True)
convert("com.sun.star.text.TextDocument", "sample.fodt", dict(FilterName="OpenDocument Text Flat XML"), [
    ("sample.docx", dict(FilterName="MS Word 2007 XML")),
    ("sample.odt", dict(FilterName="writer8")),
    ("sample.rtf", dict(FilterName="Rich Text Format")),
    ("sample.epub", dict(FilterName="EPUB")),
    ("encrypted.odt", dict(FilterName="writer8", Password="secret")),
])
convert("com.sun.star.sheet.SpreadsheetDocument", "sample.fods", dict(FilterName="OpenDocument Spreadsheet Flat XML"), [
    ("sample.xlsx", dict(FilterName="Calc MS Excel 2007 XML")),
    ("sample.ods", dict(FilterName="calc8")),
])
convert("com.sun.star.presentation.PresentationDocument", "sample.fodp", dict(FilterName="OpenDocument Presentation Flat XML"), [
    ("sample.pptx", dict(FilterName="Impress MS PowerPoint 2007 XML")),
    ("sample.odp", dict(FilterName="impress8")),
])
convert("com.sun.star.text.TextDocument", "multilingual.txt", dict(FilterName="Text (encoded)", FilterOptions="UTF8"), [
    ("multilingual.docx", dict(FilterName="MS Word 2007 XML")),
    ("multilingual.odt", dict(FilterName="writer8")),
])
PY

for f in sample.docx sample.odt sample.rtf sample.pdf sample.epub sample.xlsx sample.ods sample.pptx sample.odp \
         multilingual.pdf multilingual.docx multilingual.odt lamalef.pdf encrypted.pdf encrypted.odt; do
  cp "$work/$f" "$here/$f"
done
ls -l "$here" | grep -v '^d'

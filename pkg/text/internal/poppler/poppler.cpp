// Text extraction through poppler's TextOutputDev with the settings of
// pdftotext's default mode (reading order, no physical layout), so that the
// text (right-to-left scripts included) is what pdftotext gives, with one
// correction: right-to-left glyphs that stand for several characters, such
// as the Arabic lam-alef ligature, keep their characters in logical order
// (see RtlLigatureTextOutputDev).
#include "poppler.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <poppler/ErrorCodes.h>
#include <poppler/GlobalParams.h>
#include <poppler/PDFDoc.h>
#include <poppler/TextOutputDev.h>
#include <poppler/goo/GooString.h>

struct ac_pdf {
    std::unique_ptr<PDFDoc> doc;
    std::atomic<int> aborted{0};
};

// init_poppler sets the text encoding of poppler's global parameters.
// Those are created, once for the process, by package pdfguard, which this
// package imports: see pdfguard.cpp for why they must not be created here.
static bool init_poppler() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (globalParams) {
            globalParams->setTextEncoding("UTF-8");
        }
    });
    return globalParams != nullptr;
}

// is_rtl reports whether c belongs to a right-to-left script block (Hebrew,
// Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, their presentation forms
// and the right-to-left blocks of the supplementary planes), digits
// excepted: poppler's reading order keeps numbers left to right.
static bool is_rtl(Unicode c) {
    if ((c >= 0x0660 && c <= 0x0669) || (c >= 0x06f0 && c <= 0x06f9) || (c >= 0x07c0 && c <= 0x07c9)) {
        return false; // Arabic-Indic, extended Arabic-Indic and NKo digits
    }
    return (c >= 0x0590 && c <= 0x08ff) || (c >= 0xfb1d && c <= 0xfdff) || (c >= 0xfe70 && c <= 0xfefc) ||
           (c >= 0x10800 && c <= 0x10fff) || (c >= 0x1e800 && c <= 0x1efff);
}

// RtlLigatureTextOutputDev is poppler's TextOutputDev with right-to-left
// ligatures put the right way round.
//
// When one glyph maps to several characters (its ToUnicode entry has
// several code points, as the Arabic lam-alef ligature maps to U+0644 U+0627),
// TextPage::addChar splits the glyph's advance evenly among them and places
// them left to right in the order given, which is logical order. The text of
// a line is kept in visual order (by position, left to right) and its
// right-to-left runs are reversed when the page is written out, so such a
// glyph's characters come out backwards ("lam-alef" as alef-lam), in
// pdftotext too. In a right-to-left glyph the first character is the
// rightmost one, so the characters are passed in visual order, last first:
// after the reversal of the run they read in logical order. Glyphs with
// a single character, or with any character outside the right-to-left
// blocks (Latin letters, digits, punctuation), are passed through unchanged; presentation forms such as U+FEFB (one code
// point for lam-alef) are decomposed later, in Go, in logical order.
class RtlLigatureTextOutputDev : public TextOutputDev {
public:
    using TextOutputDev::TextOutputDev;

    void drawChar(GfxState *state, double x, double y, double dx, double dy, double originX, double originY, CharCode c,
                  int nBytes, const Unicode *u, int uLen) override {
        if (uLen > 1 && all_rtl(u, uLen)) {
            std::vector<Unicode> visual(u, u + uLen);
            std::reverse(visual.begin(), visual.end());
            TextOutputDev::drawChar(state, x, y, dx, dy, originX, originY, c, nBytes, visual.data(), uLen);
            return;
        }
        TextOutputDev::drawChar(state, x, y, dx, dy, originX, originY, c, nBytes, u, uLen);
    }

private:
    static bool all_rtl(const Unicode *u, int n) {
        for (int i = 0; i < n; ++i) {
            if (!is_rtl(u[i])) {
                return false;
            }
        }
        return true;
    }
};

static void append_text(void *stream, const char *text, int len) {
    static_cast<std::string *>(stream)->append(text, static_cast<size_t>(len));
}

static bool abort_check(void *data) {
    return static_cast<ac_pdf *>(data)->aborted.load() != 0;
}

extern "C" ac_pdf *ac_pdf_open(const char *path, int *err) {
    if (!init_poppler()) {
        *err = errBadCatalog; // no global parameters: cannot happen
        return nullptr;
    }
    auto pdf = new ac_pdf();
    pdf->doc = std::make_unique<PDFDoc>(std::make_unique<GooString>(path));
    if (!pdf->doc->isOk()) {
        *err = pdf->doc->getErrorCode();
        delete pdf;
        return nullptr;
    }
    *err = 0;
    return pdf;
}

extern "C" int ac_pdf_pages(ac_pdf *pdf) { return pdf->doc->getNumPages(); }

extern "C" char *ac_pdf_page_text(ac_pdf *pdf, int page, size_t *len) {
    std::string out;
    {
        RtlLigatureTextOutputDev dev(append_text, &out, false, 0, false, false);
        if (!dev.isOk()) {
            return nullptr;
        }
        dev.setTextPageBreaks(false);
        dev.setTextEOL(eolUnix);
        pdf->doc->displayPage(&dev, page, 72, 72, 0, true, false, false, abort_check, pdf);
    }
    if (pdf->aborted.load()) {
        return nullptr;
    }
    char *buf = static_cast<char *>(std::malloc(out.size() + 1));
    if (buf == nullptr) {
        return nullptr;
    }
    std::memcpy(buf, out.data(), out.size());
    buf[out.size()] = 0;
    *len = out.size();
    return buf;
}

extern "C" void ac_pdf_abort(ac_pdf *pdf) { pdf->aborted.store(1); }

extern "C" void ac_pdf_close(ac_pdf *pdf) { delete pdf; }

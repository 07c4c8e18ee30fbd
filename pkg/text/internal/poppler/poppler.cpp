// Text extraction through poppler's TextOutputDev with the settings of
// pdftotext's default mode (reading order, no physical layout), so that the
// text (right-to-left scripts included) is what pdftotext gives.
#include "poppler.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include <poppler/Error.h>
#include <poppler/ErrorCodes.h>
#include <poppler/GlobalParams.h>
#include <poppler/PDFDoc.h>
#include <poppler/TextOutputDev.h>
#include <poppler/goo/GooString.h>

struct ac_pdf {
    std::unique_ptr<PDFDoc> doc;
    std::atomic<int> aborted{0};
};

static std::once_flag init_once;

static void quiet_errors(ErrorCategory, Goffset, const char *) {}

static void init_poppler() {
    std::call_once(init_once, [] {
        if (!globalParams) {
            globalParams = std::make_unique<GlobalParams>();
        }
        globalParams->setTextEncoding("UTF-8");
        setErrorCallback(quiet_errors); // no parser noise in the activation log
    });
}

static void append_text(void *stream, const char *text, int len) {
    static_cast<std::string *>(stream)->append(text, static_cast<size_t>(len));
}

static bool abort_check(void *data) {
    return static_cast<ac_pdf *>(data)->aborted.load() != 0;
}

extern "C" ac_pdf *ac_pdf_open(const char *path, int *err) {
    init_poppler();
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
        TextOutputDev dev(append_text, &out, false, 0, false, false);
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

// Poppler's process-wide state, and bounded checks of a PDF before libvips
// (through poppler-glib) or the text engine hands it to poppler.
#include "pdfguard.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include <poppler/Catalog.h>
#include <poppler/Dict.h>
#include <poppler/Error.h>
#include <poppler/ErrorCodes.h>
#include <poppler/GlobalParams.h>
#include <poppler/Object.h>
#include <poppler/PDFDoc.h>
#include <poppler/Page.h>
#include <poppler/Stream.h>
#include <poppler/XRef.h>
#include <poppler/goo/GooString.h>

static void quiet_errors(ErrorCategory, Goffset, const char *) {}

// Why poppler's global parameters are pinned.
//
// Poppler keeps its settings, caches and font lookup in one process-wide
// object, globalParams, which must exist while any document is used.
// poppler-glib, which libvips' PDF loader uses, manages it by reference
// counting: every PopplerDocument holds a GlobalParamsIniter, whose
// constructor, when the count goes from 0 to 1, creates a new GlobalParams
// and assigns it to globalParams (deleting whatever was there) and
// installs poppler-glib's error callback, and whose destructor, when the
// count goes back to 0, deletes globalParams and leaves it null (poppler
// 22.12, GlobalParams.cc). The text engine used poppler's C++ API directly
// and created globalParams once, outside that count. So in a process that
// does both (acs process, the thumbnail action: a png and a text rendition
// of one PDF), each libvips render that opened the first PopplerDocument
// freed the text engine's GlobalParams under its feet, and closing the last
// one set globalParams to null, so that the next page of text crashed in
// Page::createGfx -> GlobalParams::getPrintCommands (SIGSEGV at a small
// address, the GlobalParams mutex of a null pointer), or used freed memory,
// or lost the UTF-8 text encoding. It crashed every time the order was
// text, then a libvips render, then text.
//
// The fix is to take one GlobalParamsIniter reference of our own, before
// anything else runs (Go package initialisation), and never release it: the
// count then never returns to 0, so globalParams is created once and is
// never replaced or deleted, and poppler-glib's documents and ours share
// it. GlobalParams locks its own state, so sharing it between threads is
// what poppler supports.
extern "C" void acg_init(void) {
    static std::once_flag once;
    std::call_once(once, [] {
        new GlobalParamsIniter(quiet_errors); // never deleted, see above
        // Parser complaints about damaged files are not worth a log line:
        // what fails is reported as an error.
        setErrorCallback(quiet_errors);
    });
}

// StreamSize is a stream's decoded length and, for a content stream, the
// largest inline image it draws.
struct StreamSize {
    long long bytes;
    double inline_pixels;
    long long width, height;
};

struct acg_pdf {
    std::unique_ptr<PDFDoc> doc;
    // sizes caches what was found in streams read to their end, by
    // object, for pages that share fonts and forms.
    std::map<Ref, struct StreamSize> sizes;
};

extern "C" acg_pdf *acg_open(const char *path, int *err) {
    acg_init();
    auto pdf = new acg_pdf();
    pdf->doc = std::make_unique<PDFDoc>(std::make_unique<GooString>(path));
    if (!pdf->doc->isOk()) {
        *err = pdf->doc->getErrorCode();
        delete pdf;
        return nullptr;
    }
    *err = 0;
    return pdf;
}

extern "C" int acg_pages(acg_pdf *pdf) { return pdf->doc->getNumPages(); }

extern "C" void acg_close(acg_pdf *pdf) { delete pdf; }

static bool is_space(int c) { return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }

static bool is_separator(int c) { return is_space(c) || std::strchr("()<>[]{}/%", c) != nullptr; }

// InlineImages finds the inline images (BI <dictionary> ID <data> EI) of a
// content stream as its decoded bytes go by, and keeps the largest size
// one declares: poppler decodes an inline image whole, like any other.
// It is a scanner, not a parser: bytes of image data that happened to
// read "BI /W 99999 /H 99999 ID" would count as an image too.
class InlineImages {
public:
    double max_pixels = 0;
    long long width = 0, height = 0;

    void feed(const unsigned char *p, int n) {
        for (int i = 0; i < n; ++i) {
            step(p[i]);
        }
    }

private:
    // The last three bytes, oldest first; separators before the start.
    int a = ' ', b = ' ', c = ' ';
    bool in_dict = false;
    std::string dict;

    void step(int cur) {
        if (in_dict) {
            if (dict.size() < 4096) {
                dict.push_back(char(cur));
            } else {
                in_dict = false; // not an image dictionary after all
                dict.clear();
            }
            if (b == 'I' && c == 'D' && is_separator(a) && is_space(cur)) {
                measure();
                in_dict = false;
                dict.clear();
            }
        } else if (b == 'B' && c == 'I' && is_separator(a) && is_separator(cur)) {
            in_dict = true;
            dict.assign(1, char(cur));
        }
        a = b;
        b = c;
        c = cur;
    }

    // measure reads /W (/Width) and /H (/Height) from the dictionary.
    void measure() {
        double w = 0, h = 0;
        for (size_t i = 0; i < dict.size(); ++i) {
            if (dict[i] != '/') {
                continue;
            }
            size_t j = i + 1;
            while (j < dict.size() && !is_separator((unsigned char)dict[j])) {
                ++j;
            }
            std::string key = dict.substr(i + 1, j - i - 1);
            if (key != "W" && key != "Width" && key != "H" && key != "Height") {
                continue;
            }
            double v = std::strtod(dict.c_str() + j, nullptr);
            (key[0] == 'W' ? w : h) = v;
        }
        if (w > 0 && h > 0 && w * h > max_pixels) {
            max_pixels = w * h;
            width = (long long)w;
            height = (long long)h;
        }
    }
};

// read_capped decodes s and returns its length, reading at most cap + 1
// bytes: a result above cap means "more than cap". The bytes are fed to
// images, when given.
static long long read_capped(Stream *s, long long cap, InlineImages *images = nullptr) {
    unsigned char buf[65536];
    long long n = 0;
    s->reset();
    for (int k; n <= cap; n += k) {
        long long want = cap + 1 - n;
        k = s->doGetChars(want < (long long)sizeof buf ? int(want) : int(sizeof buf), buf);
        if (k <= 0) {
            break;
        }
        if (images != nullptr) {
            images->feed(buf, k);
        }
    }
    s->close();
    return n;
}

extern "C" long long acg_metadata_bytes(acg_pdf *pdf, long long max) {
    Object cat = pdf->doc->getXRef()->getCatalog();
    if (!cat.isDict()) {
        return 0;
    }
    Object md = cat.dictLookup("Metadata");
    if (!md.isStream()) {
        return 0;
    }
    return read_capped(md.getStream(), max);
}

// The walk's own bounds: containers and references visited, and nesting.
static const long long max_objects = 1000000;
static const int max_depth = 100;

// skip_key reports the dictionary entries the walk does not follow: links
// to the page tree and other pages, navigation, and data poppler does not
// read to draw a page.
static bool skip_key(const char *k) {
    static const char *const keys[] = {"Parent", "P",     "Metadata", "Popup", "IRT",  "Dest",      "A",
                                       "AA",     "Next",  "Prev",     "First", "Last", "PieceInfo", "Thumb"};
    for (const char *s : keys) {
        if (std::strcmp(k, s) == 0) {
            return true;
        }
    }
    return false;
}

// Walker visits everything drawing a page reads (its content streams,
// resources with their fonts, forms, patterns, shadings and images, and
// its annotations' appearances), once per object, adding up the decoded
// length of every stream but images and checking the size of each image,
// inline images in content streams included.
struct Walker {
    acg_pdf *pdf;
    XRef *xref;
    long long max_bytes, max_pixels;
    acg_limit *out;
    long long bytes = 0, objects = 0;
    std::set<Ref> seen;

    bool fail(int kind, long long value, long long limit) {
        out->kind = kind;
        out->value = value;
        out->limit = limit;
        return false;
    }

    // walk visits o. content says that the streams found below it, until
    // the next stream, are content streams (page contents, annotation
    // appearances, Type 3 glyphs), which may hold inline images.
    bool walk(const Object &o, int depth, bool content = false) {
        if (depth > max_depth) {
            return fail(ACG_DEPTH, depth, max_depth);
        }
        switch (o.getType()) {
        case objRef: {
            Ref r = o.getRef();
            if (!seen.insert(r).second) {
                return true;
            }
            if (++objects > max_objects) {
                return fail(ACG_OBJECTS, objects, max_objects);
            }
            Object f = o.fetch(xref);
            if (f.isStream()) {
                return stream(f, r, depth, content);
            }
            return walk(f, depth + 1, content);
        }
        case objArray:
            if (++objects > max_objects) {
                return fail(ACG_OBJECTS, objects, max_objects);
            }
            for (int i = 0; i < o.arrayGetLength(); ++i) {
                if (!walk(o.arrayGetNF(i), depth + 1, content)) {
                    return false;
                }
            }
            return true;
        case objDict:
            if (++objects > max_objects) {
                return fail(ACG_OBJECTS, objects, max_objects);
            }
            for (int i = 0; i < o.dictGetLength(); ++i) {
                const char *key = o.dictGetKey(i);
                bool glyphs = std::strcmp(key, "CharProcs") == 0;
                if (!skip_key(key) && !walk(o.dictGetValNF(i), depth + 1, content || glyphs)) {
                    return false;
                }
            }
            return true;
        case objStream:
            return stream(o, Ref::INVALID(), depth, content);
        default:
            return true;
        }
    }

    bool image_too_large(double px, long long w, long long h) {
        if (px <= double(max_pixels)) {
            return false;
        }
        out->width = w;
        out->height = h;
        fail(ACG_IMAGE_PIXELS, px > 9e18 ? (long long)9e18 : (long long)px, max_pixels);
        return true;
    }

    // stream checks an image's size, or adds a stream's decoded length
    // and checks its inline images, then walks its dictionary (a form's
    // resources, an image's mask, a font's files).
    bool stream(const Object &o, Ref r, int depth, bool content) {
        Dict *d = o.streamGetDict();
        Object subtype = d->lookup("Subtype");
        if (subtype.isName("Image")) {
            Object w = d->lookup("Width"), h = d->lookup("Height");
            if (w.isNum() && h.isNum() && w.getNum() > 0 && h.getNum() > 0 &&
                image_too_large(w.getNum() * h.getNum(), (long long)w.getNum(), (long long)h.getNum())) {
                return false;
            }
        } else {
            Object pattern = d->lookup("PatternType");
            content = content || subtype.isName("Form") || (pattern.isInt() && pattern.getInt() == 1);
            StreamSize size;
            auto cached = pdf->sizes.find(r);
            if (r != Ref::INVALID() && cached != pdf->sizes.end()) {
                size = cached->second;
            } else {
                long long room = max_bytes - bytes;
                InlineImages images;
                size.bytes = read_capped(o.getStream(), room, content ? &images : nullptr);
                if (size.bytes > room) {
                    return fail(ACG_STREAM_BYTES, bytes + size.bytes, max_bytes);
                }
                size.inline_pixels = images.max_pixels;
                size.width = images.width;
                size.height = images.height;
                if (r != Ref::INVALID()) {
                    pdf->sizes[r] = size;
                }
            }
            if (image_too_large(size.inline_pixels, size.width, size.height)) {
                return false;
            }
            bytes += size.bytes;
            if (bytes > max_bytes) {
                return fail(ACG_STREAM_BYTES, bytes, max_bytes);
            }
        }
        return walk(*o.getStream()->getDictObject(), depth + 1);
    }
};

extern "C" void acg_check_page(acg_pdf *pdf, int page, long long max_stream_bytes, long long max_image_pixels,
                               acg_limit *out) {
    std::memset(out, 0, sizeof *out);
    Page *p = page >= 1 && page <= pdf->doc->getNumPages() ? pdf->doc->getCatalog()->getPage(page) : nullptr;
    if (p == nullptr) {
        out->kind = ACG_NO_PAGE;
        return;
    }
    Walker w{pdf, pdf->doc->getXRef(), max_stream_bytes, max_image_pixels, out};
    Object contents = p->getContents();
    if (!w.walk(contents, 0, true) || !w.walk(*p->getResourceDictObject(), 0)) {
        return;
    }
    Object annots = p->getAnnotsObject();
    if (!annots.isArray()) {
        return;
    }
    for (int i = 0; i < annots.arrayGetLength(); ++i) {
        Object annot = annots.arrayGet(i);
        if (annot.isDict() && !w.walk(annot.dictLookupNF("AP"), 1, true)) {
            return;
        }
    }
}

extern "C" int acg_save_without_metadata(acg_pdf *pdf, const char *path) {
    XRef *xref = pdf->doc->getXRef();
    Object cat = xref->getCatalog();
    if (!cat.isDict()) {
        return errDamaged;
    }
    // A copy: the fetched dictionary may be shared with poppler's caches.
    Object changed(cat.getDict()->copy(xref));
    changed.dictRemove("Metadata");
    xref->setModifiedObject(&changed, xref->getRoot());
    return pdf->doc->saveAs(GooString(path), writeStandard);
}

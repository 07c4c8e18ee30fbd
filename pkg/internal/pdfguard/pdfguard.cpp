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
#include <utility>
#include <vector>

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

// Content is what a content stream draws, as far as the checks go: its
// decoded length, the largest inline image in it, and how many times it
// invokes each XObject (the "/Name Do" operator).
struct Content {
    long long bytes = 0;
    double inline_pixels = 0;
    long long width = 0, height = 0;
    std::map<std::string, long long> dos;
};

struct acg_pdf {
    std::unique_ptr<PDFDoc> doc;
    // streams caches what was found in streams read to their end, by
    // object, for pages that share fonts and forms.
    std::map<Ref, Content> streams;
    // drawn caches the cost of drawing a form once, see Walker::drawn.
    std::map<Ref, double> drawn;
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

extern "C" int acg_page_size(acg_pdf *pdf, int page, double *width, double *height) {
    if (page < 1 || page > pdf->doc->getNumPages() || !pdf->doc->getPage(page)) {
        return 0;
    }
    double w = pdf->doc->getPageCropWidth(page), h = pdf->doc->getPageCropHeight(page);
    int rotate = pdf->doc->getPageRotate(page);
    if (rotate == 90 || rotate == 270) {
        std::swap(w, h);
    }
    *width = w;
    *height = h;
    return 1;
}

extern "C" void acg_close(acg_pdf *pdf) { delete pdf; }

// Byte classes of the content scanner: white space and delimiters.
enum : unsigned char { regular = 0, space = 1, delimiter = 2 };

static const struct ByteClasses {
    unsigned char of[256] = {};
    ByteClasses() {
        for (unsigned char c : {'\0', '\t', '\n', '\f', '\r', ' '}) {
            of[c] = space;
        }
        for (unsigned char c : {'(', ')', '<', '>', '[', ']', '{', '}', '/', '%'}) {
            of[c] = delimiter;
        }
    }
} byte_classes;

// Scanner reads a content stream's decoded bytes as they go by and fills a
// Content: the XObjects each "/Name Do" invokes, and the size each inline
// image (BI <dictionary> ID <data> EI) declares. It splits tokens as
// poppler's lexer does (white space, delimiters, strings and comments) but
// is not its parser: it takes an inline image's data to end at the first
// "EI" after ID, where poppler reads the length the image needs first, so
// content crafted to tell the two apart can hide invocations from it. It
// errs towards counting more otherwise: "/Name Do" counts wherever it
// appears, inline image dictionaries included.
class Scanner {
public:
    explicit Scanner(Content *c) : out(c) {}

    void feed(const unsigned char *p, int n) {
        for (int i = 0; i < n; ++i) {
            step(p[i]);
        }
    }

private:
    enum Mode { tokens, literal, hex, comment, data };
    Content *out;
    Mode mode = tokens;
    int depth = 0;            // literal string nesting
    bool escape = false;      // a backslash in a literal string
    std::string token;
    bool name = false;        // token is a name (it began with '/')
    std::string last_name;    // the previous token, when it was a name
    bool in_dict = false;     // between BI and ID
    std::string dict_key;     // the previous name, in an image dictionary
    double w = 0, h = 0;      // the image dictionary's /W and /H
    int prev = ' ';

    void step(int c) {
        switch (mode) {
        case data: // up to "EI"
            if (prev == 'E' && c == 'I') {
                mode = tokens;
                c = ' ';
            }
            break;
        case literal:
            if (escape) {
                escape = false;
            } else if (c == '\\') {
                escape = true;
            } else if (c == '(') {
                ++depth;
            } else if (c == ')' && --depth == 0) {
                mode = tokens;
            }
            break;
        case hex:
            if (c == '>') {
                mode = tokens;
            }
            break;
        case comment:
            if (c == '\r' || c == '\n') {
                mode = tokens;
            }
            break;
        case tokens:
            if (byte_classes.of[c] == regular) {
                if (token.size() < 256) {
                    token.push_back(char(c));
                }
                break;
            }
            end_token();
            if (mode != tokens) {
                break; // "ID" was ended: the data follows
            }
            if (c == '/') {
                name = true;
            } else if (c == '(') {
                mode = literal;
                depth = 1;
                last_name.clear();
            } else if (c == '%') {
                mode = comment;
            } else if (c == '<') {
                // "<<" opens a dictionary: the second '<' ends this hex
                // string at once, which is harmless.
                mode = hex;
                last_name.clear();
            }
            break;
        }
        prev = c;
    }

    void end_token() {
        if (token.empty() && !name) {
            return;
        }
        std::string t;
        t.swap(token);
        bool was_name = name;
        name = false;
        if (was_name) {
            last_name = t;
            if (in_dict) {
                dict_key = t;
            }
            return;
        }
        if (t == "Do" && !last_name.empty()) {
            if (out->dos.size() < 10000 || out->dos.count(last_name)) {
                out->dos[last_name]++;
            }
        }
        last_name.clear();
        if (in_dict) {
            dictionary_token(t);
        } else if (t == "BI") {
            in_dict = true;
            w = h = 0;
            dict_key.clear();
        }
    }

    void dictionary_token(const std::string &t) {
        if (t == "ID") {
            if (w > 0 && h > 0 && w * h > out->inline_pixels) {
                out->inline_pixels = w * h;
                out->width = (long long)w;
                out->height = (long long)h;
            }
            in_dict = false;
            mode = data; // after the white space that ended "ID"
            return;
        }
        if (dict_key == "W" || dict_key == "Width") {
            w = std::strtod(t.c_str(), nullptr);
        } else if (dict_key == "H" || dict_key == "Height") {
            h = std::strtod(t.c_str(), nullptr);
        }
        dict_key.clear();
    }
};

// read_capped decodes s and returns its length, reading at most cap + 1
// bytes: a result above cap means "more than cap". The bytes are fed to
// scanner, when given.
static long long read_capped(Stream *s, long long cap, Scanner *scanner = nullptr) {
    unsigned char buf[65536];
    long long n = 0;
    s->reset();
    for (int k; n <= cap; n += k) {
        long long want = cap + 1 - n;
        k = s->doGetChars(want < (long long)sizeof buf ? int(want) : int(sizeof buf), buf);
        if (k <= 0) {
            break;
        }
        if (scanner != nullptr) {
            scanner->feed(buf, k);
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

// do_cost is what one XObject invocation costs poppler besides the content
// it draws, counted as bytes of content: it fetches and parses the object
// from the file, saves and restores the graphics state. A form invoked a
// million times took 26 s to draw, as long as parsing some 5 GB of
// content.
static const double do_cost = 2048;

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
// its annotations' appearances), once per object: it adds up the decoded
// length of every stream but images, checks the size of each image,
// inline images in content streams included, and then the cost of drawing
// the page, in which a form counts as many times as it is invoked.
struct Walker {
    acg_pdf *pdf;
    XRef *xref;
    long long max_bytes, max_pixels;
    acg_limit *out;
    long long bytes = 0, objects = 0;
    std::set<Ref> seen;
    // roots are the content streams drawn once each (the page's
    // contents, annotation appearances, Type 3 glyphs, tiling patterns);
    // forms are drawn as often as these invoke them.
    std::vector<Ref> roots;
    std::set<Ref> drawing; // forms being costed, against cycles

    bool fail(int kind, long long value, long long limit) {
        out->kind = kind;
        out->value = value;
        out->limit = limit;
        return false;
    }

    // walk visits o. content says that the streams found below it, until
    // the next stream, are content streams drawn as they are (page
    // contents, annotation appearances, Type 3 glyphs).
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
    // and, for a content stream, checks its inline images and notes what
    // it invokes; then it walks the stream's dictionary (a form's
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
            return walk(*o.getStream()->getDictObject(), depth + 1);
        }
        Object pattern = d->lookup("PatternType");
        bool tiling = pattern.isInt() && pattern.getInt() == 1;
        bool is_content = content || tiling || subtype.isName("Form");
        Content c;
        auto cached = pdf->streams.find(r);
        if (r != Ref::INVALID() && cached != pdf->streams.end()) {
            c = cached->second;
        } else {
            long long room = max_bytes - bytes;
            Scanner scanner(&c);
            c.bytes = read_capped(o.getStream(), room, is_content ? &scanner : nullptr);
            if (c.bytes > room) {
                return fail(ACG_STREAM_BYTES, bytes + c.bytes, max_bytes);
            }
            if (r != Ref::INVALID()) {
                pdf->streams[r] = c;
            }
        }
        if (image_too_large(c.inline_pixels, c.width, c.height)) {
            return false;
        }
        bytes += c.bytes;
        if (bytes > max_bytes) {
            return fail(ACG_STREAM_BYTES, bytes, max_bytes);
        }
        if ((content || tiling) && r != Ref::INVALID()) {
            roots.push_back(r);
        }
        return walk(*o.getStream()->getDictObject(), depth + 1);
    }

    // cost returns what drawing content stream r once costs: its bytes,
    // and for each XObject it invokes, do_cost and the cost of the form
    // (the XObject named in its own resources, or else in resources, the
    // resources it inherits), as many times as it is invoked.
    double cost(Ref r, const Object &resources) {
        auto c = pdf->streams.find(r);
        if (c == pdf->streams.end()) {
            return 0; // not read: not drawn either
        }
        double total = double(c->second.bytes);
        if (c->second.dos.empty()) {
            return total;
        }
        Object self = xref->fetch(r);
        Object own = self.isStream() ? self.streamGetDict()->lookup("Resources") : Object();
        const Object &res = own.isDict() ? own : resources;
        Object xobjects = res.isDict() ? res.dictLookup("XObject") : Object();
        for (const auto &[name, times] : c->second.dos) {
            double each = do_cost;
            static const Object none;
            const Object &x = xobjects.isDict() ? xobjects.dictLookupNF(name.c_str()) : none;
            if (x.isRef()) {
                each += drawn(x.getRef(), res);
            }
            total += double(times) * each;
            if (total > 1e18) {
                return total;
            }
        }
        return total;
    }

    // drawn returns the cost of drawing form r once, cached per document.
    // A form that invokes itself, directly or not, is not drawn again by
    // poppler: the cycle costs nothing more.
    double drawn(Ref r, const Object &resources) {
        auto cached = pdf->drawn.find(r);
        if (cached != pdf->drawn.end()) {
            return cached->second;
        }
        if (!drawing.insert(r).second) {
            return 0;
        }
        double c = cost(r, resources);
        drawing.erase(r);
        pdf->drawn[r] = c;
        return c;
    }
};

extern "C" void acg_check_page(acg_pdf *pdf, int page, long long max_stream_bytes, long long max_image_pixels,
                               acg_limit *out) {
    std::memset(out, 0, sizeof *out);
    Catalog *cat = pdf->doc->getCatalog();
    Page *p = page >= 1 && page <= pdf->doc->getNumPages() ? cat->getPage(page) : nullptr;
    Ref *ref = p != nullptr ? cat->getPageRef(page) : nullptr;
    if (p == nullptr || ref == nullptr) {
        out->kind = ACG_NO_PAGE;
        return;
    }
    Walker w{pdf, pdf->doc->getXRef(), max_stream_bytes, max_image_pixels, out};
    Object dict = w.xref->fetch(*ref);
    if (!dict.isDict()) {
        out->kind = ACG_NO_PAGE;
        return;
    }
    const Object &resources = *p->getResourceDictObject();
    if (!w.walk(dict.dictLookupNF("Contents"), 0, true) || !w.walk(resources, 0)) {
        return;
    }
    Object annots = p->getAnnotsObject();
    for (int i = 0; annots.isArray() && i < annots.arrayGetLength(); ++i) {
        Object annot = annots.arrayGet(i);
        if (annot.isDict() && !w.walk(annot.dictLookupNF("AP"), 1, true)) {
            return;
        }
    }
    double total = 0;
    for (Ref r : w.roots) {
        total += w.drawn(r, resources);
        if (total > double(max_stream_bytes)) {
            w.fail(ACG_DRAWN_BYTES, total > 9e18 ? (long long)9e18 : (long long)total, max_stream_bytes);
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

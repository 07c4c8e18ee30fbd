// A C interface over the poppler checks of package pdfguard.
#ifndef ACG_PDFGUARD_H
#define ACG_PDFGUARD_H
#ifdef __cplusplus
extern "C" {
#endif

// acg_init pins poppler's global parameters for the life of the process;
// see pdfguard.cpp. It is idempotent and safe from any thread.
void acg_init(void);

typedef struct acg_pdf acg_pdf;

// acg_open opens the PDF at path without a password. On failure it returns
// NULL and sets *err to poppler's error code (errOpenFile = 1,
// errEncrypted = 4, other values for damaged files).
acg_pdf *acg_open(const char *path, int *err);
int acg_pages(acg_pdf *doc);

// acg_page_size sets *width and *height to the size in points of page
// (1-based) as it is shown: its crop box, turned by its /Rotate. It
// returns 0 when the page cannot be read.
int acg_page_size(acg_pdf *doc, int page, double *width, double *height);

// acg_metadata_bytes returns the decoded length of the catalog's /Metadata
// stream, reading at most max + 1 bytes of it (so a result above max means
// "more than max"); 0 when there is none.
long long acg_metadata_bytes(acg_pdf *doc, long long max);

// The limits a page can break.
enum {
	ACG_OK = 0,
	ACG_STREAM_BYTES, // value: bytes decoded before stopping (> limit)
	ACG_IMAGE_PIXELS, // value: width x height of the image
	ACG_OBJECTS,      // value: objects visited (> limit)
	ACG_DEPTH,        // value: the nesting depth reached (> limit)
	ACG_NO_PAGE,      // the page cannot be read
	ACG_DRAWN_BYTES   // value: the cost of drawing the page, forms counted
	                  // each time they are invoked (> limit)
};

typedef struct {
	int kind;
	long long value, limit;
	long long width, height; // ACG_IMAGE_PIXELS
} acg_limit;

// acg_check_page walks what drawing page (1-based) reads and stops at the
// first limit it breaks, which it describes in *out (kind ACG_OK when none).
// max_stream_bytes bounds both the bytes its streams decompress to, each
// counted once, and the cost of drawing it, which counts a form's bytes
// (and a fixed cost) each time it is invoked.
void acg_check_page(acg_pdf *doc, int page, long long max_stream_bytes, long long max_image_pixels, acg_limit *out);

// acg_save_without_metadata writes to path the document with its catalog's
// /Metadata entry removed, as an incremental update: the original bytes,
// then the new catalog. It returns 0 on success, poppler's error code
// otherwise.
int acg_save_without_metadata(acg_pdf *doc, const char *path);

void acg_close(acg_pdf *doc);

#ifdef __cplusplus
}
#endif
#endif

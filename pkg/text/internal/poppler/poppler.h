// A C interface over poppler's text output device, the code pdftotext runs.
#ifndef AC_POPPLER_H
#define AC_POPPLER_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct ac_pdf ac_pdf;

// ac_pdf_open opens the PDF at path without a password. On failure it
// returns NULL and sets *err to poppler's error code (errEncrypted = 4,
// errOpenFile = 1, other values for damaged files).
ac_pdf *ac_pdf_open(const char *path, int *err);
int ac_pdf_pages(ac_pdf *doc);
// ac_pdf_page_text returns the text of page (1-based) in reading order as
// UTF-8, to free with free(); *len receives its length. It returns NULL
// when ac_pdf_abort was called during the page.
char *ac_pdf_page_text(ac_pdf *doc, int page, size_t *len);
// ac_pdf_abort asks a running ac_pdf_page_text to stop; safe from any thread.
void ac_pdf_abort(ac_pdf *doc);
void ac_pdf_close(ac_pdf *doc);

#ifdef __cplusplus
}
#endif
#endif

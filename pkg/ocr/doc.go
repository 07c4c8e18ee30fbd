// Package ocr reads the text of pictures with Tesseract (Debian's
// tesseract-ocr and its language packs), run as a caged child process
// (package cage): in a network namespace of its own (the tesseract
// program links libcurl and would read an input named by URL; it is only
// ever given its standard input), in a private temporary directory, under
// CPU-time and address-space limits, with OMP_THREAD_LIMIT so that it runs
// on the threads it is given, and killed with its process group when the
// context ends.
//
// The engine does not decode sources: it reads a picture (Image) that the
// caller made, 8-bit grey pixels, handed to Tesseract on its standard
// input as a binary PGM, or a picture file that the caller wrote and
// checked (package ocrsource writes PNGs with the libvips image engine,
// which checks the source's size from its header first, decodes any
// format it reads and draws PDF pages), given by its absolute path.
// Tesseract writes its TSV output (words with boxes and confidences) on
// its standard output.
// Page holds the words and the text assembled from them (words of a line
// joined by spaces, lines by newlines, paragraphs by an empty line).
//
// Languages are Tesseract's model names ("eng", "deu", "chi_sim"), joined
// by "+" for a page in several ("deu+eng"); Language also accepts the BCP 47
// tags and ISO 639 codes the API uses elsewhere ("en", "en-US", "de", "fre")
// and maps them to the installed model. A language that is not installed
// is a GenericError naming the installed ones.
//
// Why a child process rather than libtesseract through cgo
// (github.com/otiai10/gosseract): see docs/dependencies.md. In short, a
// recognition costs seconds, against a start of the program and load of
// its model of about 0.1 s, and the cage gives what an in-process library
// cannot: a deadline that kills, memory and CPU limits, no network, and no
// OpenMP threads or crashes inside the worker.
package ocr

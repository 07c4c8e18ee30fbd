package image

// This is the only Go file of the package that uses cgo (reduceh.c holds
// the one C routine too long for its preamble). It wraps the few libvips
// calls the engine needs in Go functions over Go types: no C type leaves
// this file, and every libvips failure comes back as a *vipsError.

/*
#cgo pkg-config: vips gmodule-no-export-2.0
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gmodule.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

// Savers, in the same order as the Go saver constants below.
enum {
	ACS_SAVE_JPEG = 0,
	ACS_SAVE_PNG,
	ACS_SAVE_WEBP,
	ACS_SAVE_GIF,
	ACS_SAVE_TIFF,
	ACS_SAVE_AVIF,
	ACS_SAVE_HEIC,
	ACS_SAVE_JXL
};

static void acs_drop_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data) {
}

// acs_block applies the loader policy to every operation registered so
// far: it runs at start and again after acs_load_modules.
static void acs_block(void) {
	// Refuse the loaders libvips marks as unsafe for untrusted input
	// (ImageMagick, Matlab, FITS, raw, ...), then allow back the ones the
	// service promises: SVG, PDF, JPEG 2000 and JPEG XL. BMP and PSD are
	// decoded in Go (see decode_bmp.go, decode_psd.go).
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoadSvg", FALSE);
	vips_operation_block_set("VipsForeignLoadPdf", FALSE);
	vips_operation_block_set("VipsForeignLoadJp2k", FALSE);
	vips_operation_block_set("VipsForeignLoadJxl", FALSE);
	vips_operation_block_set("VipsForeignSaveJxl", FALSE);
	// The long tail of raster formats libvips reads itself: Netpbm
	// (PBM, PGM, PPM, PFM), Radiance and OpenEXR. The other formats of
	// that tail go through ImageMagick in a child process (magick.go),
	// never through the ImageMagick loader, which stays blocked.
	vips_operation_block_set("VipsForeignLoadPpm", FALSE);
	vips_operation_block_set("VipsForeignLoadRad", FALSE);
	vips_operation_block_set("VipsForeignLoadOpenexr", FALSE);
}

// The libvips format modules the service uses, loaded by
// acs_load_modules: HEIF and AVIF, JPEG XL, and PDF through poppler. The
// ImageMagick and OpenSlide modules hold only loaders the policy blocks,
// so they are never loaded.
static const char *acs_modules[] = {"vips-heif", "vips-jxl", "vips-poppler"};

// acs_load_modules loads the format modules from the directory libvips
// itself loads them from, <the directory of libvips.so>/vips-modules-X.Y,
// and applies the loader policy to their operations. It returns the
// number of modules loaded.
static int acs_load_modules(void) {
	Dl_info info;
	// A string of libvips' own data locates its shared object.
	if (!dladdr((void *) vips_version_string(), &info) || !info.dli_fname)
		return 0;
	char *libdir = g_path_get_dirname(info.dli_fname);
	int n = 0;
	for (size_t i = 0; i < sizeof(acs_modules) / sizeof(acs_modules[0]); i++) {
		char *path = g_strdup_printf("%s/vips-modules-%d.%d/%s.%s", libdir,
			VIPS_MAJOR_VERSION, VIPS_MINOR_VERSION, acs_modules[i], G_MODULE_SUFFIX);
		if (g_file_test(path, G_FILE_TEST_EXISTS)) {
			// Never closed: the module registers its types with GObject.
			GModule *m = g_module_open(path, G_MODULE_BIND_LAZY);
			if (m)
				n++;
			else
				g_warning("unable to load %s: %s", path, g_module_error());
		}
		g_free(path);
	}
	g_free(libdir);
	acs_block();
	return n;
}

// acs_init starts libvips. With deferred set (and VIPSHOME unset), it
// keeps libvips from loading its format modules at start: they pull in
// some twenty libraries (libheif with its HEVC and AV1 codecs, libjxl,
// ImageMagick, OpenSlide, poppler-glib) and their start-up code, a third
// of a cold process that makes a JPEG thumbnail; acs_load_modules loads
// the ones the service uses when a file or format needs them. libvips
// finds its modules under the prefix VIPSHOME names, so a prefix that is
// not a directory (/dev/null) means none. *modules_deferred tells the
// caller whether it did.
static int acs_init(int threads, int arenas, int warnings, int deferred, int *modules_deferred) {
	// glibc gives each thread that mallocs its own arena, so libvips'
	// worker threads multiply the heap; a small fixed number of arenas
	// keeps the resident size close to what is in use.
	if (arenas > 0)
		mallopt(M_ARENA_MAX, arenas);
	// Decoded images and libvips' region buffers are a few hundred KB to
	// tens of MB, allocated and freed for every rendition. Above glibc's
	// mmap threshold each is a fresh mapping whose pages fault in, zeroed
	// by the kernel, and below it free hands the top of the heap back to
	// the kernel (madvise) past the trim threshold: a 5-size web profile
	// spent an eighth of its CPU in page faults. Kept in the heap up to
	// these sizes, the memory is reused by the next rendition.
	if (arenas > 0 && !g_getenv("MALLOC_MMAP_THRESHOLD_") && !g_getenv("MALLOC_TRIM_THRESHOLD_")) {
		mallopt(M_MMAP_THRESHOLD, 32 << 20);
		mallopt(M_TRIM_THRESHOLD, 64 << 20);
	}
	*modules_deferred = deferred && !g_getenv("VIPSHOME");
	if (*modules_deferred)
		g_setenv("VIPSHOME", "/dev/null", TRUE);
	int r = VIPS_INIT("assetcompute");
	if (*modules_deferred)
		g_unsetenv("VIPSHOME");
	if (r)
		return -1;
	// libvips warns on stderr about what it recovers from ("ignoring nclx
	// profile") and repeats per tile what then fails as an error the
	// engine reports anyway.
	if (!warnings)
		g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, acs_drop_log, NULL);
	// Every render reads a different file: an operation cache only costs
	// memory and could serve a stale image for a reused temp path.
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	if (threads > 0)
		vips_concurrency_set(threads);
	acs_block();
	return 0;
}

// acs_open opens path lazily with the given loader options: sequential
// access reads the header only, no pixels. *no_loader is set when no
// libvips loader recognises the file.
static VipsImage *acs_open(const char *path, const char *options, int *no_loader) {
	*no_loader = 0;
	VipsSource *src = vips_source_new_from_file(path);
	if (!src)
		return NULL;
	const char *loader = vips_foreign_find_load_source(src);
	if (!loader) {
		g_object_unref(src);
		*no_loader = 1;
		return NULL;
	}
	VipsImage *im = vips_image_new_from_source(src, options, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	g_object_unref(src);
	return im;
}

static int acs_call_loader(const char *loader, const char *options, VipsSource *src, VipsImage **out, ...) {
	va_list ap;
	va_start(ap, out);
	int r = vips_call_split_option_string(loader, options, ap, src, out);
	va_end(ap);
	return r;
}

static void acs_free_weak(gpointer data, GObject *where) { g_free(data); }

// ACS_SOURCE_IN_MEMORY_MAX bounds the files acs_source_in_memory reads.
#define ACS_SOURCE_IN_MEMORY_MAX (64 << 20)

// acs_source_in_memory reads the regular file at path, of at most max
// bytes, into memory in one read and returns a source over that memory,
// freed with the source; NULL if it cannot (the caller then reads the
// file through libvips). libvips 8.14's JPEG loader reads its source 4 KB
// at a time: a 3 MB photo took 800 read calls. A file cut short while it
// is read is read as far as it goes, and fails as a truncated JPEG.
static VipsSource *acs_source_in_memory(const char *path, size_t max) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || (size_t) st.st_size > max) {
		close(fd);
		return NULL;
	}
	size_t len = (size_t) st.st_size, got = 0;
	char *buf = g_try_malloc(len);
	if (!buf) {
		close(fd);
		return NULL;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t) n;
	}
	close(fd);
	VipsSource *src = got > 0 ? vips_source_new_from_memory(buf, got) : NULL;
	if (!src) {
		g_free(buf);
		return NULL;
	}
	g_object_weak_ref(G_OBJECT(src), acs_free_weak, buf);
	return src;
}

// acs_open_with is acs_open with the loader named (such as
// "svgload_source") rather than found by libvips' own detection, which for
// SVG only looks at the first 1000 bytes.
static VipsImage *acs_open_with(const char *path, const char *loader, const char *options) {
	VipsSource *src = NULL;
	if (strcmp(loader, "jpegload_source") == 0)
		src = acs_source_in_memory(path, ACS_SOURCE_IN_MEMORY_MAX);
	if (!src)
		src = vips_source_new_from_file(path);
	if (!src)
		return NULL;
	VipsImage *im = NULL;
	int r = acs_call_loader(loader, options, src, &im, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	g_object_unref(src);
	return r ? NULL : im;
}

// acs_has_operation reports whether this libvips build has the operation
// (a loader of a dynamic module may be missing).
static int acs_has_operation(const char *name) {
	return vips_type_find("VipsOperation", name) != 0;
}

static int acs_get_blob(VipsImage *im, const char *name, const void **data, size_t *len) {
	if (vips_image_get_typeof(im, name) != VIPS_TYPE_BLOB)
		return -1;
	return vips_image_get_blob(im, name, data, len);
}

static int acs_get_int(VipsImage *im, const char *name, int def) {
	int v;
	if (vips_image_get_typeof(im, name) != G_TYPE_INT || vips_image_get_int(im, name, &v))
		return def;
	return v;
}

// acs_thumbnail builds the lazy load-orient-shrink pipeline of a file.
// Loader options (fail_on, page, n, ...) go through option_string: the
// thumbnail's own fail_on is not forwarded for sources in libvips 8.14.
static int acs_thumbnail(const char *path, const char *options, int width, int height,
		int size, int crop, int export_srgb, VipsImage **out) {
	VipsSource *src = vips_source_new_from_file(path);
	if (!src)
		return -1;
	int r;
	if (export_srgb)
		r = vips_thumbnail_source(src, out, width, "height", height, "size", size, "crop", crop,
			"option_string", options, "export_profile", "srgb", NULL);
	else
		r = vips_thumbnail_source(src, out, width, "height", height, "size", size, "crop", crop,
			"option_string", options, NULL);
	g_object_unref(src);
	return r;
}

// acs_thumbnail_image is acs_thumbnail for an image already in memory.
static int acs_thumbnail_image(VipsImage *in, int width, int height, int size, int crop,
		int export_srgb, VipsImage **out) {
	if (export_srgb)
		return vips_thumbnail_image(in, out, width, "height", height, "size", size, "crop", crop,
			"export_profile", "srgb", NULL);
	return vips_thumbnail_image(in, out, width, "height", height, "size", size, "crop", crop, NULL);
}

// acs_reduceh and acs_reducev are in reduceh.c.
int acs_reduceh(VipsImage *in, VipsImage **out, int width, double scale, int simd);
int acs_reducev(VipsImage *in, VipsImage **out, int height, double scale, int simd);

// acs_resize resizes in, an 8-bit sRGB or grey image without alpha, down
// to width x height as vips_resize does (libvips 8.14: vertically, then
// horizontally, a box shrink by the integer part of half the factor, then
// Lanczos-3), with the reductions of reduceh.c, which use at most the
// vector instructions simd allows (2 AVX2, 1 SSE2, 0 none). It returns 1
// when in is not such an image or the size is not a reduction, and leaves
// the resize to vips_thumbnail_image.
static int acs_resize(VipsImage *in, int width, int height, int simd, VipsImage **out) {
	VipsInterpretation space = vips_image_guess_interpretation(in);
	if (in->BandFmt != VIPS_FORMAT_UCHAR || in->Coding != VIPS_CODING_NONE ||
			(in->Bands != 1 && in->Bands != 3) ||
			(in->Bands == 3 && space != VIPS_INTERPRETATION_sRGB) ||
			(in->Bands == 1 && space != VIPS_INTERPRETATION_B_W) ||
			width < 1 || height < 1 || width > in->Xsize || height > in->Ysize)
		return 1;
	VipsImage *t[5] = {NULL, NULL, NULL, NULL, NULL};
	VipsImage *cur = in;
	int r = 0;
	if (cur->Ysize != height) {
		// As vips_reducev with a gap of 2 splits its factor.
		double scale = (double) cur->Ysize / height;
		int shrink = (int) floor(scale / 2.0);
		if (shrink > 1) {
			if ((r = vips_shrinkv(cur, &t[0], shrink, "ceil", TRUE, NULL)))
				goto done;
			cur = t[0];
			scale /= shrink;
		}
		if (cur->Ysize < height) {
			r = 1;
			goto done;
		}
		if (scale != 1.0) {
			if ((r = acs_reducev(cur, &t[3], height, scale, simd)))
				goto done;
			cur = t[3];
			// As vips_reducev: threads asking for strips out of order
			// must not send a sequential source back.
			if (vips_image_is_sequential(cur)) {
				if ((r = vips_sequential(cur, &t[4], "tile_height", 10, NULL)))
					goto done;
				cur = t[4];
			}
		}
		if (cur->Ysize != height) {
			r = 1;
			goto done;
		}
	}
	if (cur->Xsize != width) {
		double scale = (double) cur->Xsize / width;
		int shrink = (int) floor(scale / 2.0);
		if (shrink > 1) {
			if ((r = vips_shrinkh(cur, &t[1], shrink, "ceil", TRUE, NULL)))
				goto done;
			cur = t[1];
			scale /= shrink;
		}
		if (cur->Xsize < width) {
			r = 1;
			goto done;
		}
		if ((r = acs_reduceh(cur, &t[2], width, scale, simd)))
			goto done;
		cur = t[2];
	}
	g_object_ref(cur);
	*out = cur;
done:
	for (int i = 0; i < 5; i++)
		if (t[i])
			g_object_unref(t[i]);
	return r;
}

static void acs_free_cb(VipsImage *im, void *data) { g_free(data); }

// acs_from_memory wraps pixels allocated with g_malloc in an image that
// frees them when it closes.
static int acs_from_memory(void *data, size_t len, int width, int height, int bands, int ushort,
		int interpretation, VipsImage **out) {
	VipsImage *im = vips_image_new_from_memory(data, len, width, height, bands,
		ushort ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
	if (!im) {
		g_free(data);
		return -1;
	}
	g_signal_connect(im, "postclose", G_CALLBACK(acs_free_cb), data);
	int r = vips_copy(im, out, "interpretation", (VipsInterpretation) interpretation, NULL);
	g_object_unref(im);
	return r;
}

static int acs_colourspace(VipsImage *in, int space, VipsImage **out) {
	return vips_colourspace(in, out, (VipsInterpretation) space, NULL);
}

// acs_open_file opens path with the file loader libvips' detection finds
// for it, for the loaders that have no source variant (OpenEXR).
static int acs_open_file(const char *path, VipsImage **out) {
	*out = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	return *out ? 0 : -1;
}

// acs_flip_vertical turns the image upside down.
static int acs_flip_vertical(VipsImage *in, VipsImage **out) {
	return vips_flip(in, out, VIPS_DIRECTION_VERTICAL, NULL);
}

// acs_is_hdr reports whether in holds floating-point or Radiance-coded
// samples, which acs_tonemap brings to 8-bit sRGB.
static int acs_is_hdr(VipsImage *in) {
	return in->Coding == VIPS_CODING_RAD || in->BandFmt == VIPS_FORMAT_FLOAT || in->BandFmt == VIPS_FORMAT_DOUBLE;
}

// acs_tonemap brings linear floating-point samples (scRGB: PFM, Radiance,
// OpenEXR) to 8-bit sRGB: negative values are clipped; when the brightest
// sample is above 1.0 the extended Reinhard operator
// x * (1 + x / w^2) / (1 + x), with w that brightest sample, compresses
// the range so w maps to white; then the sRGB transfer curve. Grey images
// become RGB; an alpha band (0 to 1) is kept, scaled to 0 to 255.
static int acs_tonemap(VipsImage *in, VipsImage **out) {
	VipsObject *base = VIPS_OBJECT(vips_image_new());
	VipsImage **t = (VipsImage **) vips_object_local_array(base, 20);
	VipsImage *x = in;
	VipsImage *alpha = NULL;
	double mx;
	int r = -1;
	if (x->Coding == VIPS_CODING_RAD) {
		if (vips_rad2float(x, &t[0], NULL))
			goto done;
		x = t[0];
	}
	if (vips_cast(x, &t[1], VIPS_FORMAT_FLOAT, NULL) || vips_image_wio_input(t[1]))
		goto done;
	x = t[1];
	if ((x->Bands == 2 || x->Bands == 4) && vips_image_hasalpha(x)) {
		if (vips_extract_band(x, &t[2], x->Bands - 1, NULL) ||
			vips_extract_band(x, &t[3], 0, "n", x->Bands - 1, NULL))
			goto done;
		alpha = t[2];
		x = t[3];
	}
	if (x->Bands == 1) {
		VipsImage *grey[3] = {x, x, x};
		if (vips_bandjoin(grey, &t[4], 3, NULL))
			goto done;
		x = t[4];
	} else if (x->Bands > 3) {
		if (vips_extract_band(x, &t[4], 0, "n", 3, NULL))
			goto done;
		x = t[4];
	}
	if (vips_abs(x, &t[5], NULL) || vips_add(x, t[5], &t[6], NULL) ||
		vips_linear1(t[6], &t[7], 0.5, 0.0, NULL) || vips_max(t[7], &mx, NULL))
		goto done;
	x = t[7];
	if (mx > 1.0) {
		if (vips_linear1(x, &t[8], 1.0 / (mx * mx), 1.0, NULL) ||
			vips_multiply(x, t[8], &t[9], NULL) ||
			vips_linear1(x, &t[10], 1.0, 1.0, NULL) ||
			vips_divide(t[9], t[10], &t[11], NULL))
			goto done;
		x = t[11];
	}
	if (vips_copy(x, &t[12], "interpretation", VIPS_INTERPRETATION_scRGB, NULL) ||
		vips_colourspace(t[12], &t[13], VIPS_INTERPRETATION_sRGB, NULL))
		goto done;
	x = t[13];
	if (alpha) {
		if (vips_linear1(alpha, &t[14], 255.0, 0.0, NULL) ||
			vips_cast(t[14], &t[15], VIPS_FORMAT_UCHAR, NULL) ||
			vips_bandjoin2(x, t[15], &t[16], NULL))
			goto done;
		x = t[16];
	}
	if (vips_copy(x, out, NULL))
		goto done;
	r = 0;
done:
	g_object_unref(base);
	return r;
}

static int acs_cast_uchar(VipsImage *in, VipsImage **out) {
	return vips_cast(in, out, VIPS_FORMAT_UCHAR, NULL);
}

static int acs_flatten(VipsImage *in, double *bg, int n, double max_alpha, VipsImage **out) {
	VipsArrayDouble *background = vips_array_double_new(bg, n);
	int r = vips_flatten(in, out, "background", background, "max_alpha", max_alpha, NULL);
	vips_area_unref(VIPS_AREA(background));
	return r;
}

static int acs_add_alpha(VipsImage *in, VipsImage **out) {
	return vips_addalpha(in, out, NULL);
}

static int acs_extract_band(VipsImage *in, int first, int n, VipsImage **out) {
	return vips_extract_band(in, out, first, "n", n, NULL);
}

static int acs_extract_area(VipsImage *in, int left, int top, int width, int height, VipsImage **out) {
	return vips_extract_area(in, out, left, top, width, height, NULL);
}

// acs_join stacks n images top to bottom.
static int acs_join(VipsImage **in, int n, VipsImage **out) {
	return vips_arrayjoin(in, out, n, "across", 1, NULL);
}

// acs_attention returns the centre of attention vips_smartcrop finds for a
// width x height crop of in.
static int acs_attention(VipsImage *in, int width, int height, int *x, int *y) {
	VipsImage *out;
	if (vips_smartcrop(in, &out, width, height, "interesting", VIPS_INTERESTING_ATTENTION,
			"attention_x", x, "attention_y", y, NULL))
		return -1;
	g_object_unref(out);
	return 0;
}

// acs_composite draws overlay over base at each of the n positions.
static int acs_composite(VipsImage *base, VipsImage *overlay, int n, int *xs, int *ys, VipsImage **out) {
	VipsImage **in = g_new(VipsImage *, n + 1);
	int *modes = g_new(int, n);
	in[0] = base;
	for (int i = 0; i < n; i++) {
		in[i + 1] = overlay;
		modes[i] = VIPS_BLEND_MODE_OVER;
	}
	VipsArrayInt *ax = vips_array_int_new(xs, n);
	VipsArrayInt *ay = vips_array_int_new(ys, n);
	int r = vips_composite(in, out, n + 1, modes, "x", ax, "y", ay, NULL);
	vips_area_unref(VIPS_AREA(ax));
	vips_area_unref(VIPS_AREA(ay));
	g_free(in);
	g_free(modes);
	return r;
}

// acs_copy_memory_threads computes in into memory as
// vips_image_copy_memory does, with threads worker threads rather than
// the process's setting: a copy of in carries the concurrency hint the
// thread pool reads (VIPS_META_CONCURRENCY), so in itself, which may be
// shared, is left as it is.
static VipsImage *acs_copy_memory_threads(VipsImage *in, int threads) {
	VipsImage *c;
	if (vips_copy(in, &c, NULL))
		return NULL;
	vips_image_set_int(c, VIPS_META_CONCURRENCY, threads);
	VipsImage *out = vips_image_copy_memory(c);
	g_object_unref(c);
	return out;
}

// acs_strip copies in without its metadata: only the fields that describe
// an animation (page height, frame delays, loop count) are kept.
static int acs_strip(VipsImage *in, VipsImage **out) {
	if (vips_copy(in, out, NULL))
		return -1;
	gchar **fields = vips_image_get_fields(*out);
	for (int i = 0; fields[i]; i++) {
		const char *f = fields[i];
		if (strcmp(f, "page-height") == 0 || strcmp(f, "delay") == 0 || strcmp(f, "loop") == 0 ||
				strcmp(f, "gif-delay") == 0 || strcmp(f, "gif-loop") == 0)
			continue;
		vips_image_remove(*out, f);
	}
	g_strfreev(fields);
	return 0;
}

static void acs_set_blob(VipsImage *im, const char *name, const void *data, size_t len) {
	vips_image_set_blob_copy(im, name, data, len);
}

static void acs_set_int(VipsImage *im, const char *name, int v) {
	vips_image_set_int(im, name, v);
}

static int acs_with_res(VipsImage *in, double xres, double yres, VipsImage **out) {
	return vips_copy(in, out, "xres", xres, "yres", yres, NULL);
}

static int acs_black(int width, int height, int bands, VipsImage **out) {
	return vips_black(out, width, height, "bands", bands, NULL);
}

static int acs_format(VipsImage *im) { return vips_image_get_format(im); }

typedef struct {
	int saver;
	int q;
	int compression;
	int interlace;
	int strip;
	int resunit_inch;
} acs_save_opts;

// acs_save encodes in into a g_malloc'd buffer.
static int acs_save(VipsImage *in, acs_save_opts *o, void **buf, size_t *len) {
	switch (o->saver) {
	case ACS_SAVE_JPEG:
		return vips_jpegsave_buffer(in, buf, len, "Q", o->q, "strip", TRUE, "optimize_coding", TRUE,
			"interlace", o->interlace, NULL);
	case ACS_SAVE_PNG:
		return vips_pngsave_buffer(in, buf, len, "compression", o->compression, "interlace", o->interlace,
			"strip", TRUE, NULL);
	case ACS_SAVE_WEBP:
		return vips_webpsave_buffer(in, buf, len, "Q", o->q, "strip", TRUE, NULL);
	case ACS_SAVE_GIF:
		return vips_gifsave_buffer(in, buf, len, "interlace", o->interlace, "strip", TRUE, NULL);
	case ACS_SAVE_TIFF:
		return vips_tiffsave_buffer(in, buf, len, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_LZW,
			"predictor", VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL, "strip", o->strip,
			"resunit", o->resunit_inch ? VIPS_FOREIGN_TIFF_RESUNIT_INCH : VIPS_FOREIGN_TIFF_RESUNIT_CM, NULL);
	case ACS_SAVE_AVIF:
		return vips_heifsave_buffer(in, buf, len, "Q", o->q, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
			"strip", o->strip, NULL);
	case ACS_SAVE_HEIC:
		return vips_heifsave_buffer(in, buf, len, "Q", o->q, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
			"strip", o->strip, NULL);
	case ACS_SAVE_JXL:
		return vips_jxlsave_buffer(in, buf, len, "Q", o->q, NULL);
	}
	vips_error("assetcompute", "unknown saver %d", o->saver);
	return -1;
}
*/
import "C"

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/assetcompute/assetcompute/pkg/internal/cenv"
)

// saver selects a libvips save operation.
type saver int

// The savers; the values match the C enum above.
const (
	saveJPEG saver = iota
	savePNG
	saveWebP
	saveGIF
	saveTIFF
	saveAVIF
	saveHEIC
	saveJXL
)

// colourSpace is a libvips interpretation, reduced to the cases the engine
// treats differently.
type colourSpace int

// The interpretations the engine distinguishes; everything else is
// spaceOther and is converted to sRGB.
const (
	spaceSRGB colourSpace = iota
	spaceBW
	spaceRGB16
	spaceGrey16
	spaceCMYK
	spaceOther
)

func toColourSpace(i C.int) colourSpace {
	switch C.VipsInterpretation(i) {
	case C.VIPS_INTERPRETATION_sRGB:
		return spaceSRGB
	case C.VIPS_INTERPRETATION_B_W:
		return spaceBW
	case C.VIPS_INTERPRETATION_RGB16:
		return spaceRGB16
	case C.VIPS_INTERPRETATION_GREY16:
		return spaceGrey16
	case C.VIPS_INTERPRETATION_CMYK:
		return spaceCMYK
	}
	return spaceOther
}

func fromColourSpace(s colourSpace) C.int {
	switch s {
	case spaceBW:
		return C.int(C.VIPS_INTERPRETATION_B_W)
	case spaceRGB16:
		return C.int(C.VIPS_INTERPRETATION_RGB16)
	case spaceGrey16:
		return C.int(C.VIPS_INTERPRETATION_GREY16)
	case spaceCMYK:
		return C.int(C.VIPS_INTERPRETATION_CMYK)
	}
	return C.int(C.VIPS_INTERPRETATION_sRGB)
}

// vipsError is a failed libvips call: the operation and libvips' own
// message. It is a cause for logs; callers wrap it with an api reason.
type vipsError struct {
	Op      string
	Message string
}

func (e *vipsError) Error() string {
	if e.Message == "" {
		return "libvips " + e.Op + " failed"
	}
	return "libvips " + e.Op + ": " + e.Message
}

// lastError takes (and clears) the libvips error buffer. The buffer is
// process-wide, so under concurrency it may also hold another render's
// message; callers therefore classify a failure by the call that failed,
// never by this text.
func lastError(op string) error {
	p := C.vips_error_buffer_copy()
	msg := ""
	if p != nil {
		msg = strings.TrimSpace(C.GoString(p))
		C.g_free(C.gpointer(p))
	}
	return &vipsError{Op: op, Message: msg}
}

// vipsStartup starts libvips. It must be called once per process. arenas,
// when positive, caps glibc's malloc arenas; warnings keeps libvips'
// warnings on stderr.
func vipsStartup(threads, arenas int, warnings bool) error {
	w := C.int(0)
	if warnings {
		w = 1
	}
	var deferred C.int
	var r C.int
	// glib and libvips read the environment as they start, and acs_init
	// changes VIPSHOME: not while an activation's fields are exported.
	cenv.Do(func() { r = C.acs_init(C.int(threads), C.int(arenas), w, 1, &deferred) })
	if r != 0 {
		return lastError("init")
	}
	if deferred != 0 {
		modules.Store(modulesDeferred)
	} else {
		modules.Store(modulesLoaded)
	}
	return nil
}

// The states of libvips' format modules (see acs_init).
const (
	modulesNotStarted int32 = iota // libvips is not started
	modulesDeferred                // started without them
	modulesLoaded                  // loaded, at start or since
)

var (
	modules     atomic.Int32
	modulesOnce sync.Once
)

// loadModules loads the format modules libvips was started without, once.
func loadModules() {
	if modules.Load() != modulesDeferred {
		return
	}
	modulesOnce.Do(func() {
		// The modules' libraries read the environment as they load.
		cenv.Do(func() { C.acs_load_modules() })
		modules.Store(modulesLoaded)
	})
}

// loadModulesFor loads the format modules unless the file at path starts
// like a format libvips reads without them (JPEG, PNG, GIF, TIFF, WebP,
// JPEG 2000, Netpbm, Radiance, OpenEXR): a file it cannot read or that
// starts otherwise gets the modules before libvips looks for its loader.
func loadModulesFor(path string) {
	if modules.Load() != modulesDeferred {
		return
	}
	if !coreSignature(path) {
		loadModules()
	}
}

// moduleLoaders are the prefixes of the loader and saver names the
// format modules register.
var moduleLoaders = []string{"heif", "jxl", "pdf"}

// loadModulesForOperation loads the format modules when the operation
// named (such as "heifload_source") is one of theirs.
func loadModulesForOperation(name string) {
	for _, p := range moduleLoaders {
		if strings.HasPrefix(name, p) {
			loadModules()
			return
		}
	}
}

// coreSignature reports whether the file at path starts with the
// signature of a format libvips reads without its modules.
func coreSignature(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [12]byte
	n, _ := io.ReadFull(f, b[:])
	h := b[:n]
	switch {
	case bytes.HasPrefix(h, []byte{0xff, 0xd8, 0xff}), // JPEG
		bytes.HasPrefix(h, []byte("\x89PNG")),
		bytes.HasPrefix(h, []byte("GIF8")),
		bytes.HasPrefix(h, []byte("II*\x00")), bytes.HasPrefix(h, []byte("MM\x00*")),
		bytes.HasPrefix(h, []byte("II+\x00")), bytes.HasPrefix(h, []byte("MM\x00+")), // BigTIFF
		n == 12 && bytes.HasPrefix(h, []byte("RIFF")) && string(h[8:12]) == "WEBP",
		bytes.HasPrefix(h, []byte{0xff, 0x4f, 0xff, 0x51}),                 // JPEG 2000 codestream
		bytes.HasPrefix(h, []byte("\x00\x00\x00\x0cjP  ")),                 // JP2
		bytes.HasPrefix(h, []byte("#?")),                                   // Radiance
		bytes.HasPrefix(h, []byte{0x76, 0x2f, 0x31, 0x01}),                 // OpenEXR
		n >= 2 && h[0] == 'P' && strings.IndexByte("1234567Ff", h[1]) >= 0: // Netpbm, PFM
		return true
	}
	return false
}

// The most of a source's metadata blocks the header copies: the rights
// are read from the start of the EXIF, XMP and IPTC blocks, and the
// profile is only needed whole by the tests.
const (
	maxHeaderMetadata = 4 << 20
	maxHeaderICC      = 4 << 20
)

// header is what the engine needs from a source before decoding it.
type header struct {
	Width, Height int
	Bands         int
	// Orientation is the EXIF orientation, 1 to 8 (1 when absent).
	Orientation int
	HasProfile  bool
	// ICC is the embedded colour profile, when there is one of at most
	// maxHeaderICC bytes.
	ICC   []byte
	Space colourSpace
	// Pages is the number of pages (PDF, TIFF) or frames (GIF, WebP).
	Pages int
	// XRes and YRes are the resolution in pixels per millimetre, as
	// libvips reports it (1 when the file records none).
	XRes, YRes float64
	// Loader is the libvips loader that recognised the file.
	Loader string
	// EXIF, XMP and IPTC are the source's metadata blocks, when present,
	// cut to their first maxHeaderMetadata bytes.
	EXIF, XMP, IPTC []byte
}

// errNoLoader is returned by readHeader when libvips has no loader for the
// file's content.
var errNoLoader = &vipsError{Op: "header", Message: "no loader recognises the file"}

// readHeader reads a source's header without decoding its pixels. options
// are libvips loader options such as "page=2".
func readHeader(path, options string) (header, error) {
	im, err := open(path, options, "header")
	if err != nil {
		return header{}, err
	}
	defer im.close()
	return im.header(), nil
}

// openImage opens path lazily (sequential access) with libvips loader
// options, for a pipeline to be built on it.
func openImage(path, options string) (*vipsImage, error) {
	return open(path, options, "load")
}

// open is openImage with the operation named in errors.
func open(path, options, op string) (*vipsImage, error) {
	loadModulesFor(path)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	copts := C.CString(options)
	defer C.free(unsafe.Pointer(copts))
	var noLoader C.int
	p := C.acs_open(cpath, copts, &noLoader)
	if p == nil {
		if noLoader != 0 {
			return nil, errNoLoader
		}
		return nil, lastError(op)
	}
	return wrapImage(p), nil
}

// openWith opens path lazily (sequential access) with the libvips loader
// named, such as "svgload_source", and loader options.
func openWith(path, loader, options, op string) (*vipsImage, error) {
	loadModulesForOperation(loader)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cloader := C.CString(loader)
	defer C.free(unsafe.Pointer(cloader))
	copts := C.CString(options)
	defer C.free(unsafe.Pointer(copts))
	p := C.acs_open_with(cpath, cloader, copts)
	if p == nil {
		return nil, lastError(op)
	}
	return wrapImage(p), nil
}

// hasOperation reports whether this libvips build has the operation
// named, such as "tiffload_source".
func hasOperation(name string) bool {
	loadModules()
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return C.acs_has_operation(cname) != 0
}

// header describes an opened image.
func (im *vipsImage) header() header {
	h := header{
		Width:       im.width(),
		Height:      im.height(),
		Bands:       im.bands(),
		Orientation: im.orientation(),
		ICC:         im.blob("icc-profile-data", maxHeaderICC, false),
		HasProfile:  im.hasBlob("icc-profile-data"),
		Space:       im.space(),
		Pages:       int(C.vips_image_get_n_pages(im.p)),
		XRes:        float64(im.p.Xres),
		YRes:        float64(im.p.Yres),
		EXIF:        im.blob("exif-data", maxHeaderMetadata, true),
		XMP:         im.blob("xmp-data", maxHeaderMetadata, true),
		IPTC:        im.blob("iptc-data", maxHeaderMetadata, true),
	}
	var loader *C.char
	cname := C.CString("vips-loader")
	defer C.free(unsafe.Pointer(cname))
	if C.vips_image_get_string(im.p, cname, &loader) == 0 {
		h.Loader = C.GoString(loader)
	}
	// The height of one page, for an image holding several.
	if ph := im.intField("page-height", 0); ph > 0 && ph < h.Height {
		h.Height = ph
	}
	return h
}

// vipsImage owns one reference to a libvips image. It is used by one
// goroutine at a time, except for kill, which may be called from another.
type vipsImage struct {
	p *C.VipsImage
}

func wrapImage(p *C.VipsImage) *vipsImage { return &vipsImage{p: p} }

// close drops the reference. It is safe to call on nil and twice.
func (im *vipsImage) close() {
	if im != nil && im.p != nil {
		C.g_object_unref(C.gpointer(im.p))
		im.p = nil
	}
}

// ref returns a new reference to the same image, which the caller closes.
func (im *vipsImage) ref() *vipsImage {
	C.g_object_ref(C.gpointer(im.p))
	return wrapImage(im.p)
}

func (im *vipsImage) width() int     { return int(im.p.Xsize) }
func (im *vipsImage) height() int    { return int(im.p.Ysize) }
func (im *vipsImage) bands() int     { return int(im.p.Bands) }
func (im *vipsImage) hasAlpha() bool { return C.vips_image_hasalpha(im.p) != 0 }
func (im *vipsImage) isUshort() bool { return C.acs_format(im.p) == C.VIPS_FORMAT_USHORT }
func (im *vipsImage) isUchar() bool  { return C.acs_format(im.p) == C.VIPS_FORMAT_UCHAR }
func (im *vipsImage) space() colourSpace {
	return toColourSpace(C.int(C.vips_image_get_interpretation(im.p)))
}
func (im *vipsImage) orientation() int { return int(C.vips_image_get_orientation(im.p)) }
func (im *vipsImage) kill()            { C.vips_image_set_kill(im.p, C.TRUE) }

// blob returns a copy of a binary metadata field of at most limit bytes,
// or nil; a larger one is cut to limit bytes when prefix is set, nil
// otherwise.
func (im *vipsImage) blob(name string, limit int, prefix bool) []byte {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var data unsafe.Pointer
	var n C.size_t
	if C.acs_get_blob(im.p, cname, &data, &n) != 0 || data == nil {
		return nil
	}
	if int64(n) > int64(limit) {
		if !prefix {
			return nil
		}
		n = C.size_t(limit)
	}
	return C.GoBytes(data, C.int(n))
}

// stringField returns a string metadata field, or "".
func (im *vipsImage) stringField(name string) string {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var v *C.char
	if C.vips_image_get_typeof(im.p, cname) == 0 || C.vips_image_get_string(im.p, cname, &v) != 0 {
		return ""
	}
	return C.GoString(v)
}

// hasBlob reports whether the image has a binary metadata field.
func (im *vipsImage) hasBlob(name string) bool {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var data unsafe.Pointer
	var n C.size_t
	return C.acs_get_blob(im.p, cname, &data, &n) == 0 && data != nil
}

// intField returns an integer metadata field, or def.
func (im *vipsImage) intField(name string, def int) int {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	return int(C.acs_get_int(im.p, cname, C.int(def)))
}

// setBlob sets a binary metadata field. Only call it on an image this job
// made (a copy), never on one shared with another pipeline.
func (im *vipsImage) setBlob(name string, data []byte) {
	if len(data) == 0 {
		return
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	C.acs_set_blob(im.p, cname, unsafe.Pointer(&data[0]), C.size_t(len(data)))
}

// setInt sets an integer metadata field, with the same caveat as setBlob.
func (im *vipsImage) setInt(name string, v int) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	C.acs_set_int(im.p, cname, C.int(v))
}

// withResolution returns a copy of the image that records the resolution
// xres x yres, in pixels per millimetre.
func (im *vipsImage) withResolution(xres, yres float64) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_with_res(im.p, C.double(xres), C.double(yres), &out) != 0 {
		return nil, lastError("copy")
	}
	return wrapImage(out), nil
}

// thumbnailSize is vips_thumbnail's size mode.
type thumbnailSize int

const (
	// sizeForce makes exactly width x height, changing the aspect ratio if
	// need be (the engine computes a box that keeps it).
	sizeForce thumbnailSize = C.VIPS_SIZE_FORCE
)

// thumbnailOptions steer vips_thumbnail.
type thumbnailOptions struct {
	Width, Height int
	Size          thumbnailSize
	// ExportSRGB transforms the result from its embedded profile to sRGB
	// (CMYK is always imported to sRGB, with or without one).
	ExportSRGB bool
	// Loader holds libvips loader options, such as "fail_on=truncated".
	Loader string
}

func (o thumbnailOptions) c() (w, h, size, crop, export C.int) {
	// A smart crop is placed by placeSmartCrop, which reports where.
	crop = C.int(C.VIPS_INTERESTING_NONE)
	if o.ExportSRGB {
		export = 1
	}
	return C.int(o.Width), C.int(o.Height), C.int(o.Size), crop, export
}

// thumbnail opens path and builds a lazy pipeline that shrinks it (with
// shrink-on-load where the format allows it), applies its EXIF orientation
// and resizes it, in upright coordinates. With the loader option
// fail_on=truncated, truncated input makes the pixels fail, never come out
// partial.
func thumbnail(path string, o thumbnailOptions) (*vipsImage, error) {
	loadModulesFor(path)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	copts := C.CString(o.Loader)
	defer C.free(unsafe.Pointer(copts))
	w, h, size, crop, export := o.c()
	var out *C.VipsImage
	if C.acs_thumbnail(cpath, copts, w, h, size, crop, export, &out) != 0 {
		return nil, lastError("thumbnail")
	}
	return wrapImage(out), nil
}

// thumbnailImage is thumbnail for an image decoded in memory; o.Loader is
// not used.
func (im *vipsImage) thumbnailImage(o thumbnailOptions) (*vipsImage, error) {
	w, h, size, crop, export := o.c()
	var out *C.VipsImage
	if C.acs_thumbnail_image(im.p, w, h, size, crop, export, &out) != 0 {
		return nil, lastError("thumbnail")
	}
	return wrapImage(out), nil
}

// resized returns im resized down to width x height as thumbnailImage
// with sizeForce resizes it, for an 8-bit sRGB or grey image without
// alpha and with no orientation or profile left to apply, through
// acs_resize; ok is false, and nothing is made, for any other image or
// size.
func (im *vipsImage) resized(width, height int) (out *vipsImage, ok bool, err error) {
	return im.resizedSIMD(width, height, simdBest)
}

// The vector instructions resizedSIMD may use, at most: the CPU's own
// are detected at run time.
const (
	simdNone = 0 // scalar C only
	simdSSE2 = 1
	simdBest = 2 // AVX2 where the CPU has it
)

// resizedSIMD is resized with at most the vector instructions simd.
func (im *vipsImage) resizedSIMD(width, height, simd int) (out *vipsImage, ok bool, err error) {
	var p *C.VipsImage
	switch C.acs_resize(im.p, C.int(width), C.int(height), C.int(simd), &p) {
	case 0:
		return wrapImage(p), true, nil
	case 1:
		return nil, false, nil
	}
	return nil, false, lastError("resize")
}

// pixelBuffer is memory for decoded pixels, allocated outside the Go heap
// so that libvips can own it.
type pixelBuffer struct {
	p   unsafe.Pointer
	Pix []byte
}

// newPixelBuffer allocates n bytes, or returns nil when memory is short.
func newPixelBuffer(n int) *pixelBuffer {
	p := C.g_try_malloc(C.gsize(n))
	if p == nil {
		return nil
	}
	return &pixelBuffer{p: unsafe.Pointer(p), Pix: unsafe.Slice((*byte)(p), n)}
}

// free releases a buffer that was not handed to imageFromPixels.
func (b *pixelBuffer) free() {
	if b != nil && b.p != nil {
		C.g_free(C.gpointer(b.p))
		b.p, b.Pix = nil, nil
	}
}

// imageFromPixels makes an image of the pixels in b (interleaved, 8 or 16
// bits per sample in native byte order) and takes ownership of b.
func imageFromPixels(b *pixelBuffer, width, height, bands int, deep bool, space colourSpace) (*vipsImage, error) {
	p, n := b.p, len(b.Pix)
	b.p, b.Pix = nil, nil
	ushort := C.int(0)
	if deep {
		ushort = 1
	}
	var out *C.VipsImage
	if C.acs_from_memory(p, C.size_t(n), C.int(width), C.int(height), C.int(bands), ushort, fromColourSpace(space), &out) != 0 {
		return nil, lastError("from memory")
	}
	return wrapImage(out), nil
}

// colourspace converts the image to another interpretation.
func (im *vipsImage) colourspace(s colourSpace) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_colourspace(im.p, fromColourSpace(s), &out) != 0 {
		return nil, lastError("colourspace")
	}
	return wrapImage(out), nil
}

// openFile opens path with the file loader libvips' own detection finds,
// lazily.
func openFile(path string) (*vipsImage, error) {
	loadModulesFor(path)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var out *C.VipsImage
	if C.acs_open_file(cpath, &out) != 0 {
		return nil, lastError("load")
	}
	return wrapImage(out), nil
}

// flipVertical returns the image upside down.
func (im *vipsImage) flipVertical() (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_flip_vertical(im.p, &out) != 0 {
		return nil, lastError("flip")
	}
	return wrapImage(out), nil
}

// isHDR reports whether the image holds floating-point or
// Radiance-coded samples.
func (im *vipsImage) isHDR() bool { return C.acs_is_hdr(im.p) != 0 }

// toneMapped returns the floating-point image as 8-bit sRGB, its range
// compressed when it goes above 1.0 (see acs_tonemap). It computes the
// image: run it on the shrunk one.
func (im *vipsImage) toneMapped() (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_tonemap(im.p, &out) != 0 {
		return nil, lastError("tone mapping")
	}
	return wrapImage(out), nil
}

// castUchar casts the samples to 8 bits, clipping.
func (im *vipsImage) castUchar() (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_cast_uchar(im.p, &out) != 0 {
		return nil, lastError("cast")
	}
	return wrapImage(out), nil
}

// flatten removes the alpha band by compositing over bg (one value per
// colour band, or one for all) with the given alpha maximum (255 or 65535).
func (im *vipsImage) flatten(bg []float64, maxAlpha float64) (*vipsImage, error) {
	cbg := make([]C.double, len(bg))
	for i, v := range bg {
		cbg[i] = C.double(v)
	}
	var out *C.VipsImage
	if C.acs_flatten(im.p, &cbg[0], C.int(len(cbg)), C.double(maxAlpha), &out) != 0 {
		return nil, lastError("flatten")
	}
	return wrapImage(out), nil
}

// addAlpha appends an opaque alpha band.
func (im *vipsImage) addAlpha() (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_add_alpha(im.p, &out) != 0 {
		return nil, lastError("addalpha")
	}
	return wrapImage(out), nil
}

// extractBands keeps n bands from first.
func (im *vipsImage) extractBands(first, n int) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_extract_band(im.p, C.int(first), C.int(n), &out) != 0 {
		return nil, lastError("extract_band")
	}
	return wrapImage(out), nil
}

// extract cuts out a rectangle.
func (im *vipsImage) extract(r rect) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_extract_area(im.p, C.int(r.X), C.int(r.Y), C.int(r.W), C.int(r.H), &out) != 0 {
		return nil, lastError("extract_area")
	}
	return wrapImage(out), nil
}

// join stacks images top to bottom, as the frames of an animation.
func join(frames []*vipsImage) (*vipsImage, error) {
	ps := C.malloc(C.size_t(len(frames)) * C.size_t(unsafe.Sizeof(uintptr(0))))
	defer C.free(ps)
	arr := unsafe.Slice((**C.VipsImage)(ps), len(frames))
	for i, f := range frames {
		arr[i] = f.p
	}
	var out *C.VipsImage
	if C.acs_join((**C.VipsImage)(ps), C.int(len(frames)), &out) != 0 {
		return nil, lastError("arrayjoin")
	}
	return wrapImage(out), nil
}

// attention returns the centre of the most interesting width x height
// area, in the image's coordinates.
func (im *vipsImage) attention(width, height int) (x, y int, err error) {
	var cx, cy C.int
	if C.acs_attention(im.p, C.int(width), C.int(height), &cx, &cy) != 0 {
		return 0, 0, lastError("smartcrop")
	}
	return int(cx), int(cy), nil
}

// composite draws overlay over the image at each position, blending with
// the overlay's alpha.
func (im *vipsImage) composite(overlay *vipsImage, at []point) (*vipsImage, error) {
	xs := make([]C.int, len(at))
	ys := make([]C.int, len(at))
	for i, p := range at {
		xs[i], ys[i] = C.int(p.X), C.int(p.Y)
	}
	var out *C.VipsImage
	if C.acs_composite(im.p, overlay.p, C.int(len(at)), &xs[0], &ys[0], &out) != 0 {
		return nil, lastError("composite")
	}
	return wrapImage(out), nil
}

// stripped returns a copy of the image without metadata, except the fields
// that describe an animation. The copy may be given metadata with setBlob.
func (im *vipsImage) stripped() (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_strip(im.p, &out) != 0 {
		return nil, lastError("copy")
	}
	return wrapImage(out), nil
}

// decode computes every pixel of the pipeline into memory. Decoding
// errors in the source (truncation, corrupt data) surface here.
func (im *vipsImage) decode() (*vipsImage, error) {
	return im.decodeThreads(0)
}

// decodeThreads is decode with threads libvips worker threads; 0 keeps
// the process's setting (Options.Threads).
func (im *vipsImage) decodeThreads(threads int) (*vipsImage, error) {
	var out *C.VipsImage
	if threads > 0 {
		out = C.acs_copy_memory_threads(im.p, C.int(threads))
	} else {
		out = C.vips_image_copy_memory(im.p)
	}
	if out == nil {
		return nil, lastError("decode")
	}
	return wrapImage(out), nil
}

// pixels computes the image into a buffer of its samples, interleaved,
// row by row (8 bits per sample for a uchar image), which the caller
// frees or hands to imageFromPixels.
func (im *vipsImage) pixels() (*pixelBuffer, error) {
	var n C.size_t
	p := C.vips_image_write_to_memory(im.p, &n)
	if p == nil {
		return nil, lastError("write to memory")
	}
	return &pixelBuffer{p: p, Pix: unsafe.Slice((*byte)(p), int(n))}, nil
}

// blank makes a black image, used to probe the savers.
func blank(width, height, bands int) (*vipsImage, error) {
	var out *C.VipsImage
	if C.acs_black(C.int(width), C.int(height), C.int(bands), &out) != 0 {
		return nil, lastError("black")
	}
	return wrapImage(out), nil
}

// saveOptions are the encoder settings passed to a saver. JPEG, PNG, WebP
// and GIF are always encoded without metadata (the engine adds what it
// keeps itself, see embed.go); TIFF and HEIF write the metadata fields the
// image carries unless Strip is set.
type saveOptions struct {
	Saver       saver
	Quality     int
	Compression int
	Interlace   bool
	Strip       bool
	// ResolutionInInches makes TIFF record its resolution per inch rather
	// than per centimetre.
	ResolutionInInches bool
}

// encoded is an encoded image in memory owned by libvips.
type encoded struct {
	p    unsafe.Pointer
	Data []byte
}

// free releases the buffer. It is safe to call twice.
func (e *encoded) free() {
	if e != nil && e.p != nil {
		C.g_free(C.gpointer(e.p))
		e.p, e.Data = nil, nil
	}
}

// encode encodes the image into memory. The caller frees the result.
func (im *vipsImage) encode(o saveOptions) (*encoded, error) {
	switch o.Saver {
	case saveAVIF, saveHEIC, saveJXL:
		loadModules()
	}
	b2i := func(b bool) C.int {
		if b {
			return 1
		}
		return 0
	}
	co := C.acs_save_opts{
		saver:        C.int(o.Saver),
		q:            C.int(o.Quality),
		compression:  C.int(o.Compression),
		interlace:    b2i(o.Interlace),
		strip:        b2i(o.Strip),
		resunit_inch: b2i(o.ResolutionInInches),
	}
	var buf unsafe.Pointer
	var n C.size_t
	if C.acs_save(im.p, &co, &buf, &n) != 0 {
		return nil, lastError("save")
	}
	return &encoded{p: buf, Data: unsafe.Slice((*byte)(buf), int(n))}, nil
}

// reduceh.c - a horizontal Lanczos-3 reduction of 8-bit images for the
// resize step (see acs_resize in vips.go).
//
// libvips 8.14's vips_reduceh is scalar C: for each output pixel it loops
// over the bands, then over the 13 or so taps, and it is about 40% of the
// CPU time of a multi-size rendition set. vips_reducev is compiled with
// orc and is cheap. This reduction computes the same filter (Lanczos-3
// widened by the shrink factor, taps clamped at the edges, weights
// normalised to 1, 14-bit fixed point) with SSE2: two taps of all the
// bands of a pixel in one multiply-add.

#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <vips/vips.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ACS_AVX2 1
#endif

#define ACS_FIX_BITS 14

typedef struct {
	VipsImage *in;
	int bands;
	int n;        // taps per output pixel (a multiple of 4, zero-padded)
	int avx2;     // the CPU has AVX2
	int *start;   // first input pixel of each output pixel
	short *coeff; // n weights per output pixel
} AcsReduceh;

static double acs_lanczos3(double x) {
	if (x == 0.0)
		return 1.0;
	if (x <= -3.0 || x >= 3.0)
		return 0.0;
	double px = M_PI * x;
	return 3.0 * sin(px) * sin(px / 3.0) / (px * px);
}

static void acs_reduceh_free(VipsImage *out, AcsReduceh *rh) {
	g_free(rh->start);
	g_free(rh->coeff);
	g_object_unref(rh->in);
	g_free(rh);
}

// acs_reduceh_plan lays out the taps and weights of every output pixel.
static int acs_reduceh_plan(AcsReduceh *rh, int in_width, int out_width, double scale) {
	double support = 3.0 * (scale > 1.0 ? scale : 1.0);
	double fscale = scale > 1.0 ? scale : 1.0;
	int n = (int) ceil(support) * 2 + 2;
	n = (n + 3) & ~3;
	if (n > in_width)
		n = (in_width + 3) & ~3;
	rh->n = n;
	rh->start = g_try_new(int, out_width);
	rh->coeff = g_try_new0(short, (size_t) out_width * n);
	double *w = g_try_new(double, n);
	if (!rh->start || !rh->coeff || !w) {
		g_free(w);
		vips_error("acs_reduceh", "out of memory");
		return -1;
	}
	for (int x = 0; x < out_width; x++) {
		double centre = (x + 0.5) * scale - 0.5;
		int first = (int) floor(centre - support) + 1;
		int last = (int) floor(centre + support);
		// Taps outside the image take the edge pixel's weight: shift the
		// window inside and fold the weights of the pixels it drops.
		int lo = first < 0 ? 0 : first;
		int s = lo;
		if (s + n > in_width)
			s = in_width - n > 0 ? in_width - n : 0;
		for (int k = 0; k < n; k++)
			w[k] = 0.0;
		double sum = 0.0;
		for (int t = first; t <= last; t++) {
			double v = acs_lanczos3((t - centre) / fscale);
			int i = t < 0 ? 0 : t > in_width - 1 ? in_width - 1 : t;
			int k = i - s;
			if (k < 0)
				k = 0;
			if (k > n - 1)
				k = n - 1;
			w[k] += v;
			sum += v;
		}
		rh->start[x] = s;
		// Rounded weights whose sum is exactly 1 << ACS_FIX_BITS: the
		// rounding error goes to the largest weight.
		int total = 0, big = 0;
		short *c = rh->coeff + (size_t) x * n;
		for (int k = 0; k < n; k++) {
			c[k] = (short) lrint(w[k] / sum * (1 << ACS_FIX_BITS));
			total += c[k];
			if (abs(c[k]) > abs(c[big]))
				big = k;
		}
		c[big] += (1 << ACS_FIX_BITS) - total;
	}
	g_free(w);
	return 0;
}

static inline VipsPel acs_clip(int v) {
	v = (v + (1 << (ACS_FIX_BITS - 1))) >> ACS_FIX_BITS;
	return (VipsPel) (v < 0 ? 0 : v > 255 ? 255 : v);
}

#ifdef ACS_AVX2
// acs_reduceh_pixel3_avx2 computes one pixel of 3 bands from the n taps
// at s: each 128-bit lane multiplies and adds two taps of the three bands
// (pixels spread to 16 bits by a byte shuffle), four taps an iteration.
// It reads s[0] to s[3 * n + 9].
__attribute__((target("avx2"))) static void acs_reduceh_pixel3_avx2(const VipsPel *s, const short *c, int n, VipsPel *q) {
	const __m256i spread = _mm256_setr_epi8(
		0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
		0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
	const __m256i pairs = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
	__m256i acc = _mm256_setzero_si256();
	for (int k = 0; k < n; k += 4) {
		__m256i px = _mm256_loadu2_m128i((const __m128i *) (s + 3 * k + 6), (const __m128i *) (s + 3 * k));
		px = _mm256_shuffle_epi8(px, spread);
		__m256i cv = _mm256_permutevar8x32_epi32(
			_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *) (c + k))), pairs);
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(px, cv));
	}
	__m128i sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	int out[4];
	_mm_storeu_si128((__m128i *) out, sum);
	q[0] = acs_clip(out[0]);
	q[1] = acs_clip(out[1]);
	q[2] = acs_clip(out[2]);
}
#endif

// acs_reduceh_row computes width output pixels from the row p (the input
// pixel first_x at p[0]) whose last readable byte is end - 1.
static void acs_reduceh_row(const AcsReduceh *rh, const VipsPel *p, const VipsPel *end,
		int first_x, int left, int width, VipsPel *q) {
	const int bands = rh->bands, n = rh->n;
	for (int x = left; x < left + width; x++, q += bands) {
		const short *c = rh->coeff + (size_t) x * n;
		const VipsPel *s = p + (size_t) (rh->start[x] - first_x) * bands;
#ifdef ACS_AVX2
		if (bands == 3 && rh->avx2 && s + 3 * n + 10 <= end) {
			acs_reduceh_pixel3_avx2(s, c, n, q);
			continue;
		}
#endif
#ifdef __SSE2__
		// Four bytes a pixel are read: the last pixel of a 3-band row
		// would read one byte past the row.
		if (bands == 3 && s + 3 * n + 1 <= end) {
			__m128i acc = _mm_setzero_si128();
			const __m128i zero = _mm_setzero_si128();
			for (int k = 0; k < n; k += 2) {
				int a, b;
				memcpy(&a, s + 3 * k, 4);
				memcpy(&b, s + 3 * k + 3, 4);
				// a0 b0 a1 b1 a2 b2 a3 b3 as 16-bit lanes
				__m128i pa = _mm_unpacklo_epi8(_mm_cvtsi32_si128(a), zero);
				__m128i pb = _mm_unpacklo_epi8(_mm_cvtsi32_si128(b), zero);
				__m128i px = _mm_unpacklo_epi16(pa, pb);
				int cc = (unsigned short) c[k] | ((int) (unsigned short) c[k + 1] << 16);
				acc = _mm_add_epi32(acc, _mm_madd_epi16(px, _mm_set1_epi32(cc)));
			}
			int out[4];
			_mm_storeu_si128((__m128i *) out, acc);
			q[0] = acs_clip(out[0]);
			q[1] = acs_clip(out[1]);
			q[2] = acs_clip(out[2]);
			continue;
		}
		if (bands == 1) {
			__m128i acc = _mm_setzero_si128();
			const __m128i zero = _mm_setzero_si128();
			int k = 0;
			for (; k + 8 <= n; k += 8) {
				__m128i px = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *) (s + k)), zero);
				__m128i cv = _mm_loadu_si128((const __m128i *) (c + k));
				acc = _mm_add_epi32(acc, _mm_madd_epi16(px, cv));
			}
			int out[4];
			_mm_storeu_si128((__m128i *) out, acc);
			int sum = out[0] + out[1] + out[2] + out[3];
			for (; k < n; k++)
				sum += s[k] * c[k];
			q[0] = acs_clip(sum);
			continue;
		}
#endif
		for (int b = 0; b < bands; b++) {
			int sum = 0;
			for (int k = 0; k < n; k++)
				sum += s[k * bands + b] * c[k];
			q[b] = acs_clip(sum);
		}
	}
}

static int acs_reduceh_gen(VipsRegion *or, void *seq, void *a, void *b, gboolean *stop) {
	VipsRegion *ir = (VipsRegion *) seq;
	const AcsReduceh *rh = (const AcsReduceh *) b;
	const VipsRect *r = &or->valid;
	VipsRect need;
	need.left = rh->start[r->left];
	need.width = rh->start[r->left + r->width - 1] + rh->n - need.left;
	need.top = r->top;
	need.height = r->height;
	if (vips_region_prepare(ir, &need))
		return -1;
	for (int y = 0; y < r->height; y++) {
		const VipsPel *p = VIPS_REGION_ADDR(ir, need.left, need.top + y);
		const VipsPel *end = p + (size_t) need.width * rh->bands;
		VipsPel *q = VIPS_REGION_ADDR(or, r->left, r->top + y);
		acs_reduceh_row(rh, p, end, need.left, r->left, r->width, q);
	}
	return 0;
}

// acs_reduceh makes *out, in reduced horizontally to width pixels with a
// Lanczos-3 filter, computed on demand: output pixel x is centred on
// input position (x + 0.5) * scale - 0.5 (scale is in's width over width,
// unless in was box-shrunk with the last box short). in has 8-bit
// samples and width is at most in's width.
int acs_reduceh(VipsImage *in, VipsImage **out, int width, double scale) {
	if (in->BandFmt != VIPS_FORMAT_UCHAR || in->Coding != VIPS_CODING_NONE || width < 1 ||
			width > in->Xsize || !(scale >= 1.0)) {
		vips_error("acs_reduceh", "unsupported image");
		return -1;
	}
	AcsReduceh *rh = g_new0(AcsReduceh, 1);
	rh->bands = in->Bands;
#ifdef ACS_AVX2
	rh->avx2 = __builtin_cpu_supports("avx2");
#endif
	if (acs_reduceh_plan(rh, in->Xsize, width, scale)) {
		g_free(rh->start);
		g_free(rh->coeff);
		g_free(rh);
		return -1;
	}
	// The window of taps must fit the image.
	if (rh->n > in->Xsize) {
		// A tiny image: pad it with its edge pixels.
		VipsImage *padded;
		if (vips_embed(in, &padded, 0, 0, rh->n, in->Ysize, "extend", VIPS_EXTEND_COPY, NULL)) {
			g_free(rh->start);
			g_free(rh->coeff);
			g_free(rh);
			return -1;
		}
		rh->in = padded;
	} else {
		g_object_ref(in);
		rh->in = in;
	}
	*out = vips_image_new();
	g_signal_connect(*out, "postclose", G_CALLBACK(acs_reduceh_free), rh);
	if (vips_image_pipelinev(*out, VIPS_DEMAND_STYLE_THINSTRIP, rh->in, NULL)) {
		g_object_unref(*out);
		*out = NULL;
		return -1;
	}
	(*out)->Xsize = width;
	if (vips_image_generate(*out, vips_start_one, acs_reduceh_gen, vips_stop_one, rh->in, rh)) {
		g_object_unref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

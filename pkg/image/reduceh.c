// reduceh.c - Lanczos-3 reductions of 8-bit images for the resize step
// (see acs_resize in vips.go), horizontal (acs_reduceh) and vertical
// (acs_reducev).
//
// libvips 8.14's vips_reduceh is scalar C: for each output pixel it loops
// over the bands, then over the 13 or so taps, and it was about 40% of
// the CPU time of a multi-size rendition set; its vips_reducev rounds its
// weights to 6 bits on its vector path. These reductions compute the same
// filter (Lanczos-3 widened by the shrink factor, taps clamped at the
// edges, weights normalised to 1, 14-bit fixed point) with SSE2 or AVX2
// (detected at run time), and the scalar C they fall back to gives the
// same bytes: horizontally two taps of all the bands of a pixel in one
// multiply-add (with AVX2, two output pixels at a time), vertically 16 or
// 32 bytes of a row and two rows at a time.

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

// The most taps of a vertical reduction, and the largest factor that
// fits them (support 3 * scale each side, see acs_reduceh_plan).
#define ACS_MAX_TAPS 64
#define ACS_MAX_SCALE 10.0

// The vector instructions a reduction may use (the simd argument): the
// tests compare every level with the scalar code.
#define ACS_SIMD_NONE 0
#define ACS_SIMD_SSE2 1
#define ACS_SIMD_AVX2 2

typedef struct {
	VipsImage *in;
	int bands;
	int n;        // taps per output pixel (a multiple of 4, zero-padded)
	int avx2;     // AVX2 may be used
	int sse2;     // SSE2 may be used
	int *start;   // first input pixel (or row) of each output pixel (row)
	short *coeff; // n weights per output pixel (row)
} AcsReduceh;

static double acs_lanczos3(double x) {
	if (x == 0.0)
		return 1.0;
	if (x <= -3.0 || x >= 3.0)
		return 0.0;
	// sin(px) from sin(px / 3): one sine a tap (sin 3a = 3 sin a - 4 sin^3 a).
	double px = M_PI * x;
	double s = sin(px / 3.0);
	return 3.0 * s * (3.0 - 4.0 * s * s) * s / (px * px);
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
	// The widest window: the taps in (centre - support, centre + support].
	int n = 1;
	for (int x = 0; x < out_width; x++) {
		double centre = (x + 0.5) * scale - 0.5;
		int taps = (int) floor(centre + support) - ((int) floor(centre - support) + 1) + 1;
		if (taps > n)
			n = taps;
	}
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
// acs_reduceh_row3_avx2 computes output pixels of 3 bands two at a time,
// one in each 128-bit lane: a lane multiplies and adds two taps of the
// three bands of its pixel (spread to 16 bits by a byte shuffle) in one
// instruction, and the two pixels are rounded and packed together. It
// stops before the first pair whose 8-byte reads would pass end and
// returns the number of pixels made (the rest are the caller's).
__attribute__((target("avx2"))) static int acs_reduceh_row3_avx2(const AcsReduceh *rh, const VipsPel *p,
		const VipsPel *end, int first_x, int left, int width, VipsPel *q) {
	const __m256i spread = _mm256_setr_epi8(
		0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,
		0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1);
	const __m256i round = _mm256_set1_epi32(1 << (ACS_FIX_BITS - 1));
	const int n = rh->n;
	int done = 0;
	for (; done + 2 <= width; done += 2, q += 6) {
		const int x = left + done;
		const VipsPel *s0 = p + (size_t) (rh->start[x] - first_x) * 3;
		const VipsPel *s1 = p + (size_t) (rh->start[x + 1] - first_x) * 3;
		if (s1 + 3 * n + 2 > end)
			break;
		const short *c0 = rh->coeff + (size_t) x * n, *c1 = c0 + n;
		__m256i acc = round;
		for (int k = 0; k < n; k += 2) {
			__m256i px = _mm256_inserti128_si256(
				_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *) (s0 + 3 * k))),
				_mm_loadl_epi64((const __m128i *) (s1 + 3 * k)), 1);
			int w0, w1;
			memcpy(&w0, c0 + k, 4);
			memcpy(&w1, c1 + k, 4);
			__m256i cv = _mm256_inserti128_si256(
				_mm256_castsi128_si256(_mm_set1_epi32(w0)), _mm_set1_epi32(w1), 1);
			acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(px, spread), cv));
		}
		acc = _mm256_srai_epi32(acc, ACS_FIX_BITS);
		__m256i v = _mm256_packs_epi32(acc, acc);
		v = _mm256_packus_epi16(v, v);
		int a = _mm256_cvtsi256_si32(v), b = _mm256_extract_epi32(v, 4);
		memcpy(q, &a, 3);
		memcpy(q + 3, &b, 3);
	}
	return done;
}
#endif

// acs_reduceh_row computes width output pixels from the row p (the input
// pixel first_x at p[0]) whose last readable byte is end - 1.
static void acs_reduceh_row(const AcsReduceh *rh, const VipsPel *p, const VipsPel *end,
		int first_x, int left, int width, VipsPel *q) {
	const int bands = rh->bands, n = rh->n;
	int x = left;
#ifdef ACS_AVX2
	if (bands == 3 && rh->avx2) {
		int done = acs_reduceh_row3_avx2(rh, p, end, first_x, left, width, q);
		x += done;
		q += done * 3;
	}
#endif
	for (; x < left + width; x++, q += bands) {
		const short *c = rh->coeff + (size_t) x * n;
		const VipsPel *s = p + (size_t) (rh->start[x] - first_x) * bands;
#ifdef __SSE2__
		// Four bytes a pixel are read: the last pixel of a 3-band row
		// would read one byte past the row.
		if (bands == 3 && rh->sse2 && s + 3 * n + 1 <= end) {
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
		if (bands == 1 && rh->sse2) {
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

// acs_reduce_simd records which vector instructions rh may use: at most
// simd, and only those the CPU has.
static void acs_reduce_simd(AcsReduceh *rh, int simd) {
#ifdef __SSE2__
	rh->sse2 = simd >= ACS_SIMD_SSE2;
#endif
#ifdef ACS_AVX2
	rh->avx2 = simd >= ACS_SIMD_AVX2 && __builtin_cpu_supports("avx2");
#endif
}

// acs_reduceh makes *out, in reduced horizontally to width pixels with a
// Lanczos-3 filter, computed on demand: output pixel x is centred on
// input position (x + 0.5) * scale - 0.5 (scale is in's width over width,
// unless in was box-shrunk with the last box short). in has 8-bit
// samples and width is at most in's width. simd is the most the
// reduction may use of the CPU's vector instructions (ACS_SIMD_*).
int acs_reduceh(VipsImage *in, VipsImage **out, int width, double scale, int simd) {
	if (in->BandFmt != VIPS_FORMAT_UCHAR || in->Coding != VIPS_CODING_NONE || width < 1 ||
			width > in->Xsize || !(scale >= 1.0)) {
		vips_error("acs_reduceh", "unsupported image");
		return -1;
	}
	AcsReduceh *rh = g_new0(AcsReduceh, 1);
	rh->bands = in->Bands;
	acs_reduce_simd(rh, simd);
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

#ifdef ACS_AVX2
// acs_reducev_avx2 computes bytes [i, len) of an output row from the n
// input rows at rows[0..n-1], 32 bytes at a time: two rows' bytes are
// interleaved, spread to 16 bits and multiplied-and-added with their two
// weights. It returns where it stopped (the tail is the caller's).
__attribute__((target("avx2"))) static int acs_reducev_avx2(const VipsPel *const *rows, const short *c, int n,
		int i, int len, VipsPel *q) {
	const __m256i zero = _mm256_setzero_si256();
	const __m256i round = _mm256_set1_epi32(1 << (ACS_FIX_BITS - 1));
	for (; i + 32 <= len; i += 32) {
		__m256i a0 = round, a1 = round, a2 = round, a3 = round;
		for (int k = 0; k < n; k += 2) {
			__m256i r0 = _mm256_loadu_si256((const __m256i *) (rows[k] + i));
			__m256i r1 = _mm256_loadu_si256((const __m256i *) (rows[k + 1] + i));
			__m256i cc = _mm256_set1_epi32((unsigned short) c[k] | ((int) (unsigned short) c[k + 1] << 16));
			__m256i lo = _mm256_unpacklo_epi8(r0, r1);
			__m256i hi = _mm256_unpackhi_epi8(r0, r1);
			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi8(lo, zero), cc));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi8(lo, zero), cc));
			a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi8(hi, zero), cc));
			a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi8(hi, zero), cc));
		}
		a0 = _mm256_srai_epi32(a0, ACS_FIX_BITS);
		a1 = _mm256_srai_epi32(a1, ACS_FIX_BITS);
		a2 = _mm256_srai_epi32(a2, ACS_FIX_BITS);
		a3 = _mm256_srai_epi32(a3, ACS_FIX_BITS);
		// Every step works within each 128-bit lane, the packs undo the
		// unpacks: bytes come out in their order.
		__m256i v = _mm256_packus_epi16(_mm256_packs_epi32(a0, a1), _mm256_packs_epi32(a2, a3));
		_mm256_storeu_si256((__m256i *) (q + i), v);
	}
	return i;
}
#endif

// acs_reducev_row computes len bytes of an output row from the n input
// rows at rows[0..n-1] (n even) and the weights c.
static void acs_reducev_row(const AcsReduceh *rv, const VipsPel *const *rows, const short *c, int len, VipsPel *q) {
	const int n = rv->n;
	int i = 0;
#ifdef ACS_AVX2
	if (rv->avx2)
		i = acs_reducev_avx2(rows, c, n, i, len, q);
#endif
#ifdef __SSE2__
	if (rv->sse2) {
		const __m128i zero = _mm_setzero_si128();
		const __m128i round = _mm_set1_epi32(1 << (ACS_FIX_BITS - 1));
		for (; i + 16 <= len; i += 16) {
			__m128i a0 = round, a1 = round, a2 = round, a3 = round;
			for (int k = 0; k < n; k += 2) {
				__m128i r0 = _mm_loadu_si128((const __m128i *) (rows[k] + i));
				__m128i r1 = _mm_loadu_si128((const __m128i *) (rows[k + 1] + i));
				__m128i cc = _mm_set1_epi32((unsigned short) c[k] | ((int) (unsigned short) c[k + 1] << 16));
				__m128i lo = _mm_unpacklo_epi8(r0, r1);
				__m128i hi = _mm_unpackhi_epi8(r0, r1);
				a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi8(lo, zero), cc));
				a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi8(lo, zero), cc));
				a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi8(hi, zero), cc));
				a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi8(hi, zero), cc));
			}
			a0 = _mm_srai_epi32(a0, ACS_FIX_BITS);
			a1 = _mm_srai_epi32(a1, ACS_FIX_BITS);
			a2 = _mm_srai_epi32(a2, ACS_FIX_BITS);
			a3 = _mm_srai_epi32(a3, ACS_FIX_BITS);
			__m128i v = _mm_packus_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3));
			_mm_storeu_si128((__m128i *) (q + i), v);
		}
	}
#endif
	for (; i < len; i++) {
		int sum = 0;
		for (int k = 0; k < n; k++)
			sum += rows[k][i] * c[k];
		q[i] = acs_clip(sum);
	}
}

static int acs_reducev_gen(VipsRegion *or, void *seq, void *a, void *b, gboolean *stop) {
	VipsRegion *ir = (VipsRegion *) seq;
	const AcsReduceh *rv = (const AcsReduceh *) b;
	const VipsRect *r = &or->valid;
	VipsRect need;
	need.left = r->left;
	need.width = r->width;
	need.top = rv->start[r->top];
	need.height = rv->start[r->top + r->height - 1] + rv->n - need.top;
	if (vips_region_prepare(ir, &need))
		return -1;
	const VipsPel *rows[ACS_MAX_TAPS];
	const int len = r->width * rv->bands;
	for (int y = 0; y < r->height; y++) {
		const int oy = r->top + y;
		for (int k = 0; k < rv->n; k++)
			rows[k] = VIPS_REGION_ADDR(ir, r->left, rv->start[oy] + k);
		acs_reducev_row(rv, rows, rv->coeff + (size_t) oy * rv->n, len,
			VIPS_REGION_ADDR(or, r->left, oy));
	}
	return 0;
}

// acs_reducev makes *out, in reduced vertically to height rows with the
// filter of acs_reduceh, computed on demand: output row y is centred on
// input position (y + 0.5) * scale - 0.5. in has 8-bit samples, height
// is at most in's height, and scale is small enough for at most
// ACS_MAX_TAPS taps (a reduction after a box shrink by half the factor
// needs 16). simd is as for acs_reduceh.
int acs_reducev(VipsImage *in, VipsImage **out, int height, double scale, int simd) {
	if (in->BandFmt != VIPS_FORMAT_UCHAR || in->Coding != VIPS_CODING_NONE || height < 1 ||
			height > in->Ysize || !(scale >= 1.0) || scale > ACS_MAX_SCALE) {
		vips_error("acs_reducev", "unsupported image");
		return -1;
	}
	AcsReduceh *rv = g_new0(AcsReduceh, 1);
	rv->bands = in->Bands;
	acs_reduce_simd(rv, simd);
	if (acs_reduceh_plan(rv, in->Ysize, height, scale)) {
		g_free(rv->start);
		g_free(rv->coeff);
		g_free(rv);
		return -1;
	}
	if (rv->n > in->Ysize) {
		// A short image: pad it with its last row.
		VipsImage *padded;
		if (vips_embed(in, &padded, 0, 0, in->Xsize, rv->n, "extend", VIPS_EXTEND_COPY, NULL)) {
			g_free(rv->start);
			g_free(rv->coeff);
			g_free(rv);
			return -1;
		}
		rv->in = padded;
	} else {
		g_object_ref(in);
		rv->in = in;
	}
	*out = vips_image_new();
	g_signal_connect(*out, "postclose", G_CALLBACK(acs_reduceh_free), rv);
	if (vips_image_pipelinev(*out, VIPS_DEMAND_STYLE_THINSTRIP, rv->in, NULL)) {
		g_object_unref(*out);
		*out = NULL;
		return -1;
	}
	(*out)->Ysize = height;
	if (vips_image_generate(*out, vips_start_one, acs_reducev_gen, vips_stop_one, rv->in, rv)) {
		g_object_unref(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

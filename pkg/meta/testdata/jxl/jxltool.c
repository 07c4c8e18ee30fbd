/* jxltool: writes small JPEG XL test files with libjxl, and prints what
 * libjxl's decoder reads from a file's headers (its basic info, with the
 * orientation kept rather than applied). It is not part of the build; it
 * made the samples of this directory (README.md).
 *
 *   cc -o jxltool jxltool.c -ljxl
 *   jxltool info FILE...
 *   jxltool write OUT W H CHANNELS BITS ORIENTATION LOOPS(-1: still) CONTAINER EXIF_BROTLI
 */
#include <jxl/decode.h>
#include <jxl/encode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int info(const char *path) {
	FILE *f = fopen(path, "rb");
	if (!f) return 1;
	static unsigned char buf[1 << 24];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	JxlDecoder *dec = JxlDecoderCreate(NULL);
	JxlDecoderSubscribeEvents(dec, JXL_DEC_BASIC_INFO | JXL_DEC_COLOR_ENCODING);
	JxlDecoderSetKeepOrientation(dec, JXL_TRUE);
	JxlDecoderSetInput(dec, buf, n);
	JxlDecoderCloseInput(dec);
	JxlBasicInfo bi;
	for (;;) {
		JxlDecoderStatus st = JxlDecoderProcessInput(dec);
		if (st == JXL_DEC_BASIC_INFO) {
			JxlDecoderGetBasicInfo(dec, &bi);
			printf("%s w=%u h=%u orientation=%d bits=%u exp=%u colour=%u alpha=%u extra=%u animation=%d loops=%u\n",
				path, bi.xsize, bi.ysize, bi.orientation, bi.bits_per_sample, bi.exponent_bits_per_sample,
				bi.num_color_channels, bi.alpha_bits, bi.num_extra_channels, bi.have_animation, bi.animation.num_loops);
			break;
		}
		printf("%s error %d\n", path, st);
		break;
	}
	JxlDecoderDestroy(dec);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 3 && !strcmp(argv[1], "info")) {
		for (int i = 2; i < argc; i++) info(argv[i]);
		return 0;
	}
	if (argc != 11 || strcmp(argv[1], "write")) {
		fprintf(stderr, "usage\n");
		return 2;
	}
	const char *out = argv[2];
	uint32_t w = atoi(argv[3]), h = atoi(argv[4]), ch = atoi(argv[5]), bits = atoi(argv[6]);
	int orient = atoi(argv[7]), loops = atoi(argv[8]), container = atoi(argv[9]), brotli = atoi(argv[10]);
	JxlEncoder *enc = JxlEncoderCreate(NULL);
	JxlBasicInfo bi;
	JxlEncoderInitBasicInfo(&bi);
	bi.xsize = w, bi.ysize = h, bi.bits_per_sample = bits, bi.orientation = orient;
	bi.num_color_channels = ch >= 3 ? 3 : 1;
	if (ch == 2 || ch == 4) bi.alpha_bits = bits, bi.num_extra_channels = 1;
	bi.uses_original_profile = JXL_TRUE;
	if (loops >= 0) bi.have_animation = JXL_TRUE, bi.animation.tps_numerator = 100, bi.animation.tps_denominator = 1, bi.animation.num_loops = loops;
	if (container) JxlEncoderUseContainer(enc, JXL_TRUE);
	if (container) JxlEncoderUseBoxes(enc);
	if (JxlEncoderSetBasicInfo(enc, &bi) != JXL_ENC_SUCCESS) { fprintf(stderr, "basic info\n"); return 1; }
	JxlColorEncoding ce;
	JxlColorEncodingSetToSRGB(&ce, bi.num_color_channels == 1);
	JxlEncoderSetColorEncoding(enc, &ce);
	if (container) {
		/* Exif: 4-byte offset 0, then a big-endian TIFF with IFD0 Make "JXLTest" and Orientation. */
		static const unsigned char exif[] = {0, 0, 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 2,
			0x01, 0x0F, 0, 2, 0, 0, 0, 8, 0, 0, 0, 38, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
			'J', 'X', 'L', 'T', 'e', 's', 't', 0};
		JxlEncoderAddBox(enc, "Exif", exif, sizeof exif, brotli);
		static const char xmp[] = "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
			"<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:title><rdf:Alt>"
			"<rdf:li xml:lang='x-default'>Written by libjxl</rdf:li></rdf:Alt></dc:title></rdf:Description></rdf:RDF></x:xmpmeta>";
		JxlEncoderAddBox(enc, "xml ", (const uint8_t *)xmp, strlen(xmp), JXL_FALSE);
		JxlEncoderCloseBoxes(enc);
	}
	JxlEncoderFrameSettings *fs = JxlEncoderFrameSettingsCreate(enc, NULL);
	JxlEncoderFrameSettingsSetOption(fs, JXL_ENC_FRAME_SETTING_EFFORT, 1);
	JxlEncoderSetFrameLossless(fs, JXL_TRUE);
	JxlPixelFormat pf = {ch, bits > 8 ? JXL_TYPE_UINT16 : JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
	size_t sz = (size_t)w * h * ch * (bits > 8 ? 2 : 1);
	unsigned char *px = calloc(1, sz);
	int frames = loops >= 0 ? 2 : 1;
	for (int i = 0; i < frames; i++) {
		if (loops >= 0) {
			JxlFrameHeader fh;
			JxlEncoderInitFrameHeader(&fh);
			fh.duration = 10;
			JxlEncoderSetFrameHeader(fs, &fh);
		}
		memset(px, i * 80, sz);
		if (JxlEncoderAddImageFrame(fs, &pf, px, sz) != JXL_ENC_SUCCESS) { fprintf(stderr, "frame\n"); return 1; }
	}
	JxlEncoderCloseInput(enc);
	size_t cap = 1 << 20;
	unsigned char *buf = malloc(cap), *next = buf;
	size_t avail = cap;
	JxlEncoderStatus st;
	while ((st = JxlEncoderProcessOutput(enc, &next, &avail)) == JXL_ENC_NEED_MORE_OUTPUT) {
		size_t off = next - buf;
		cap *= 2, buf = realloc(buf, cap), next = buf + off, avail = cap - off;
	}
	if (st != JXL_ENC_SUCCESS) { fprintf(stderr, "encode %d\n", st); return 1; }
	FILE *f = fopen(out, "wb");
	fwrite(buf, 1, next - buf, f);
	fclose(f);
	return 0;
}

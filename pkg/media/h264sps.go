package media

// spsInfo is what the quick probe reads of an H.264 sequence parameter
// set: the coded frame size (after cropping) and the sample aspect ratio
// of its VUI (zero when it states none).
type spsInfo struct {
	width, height int
	sar           Ratio
}

// bitReader reads the bits of an RBSP, most significant first; reading
// past the end sets bad.
type bitReader struct {
	b   []byte
	pos int // in bits
	bad bool
}

func (r *bitReader) u(n int) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		if r.pos >= 8*len(r.b) {
			r.bad = true
			return 0
		}
		v = v<<1 | uint32(r.b[r.pos/8]>>(7-r.pos%8))&1
		r.pos++
	}
	return v
}

// ue reads an unsigned Exp-Golomb code of at most 31 bits.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.u(1) == 0 {
		if r.bad || zeros == 31 {
			r.bad = true
			return 0
		}
		zeros++
	}
	return 1<<zeros - 1 + r.u(zeros)
}

// se reads a signed Exp-Golomb code.
func (r *bitReader) se() int32 {
	v := r.ue()
	if v&1 == 1 {
		return int32(v/2 + 1)
	}
	return -int32(v / 2)
}

// unescape removes the emulation prevention bytes (00 00 03) of a NAL unit.
func unescape(nal []byte) []byte {
	out := make([]byte, 0, len(nal))
	zeros := 0
	for _, c := range nal {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// sarTable holds the sample aspect ratios of aspect_ratio_idc 1 to 16.
var sarTable = [...]Ratio{{1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11}, {32, 11},
	{80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3}, {3, 2}, {2, 1}}

// parseSPS reads a sequence parameter set NAL unit (header byte included).
// It refuses (false) what the quick probe leaves to ffprobe: a malformed
// set, and interlaced (field) coding.
func parseSPS(nal []byte) (spsInfo, bool) {
	r := &bitReader{b: unescape(nal[1:])}
	profile := r.u(8)
	r.u(16) // constraint flags, level
	r.ue()  // seq_parameter_set_id
	chroma := uint32(1)
	separate := false
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		chroma = r.ue()
		if chroma > 3 {
			return spsInfo{}, false
		}
		if chroma == 3 {
			separate = r.u(1) == 1
		}
		r.ue()           // bit_depth_luma_minus8
		r.ue()           // bit_depth_chroma_minus8
		r.u(1)           // qpprime_y_zero_transform_bypass_flag
		if r.u(1) == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if chroma == 3 {
				lists = 12
			}
			for i := 0; i < lists && !r.bad; i++ {
				if r.u(1) == 0 {
					continue
				}
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := int32(8), int32(8)
				for j := 0; j < size && !r.bad; j++ {
					if next != 0 {
						next = (last + r.se() + 256) % 256
					}
					if next != 0 {
						last = next
					}
				}
			}
		}
	}
	r.ue()          // log2_max_frame_num_minus4
	switch r.ue() { // pic_order_cnt_type
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.u(1) // delta_pic_order_always_zero_flag
		r.se() // offset_for_non_ref_pic
		r.se() // offset_for_top_to_bottom_field
		n := r.ue()
		if n > 255 {
			return spsInfo{}, false
		}
		for i := uint32(0); i < n && !r.bad; i++ {
			r.se()
		}
	}
	r.ue() // max_num_ref_frames
	r.u(1) // gaps_in_frame_num_value_allowed_flag
	wmbs := r.ue() + 1
	hmaps := r.ue() + 1
	if r.u(1) == 0 { // frame_mbs_only_flag: fields are ffprobe's to describe
		return spsInfo{}, false
	}
	r.u(1) // direct_8x8_inference_flag
	if wmbs > 1024 || hmaps > 1024 {
		return spsInfo{}, false
	}
	w, h := int(wmbs)*16, int(hmaps)*16
	if r.u(1) == 1 { // frame_cropping_flag
		cx, cy := 1, 1 // monochrome or separate planes
		if !separate && chroma != 0 {
			if chroma == 1 || chroma == 2 {
				cx = 2
			}
			if chroma == 1 {
				cy = 2
			}
		}
		left, right, top, bottom := int(r.ue()), int(r.ue()), int(r.ue()), int(r.ue())
		w -= (left + right) * cx
		h -= (top + bottom) * cy
	}
	var info spsInfo
	info.width, info.height = w, h
	vui := r.u(1) == 1      // vui_parameters_present_flag
	if vui && r.u(1) == 1 { // aspect_ratio_info_present_flag
		switch idc := r.u(8); {
		case idc == 255:
			info.sar = Ratio{int(r.u(16)), int(r.u(16))}
		case idc >= 1 && int(idc) <= len(sarTable):
			info.sar = sarTable[idc-1]
		}
	}
	if r.bad || w <= 0 || h <= 0 {
		return spsInfo{}, false
	}
	return info, true
}

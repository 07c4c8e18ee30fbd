// Package h264 reads the H.264 sequence parameter set: the coded picture
// size after cropping, the sample aspect ratio and the frame rate its VUI
// states. The probe of package media and the stream readers of package
// meta share it. It is pure Go, bounded (at most MaxSPSBytes of a set are
// read, Exp-Golomb codes of at most 31 bits), and never panics on
// malformed input.
package h264

// MaxSPSBytes bounds the bytes of a parameter set read.
const MaxSPSBytes = 1024

// SPS is what a sequence parameter set tells of the pictures.
type SPS struct {
	// Width and Height are the picture size after the frame cropping,
	// in luma samples; for field (interlaced) coding, of the frame.
	Width, Height int
	// Interlaced is set when the stream may code fields
	// (frame_mbs_only_flag 0).
	Interlaced bool
	// SARNum and SARDen are the sample aspect ratio of the VUI; zero
	// when it states none.
	SARNum, SARDen int
	// FrameRate is time_scale / (2 * num_units_in_tick) of the VUI
	// timing; zero when it states none.
	FrameRate float64
	// VUICut is set when the VUI ends before the fields above: what it
	// said is dropped (SAR and frame rate zero), the size stands.
	VUICut bool
}

// sarTable holds the sample aspect ratios of aspect_ratio_idc 1 to 16.
var sarTable = [...][2]int{{1, 1}, {12, 11}, {10, 11}, {16, 11}, {40, 33}, {24, 11}, {20, 11}, {32, 11},
	{80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3}, {3, 2}, {2, 1}}

// ParseSPS reads a sequence parameter set NAL unit, its header byte
// first; false when nal is not one or is malformed.
func ParseSPS(nal []byte) (SPS, bool) {
	if len(nal) < 4 || nal[0]&0x1F != 7 {
		return SPS{}, false
	}
	r := &bitReader{b: Unescape(nal[1:min(len(nal), MaxSPSBytes)])}
	profile := r.u(8)
	r.u(16) // constraint flags, level
	r.ue()  // seq_parameter_set_id
	chroma := uint32(1)
	separate := false
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		chroma = r.ue()
		if chroma > 3 {
			return SPS{}, false
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
			return SPS{}, false
		}
		for i := uint32(0); i < n && !r.bad; i++ {
			r.se()
		}
	}
	r.ue() // max_num_ref_frames
	r.u(1) // gaps_in_frame_num_value_allowed_flag
	wmbs := int(r.ue()) + 1
	hmaps := int(r.ue()) + 1
	frameMbsOnly := int(r.u(1))
	if frameMbsOnly == 0 {
		r.u(1) // mb_adaptive_frame_field_flag
	}
	r.u(1) // direct_8x8_inference_flag
	if r.bad || wmbs > 1024 || hmaps > 1024 {
		return SPS{}, false
	}
	s := SPS{Width: wmbs * 16, Height: (2 - frameMbsOnly) * hmaps * 16, Interlaced: frameMbsOnly == 0}
	if r.u(1) == 1 { // frame_cropping_flag
		// Crop units (H.264 7.4.2.1.1): luma samples for monochrome and
		// separate colour planes, else the chroma subsampling; doubled
		// vertically for fields.
		cx, cy := 1, 2-frameMbsOnly
		if !separate && chroma != 0 {
			if chroma == 1 || chroma == 2 {
				cx = 2
			}
			if chroma == 1 {
				cy *= 2
			}
		}
		left, right, top, bottom := int(r.ue()), int(r.ue()), int(r.ue()), int(r.ue())
		s.Width -= (left + right) * cx
		s.Height -= (top + bottom) * cy
	}
	if r.bad || s.Width <= 0 || s.Height <= 0 {
		return SPS{}, false
	}
	vui := r.u(1) == 1 // vui_parameters_present_flag
	s.VUICut = r.bad
	if vui {
		if r.u(1) == 1 { // aspect_ratio_info_present_flag
			switch idc := int(r.u(8)); {
			case idc == 255:
				s.SARNum, s.SARDen = int(r.u(16)), int(r.u(16))
			case idc >= 1 && idc <= len(sarTable):
				s.SARNum, s.SARDen = sarTable[idc-1][0], sarTable[idc-1][1]
			}
		}
		if r.u(1) == 1 { // overscan_info_present_flag
			r.u(1)
		}
		if r.u(1) == 1 { // video_signal_type_present_flag
			r.u(4)
			if r.u(1) == 1 {
				r.u(24)
			}
		}
		if r.u(1) == 1 { // chroma_loc_info_present_flag
			r.ue()
			r.ue()
		}
		if r.u(1) == 1 { // timing_info_present_flag
			units, scale := r.u(32), r.u(32)
			if !r.bad && units > 0 && scale > 0 {
				s.FrameRate = float64(scale) / float64(2*uint64(units))
			}
		}
		if r.bad { // a VUI cut short: keep the size, drop what it said
			s.SARNum, s.SARDen, s.FrameRate, s.VUICut = 0, 0, 0, true
		}
	}
	return s, true
}

// Unescape removes the emulation prevention bytes (00 00 03) of a NAL
// unit's payload.
func Unescape(nal []byte) []byte {
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

// bitReader reads the bits of an RBSP, most significant first; reading
// past the end sets bad.
type bitReader struct {
	b   []byte
	pos int // in bits
	bad bool
}

// u reads n bits, at most 32.
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

package meta

// Raw AAC files (.aac) are a sequence of ADTS frames, each with a 7 or 9
// byte header giving the profile, sample rate, channels and the frame's
// length; there is no index and no duration. readADTS reads the first
// frame and walks the frame lengths of a bounded prefix: the duration is
// the frames counted times 1024 samples, extrapolated over the rest of
// the file by the mean frame length when the file is longer than the
// prefix. An ID3v1 tag at the end is read; a file that starts with an
// ID3v2 tag looks like an MP3: readMP3 reads the tag, finds ADTS frames
// after it, and reads them here.

const (
	// adtsScan bounds the bytes whose frames are walked.
	adtsScan = 1 << 20
	// adtsMaxFrames bounds the frames walked.
	adtsMaxFrames = 50000
)

// readADTS reads an ADTS AAC file.
func readADTS(x *extraction) error {
	s, b := x.s, x.b
	end := s.size
	if s.size >= 128 {
		if t, err := s.readAt(s.size-128, 128); err == nil && string(t[:3]) == "TAG" {
			id3v1(b, t)
			end -= 128
		}
	}
	ms, err := x.adtsStream(0, end)
	if err != nil {
		return err
	}
	ms.set(b)
	return nil
}

// adtsStream reads the ADTS frames from start to end (the end of the
// file less any ID3v1 tag).
func (x *extraction) adtsStream(start, end int64) (mediaStreams, error) {
	s, b := x.s, x.b
	buf, err := s.readUpTo(start, min(adtsScan, end-start))
	if err != nil {
		return mediaStreams{}, err
	}
	a, first, _, ok := audioFrames(buf[:min(len(buf), 64<<10)], "aac", 1)
	if !ok {
		return mediaStreams{}, corruptf("no ADTS frame header")
	}
	if first != 0 {
		b.warn("AAC: %d bytes before the first frame", first)
	}
	// Walk the frames of the prefix.
	var n, walked int
	for p := first; n < adtsMaxFrames; n++ {
		f, ok := adtsHeader(buf[p:])
		if !ok || p+f.frameLen > len(buf) {
			if p < len(buf) && start+int64(len(buf)) == end {
				b.warn("AAC: the frames stop %d bytes before the end: the file is damaged or truncated", len(buf)-p)
			}
			break
		}
		p += f.frameLen
		walked = p - first
	}
	ms := mediaStreams{hasAudio: true, audioCodec: "aac", sampleRate: a.sampleRate, channels: a.channels}
	if n > 0 && a.sampleRate > 0 {
		total := float64(n)
		if rest := end - start - int64(first+walked); rest > 0 && start+int64(len(buf)) < end {
			total += float64(rest) / (float64(walked) / float64(n))
		}
		ms.duration = total * float64(a.samples) / float64(a.sampleRate)
	}
	if ms.duration > 0 {
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	if a.profile != "" {
		b.set("acs:AudioProfile", Text(a.profile), prioFile)
	}
	return ms, nil
}

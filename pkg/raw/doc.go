// Package raw turns camera raw files (CR2, CR3, CRW, NEF, NRW, ARW, SR2,
// SRF, DNG, RAF, RW2, RWL, ORF, PEF, SRW, X3F, IIQ, 3FR, ERF, KDC, DCR,
// MEF, MOS, MRW) into pictures the image engine renders.
//
// # Model
//
// A raw file is the sensor's data plus, almost always, pictures the
// camera made of it: a thumbnail, a screen-sized preview, often a
// full-size JPEG. Inspect reads the file's structure with a few ranged
// reads (the directories, never the raw data), through an io.ReaderAt, so a
// 60 MB raw file in storage costs a few 64 KiB requests:
//
//   - TIFF-structured files (DNG, NEF, ARW, CR2, PEF, ORF, RW2, SRW, 3FR,
//     ERF, KDC, DCR, MEF, MOS, IIQ, ...): the IFD chain, SubIFDs and the
//     EXIF IFD; JPEGs through JPEGInterchangeFormat (JpgFromRaw,
//     PreviewImage, ThumbnailImage), JPEG strips (DNG previews, the CR2
//     IFD0 preview), the RW2 JpgFromRaw tag, uncompressed RGB strips
//     (DNG thumbnails), and the maker-note previews of Nikon, Olympus,
//     Pentax and Minolta; the sensor size from the CFA or LinearRaw
//     directory (DNG DefaultCropSize as the crop), else the EXIF pixel
//     dimensions;
//   - RAF: the header's JPEG and the sensor sizes of its metadata block;
//   - CR3 (ISO base media): THMB, PRVW, the full-size JPEG of the first
//     track, the orientation of CMT1 and the size of the raw track;
//   - CRW (CIFF): JpgFromRaw and ImageSpec; MRW: the TTW block's TIFF and
//     the PRD sensor size; X3F: the JPEG image sections.
//
// Every embedded JPEG is checked by its headers: a lossless or 12-bit
// stream (the raw data of a CR2 or of a lossless DNG) is not a preview. The
// walk is bounded: at most 64 directories of 1000 entries, each read once
// (a loop ends it), 256 boxes, nesting 4 to 8 deep.
//
// Engine.Picture then chooses, for the size a rendition needs (its box,
// fitted to the default crop, never enlarged): the smallest preview at
// least that size, written out as a JPEG whose EXIF orientation is the raw
// file's (the image engine applies it); when no preview is large enough,
// the raw data developed by LibRaw (dcraw_emu, in a caged child process:
// no network, private directory, memory and CPU limits, the deadline),
// camera white balance, sRGB output, at half size when half the crop
// still covers the need; and when that is impossible, the largest
// preview, unless it is a postage stamp (less than half the size asked
// for and less than half the sensor), which is an error saying what the
// file holds: SourceCorrupt when the raw data is missing or unreadable,
// SourceUnsupported when LibRaw is not installed. The raw instruction of
// a rendition (Mode) asks for a preview or a develop instead.
//
// The declared sensor is checked against Limits.MaxSensorPixels before
// LibRaw starts (SourceTooLarge).
package raw

// Package metablock reads the structure of the metadata blocks that image
// files carry: TIFF/EXIF image file directories, Photoshop image resource
// blocks, IPTC IIM datasets, the RDF/XML of XMP packets, and legacy 8-bit
// text.
//
// It is the one parser of these blocks in the module. pkg/meta builds its
// metadata records on it, and pkg/image reads the rights its renditions
// keep with it. The package knows the layout of the blocks and their
// bounds, not what the properties mean: which tags or properties are
// kept, how their text is decoded and joined and which block wins is for
// the caller to decide.
//
// The walkers work on bytes already in memory, or (for TIFF structures) on
// a Source that reads exactly the bytes asked for; a block that points
// outside itself yields an error or a flag, never a panic or a read past
// the end. The package imports only the standard library.
package metablock

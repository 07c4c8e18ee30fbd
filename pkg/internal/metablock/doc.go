// Package metablock reads the structure of the metadata blocks that image
// files carry: TIFF/EXIF image file directories, Photoshop image resource
// blocks, IPTC IIM datasets, and legacy 8-bit text.
//
// It is the one parser of these blocks in the module. pkg/meta builds its
// metadata records on it, and pkg/image reads the rights its renditions keep
// with it. The package knows the layout of the blocks and their bounds, not
// what the tags mean: which tags are read, how their text is joined and
// which block wins is for the caller to decide.
//
// Every walker works on bytes already in memory or on a Source that reads
// exactly the bytes asked for; a block that points outside itself yields an
// error or a flag, never a panic or a read past the end.
package metablock

package meta

import (
	"archive/zip"
	"errors"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/indd"
)

// readINDD reads an InDesign document or template: its XMP packet, found
// by package indd with ranged reads after the database pages the master
// page counts. The page thumbnails the packet carries (xmpGImg:image) are
// the thumbnail action's business, not metadata: their base64 is left out.
func readINDD(x *extraction) error {
	packet, err := indd.FindXMP(srcReaderAt{x.s}, x.s.size)
	switch {
	case errors.Is(err, indd.ErrNoXMP):
		x.b.warn("no XMP packet found in the InDesign document")
		return nil
	case errors.Is(err, errBudget), errors.Is(err, errTruncated):
		return err
	case err != nil:
		return corruptf("%v", err)
	}
	parseXMP(x.b, packet, prioXMP, "XMP")
	dropThumbnailImages(x.b)
	return nil
}

// dropThumbnailImages removes the base64 images of xmpGImg fields from
// the properties; their size and format stay.
func dropThumbnailImages(b *builder) {
	for k := range b.props {
		if strings.HasSuffix(k, "xmpGImg:image") {
			b.del(k)
		}
	}
}

// readIDML reads an InDesign markup package: the XMP of
// META-INF/metadata.xml, read within MaxSegmentBytes like the parts of
// other zip-based documents.
func readIDML(x *extraction) error {
	if err := x.checkZipDirectory(); err != nil {
		return err
	}
	zr, err := zip.NewReader(srcReaderAt{x.s}, x.s.size)
	if err != nil {
		return corruptf("unreadable zip directory: %v", err)
	}
	if len(zr.File) > maxZipEntries {
		return api.Errorf(api.ReasonSourceTooLarge, "%s: zip directory of %d entries is over the limit of %d",
			displayName(x.name), len(zr.File), maxZipEntries)
	}
	for _, f := range zr.File {
		if f.Name != "META-INF/metadata.xml" {
			continue
		}
		limit := x.b.opts.MaxSegmentBytes
		if f.UncompressedSize64 > uint64(limit) {
			x.b.warn("%s: %d bytes is over the limit of %d (MaxSegmentBytes); skipped", f.Name, f.UncompressedSize64, limit)
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return corruptf("%s: %v", f.Name, err)
		}
		defer rc.Close()
		data, err := x.expand(rc, limit, "MaxSegmentBytes", f.Name)
		if err != nil {
			return err
		}
		parseXMP(x.b, data, prioXMP, f.Name)
		dropThumbnailImages(x.b)
		return nil
	}
	x.b.warn("the IDML package has no META-INF/metadata.xml")
	return nil
}

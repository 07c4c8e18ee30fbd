// Package office makes the preview pictures of Office, OpenDocument and
// iWork documents: DOCX/XLSX/PPTX, ODT/ODS/ODP/ODG, the legacy binary
// DOC/XLS/PPT, and Pages/Numbers/Keynote (the formats the registry of
// package format marks OfficeRead).
//
// Two paths, the cheap one first:
//
//   - the raster thumbnail a producer embedded in the package
//     (docProps/thumbnail.jpeg or .png of OOXML, also found through the
//     package relationships; Thumbnails/thumbnail.png of ODF;
//     QuickLook/Thumbnail.jpg, preview.jpg and preview-web.jpg of iWork),
//     read in pure Go from the zip under limits (entry count, part size,
//     expansion ratio), used when it fills the rendition's box without
//     being enlarged and the first page is asked;
//   - otherwise the page asked, converted to a one-page PDF by LibreOffice
//     headless (`soffice --convert-to pdf`, only that page exported), run
//     caged (package cage) with a private profile; the caller renders the
//     PDF with the image engine like any PDF source.
//
// An encrypted document is SourceUnsupported (an ODF whose manifest
// lists encryption data, a zip with encrypted entries, an OLE2 file with
// encryption streams: encrypted OOXML or PowerPoint), a document whose
// properties declare more than Options.MaxPages pages is SourceTooLarge
// before LibreOffice loads it.
//
// The package is pure Go; LibreOffice is an external program, so the
// action that uses it (actions/office) carries the heavy dependency and
// the thumbnail action does not.
package office

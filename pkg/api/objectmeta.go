package api

// The user metadata keys a worker stores with every rendition it uploads to
// an s3:// target (x-amz-meta-acs-request-id, x-amz-meta-acs-rendition;
// presigned and local targets carry no metadata). The storage-event action
// reads them back to recognise renditions a previous delivery of the same
// notification already made. They are part of the stored objects'
// contract: renaming one makes every existing rendition look new.
const (
	// ObjectMetaRequestID holds the requestId of the request that made
	// the rendition.
	ObjectMetaRequestID = "acs-request-id"
	// ObjectMetaRendition holds the rendition's name.
	ObjectMetaRendition = "acs-rendition"
)

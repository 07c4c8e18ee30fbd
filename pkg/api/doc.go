// Package api is the wire contract of the Asset Compute service: the processing
// request a client sends, the rendition instructions inside it, the events the
// service emits (one per rendition), the error reasons those events carry, the
// messages exchanged between the orchestrator and its worker actions
// (WorkerRequest, WorkerResult), the batch the storage-event action hands the
// orchestrator and its result (StorageEventBatch, BatchResult), the names of
// the built-in actions and the event metadata keys whose type the contract
// fixes.
//
// A request names one source asset and a list of renditions. Decoding a request
// (DecodeRequest) separates two kinds of problem: a request that is unusable as
// a whole (malformed JSON, no source, no rendition list) is returned as an
// *InvalidRequestError that still lists the renditions it could identify, so
// the caller can emit one rendition_failed event for each; a single rendition
// with bad instructions only fails that rendition (Rendition.Invalid), and the
// rest of the request goes ahead.
//
// Every failure carries a Reason from a small fixed set. Reasons are part of
// the contract: clients branch on them and tests assert them.
//
// # Validation before any work
//
// Everything that can be judged from the request alone is judged when it is
// decoded, before a worker is invoked or a byte of the source is fetched:
//
//   - each field on its own (type, range, form), by ParseRendition;
//   - the instructions against the fmt, by Rendition.Validate: an
//     instruction the fmt cannot honour (quality on png, interlace on
//     webp, compressionLevel on anything but png, animated on jpg, dpi or
//     xmp on gif, any image instruction on a text or metadata rendition,
//     a smart crop without both sizes, crop or watermark on an mp4 preview
//     clip, maxDuration or bitrate on anything but mp4, ...) is refused, never silently
//     dropped; see Validate for the full list;
//   - the renditions against each other, by Request.CheckRenditions: a
//     rendition whose target an earlier rendition already writes to (the
//     same s3://bucket/key, the same URL whatever its query, the same
//     local path once cleaned) is refused, naming both renditions and the
//     target without its query; the earlier one goes ahead.
//
// All three refuse with GenericError, whose message names the field, the
// value given and the fmt. RenditionFormatUnsupported is kept for the fmt
// itself: a fmt the service (or the routed action, or this build) cannot
// make at all. A custom worker's renditions (worker set) are checked field
// by field and for shared targets only: the worker defines what its other
// instructions mean. What needs the source's bytes (a crop outside the
// image, a page it does not have) is checked by the engine that reads them,
// also with GenericError.
//
// # Which condition gives which reason
//
// The same condition gives the same reason whichever family is asked for
// (image: png, jpg, ...; metadata: xmp, machine-metadata-json; text; video:
// mp4, a preview clip), and
// whichever worker meets it first. Workers, the transfer layer and the
// orchestrator all follow this table; a condition that is not in it is a
// GenericError.
//
//	Condition                                                  Reason
//	---------------------------------------------------------  --------------------------
//	The request
//	  malformed JSON, no source, a missing, empty or           GenericError, for every
//	    oversized renditions list                              rendition (the request is
//	                                                           invalid as a whole)
//	  an invalid instruction value or combination, a target    GenericError
//	    another rendition already writes to
//	  fmt unknown, or not made by this deployment or build;    RenditionFormatUnsupported
//	    a worker not on the allow-list; its action not
//	    deployed; a fmt the routed action does not make
//	The source reference
//	  a scheme, host, address or redirect the service          SourceUnsupported
//	    refuses (private networks in production, local
//	    paths outside local mode, gopher:, ...)
//	  a URL that cannot be parsed (https:x) or resolved        SourceUnsupported, at once,
//	    (https://2130706433/, no such host)                    without retries
//	  a source that is not a regular file, or a data: URI      SourceUnsupported
//	    without a comma
//	  404, 401 or 403 from the storage                         GenericError
//	  429, 5xx or a network failure that persists through      GenericError, naming the
//	    the retries                                            cause
//	  a response that stalls, in its headers or its body,      Timeout
//	    after the same retry policy
//	  larger than the source size limit (announced or          SourceTooLarge
//	    counted while streaming)
//	The source's bytes
//	  zero bytes                                               SourceCorrupt, for every
//	                                                           family
//	  a data: URI whose base64 or escapes are invalid          SourceCorrupt
//	  a type the family cannot read (a text file for an        SourceFormatUnsupported
//	    image, an image for text, unknown binary data; an
//	    image or audio file for an mp4 preview clip, which
//	    needs a video stream)
//	  a known type in a variant no engine decodes (lossless    SourceFormatUnsupported
//	    JPEG, SOF3; a legacy binary Office file)
//	  truncated, or a header or body that cannot be decoded    SourceCorrupt
//	  encrypted or password-protected (a PDF, an Office        SourceUnsupported, for every
//	    document), or an archive nested in a document          family
//	  declares more pixels, pages or frames than the limits    SourceTooLarge, from the
//	    (a PNG 2^31-1 px wide), or expands past the            header, before decoding
//	    decompression limit (a zip or stream bomb)
//	The rendition
//	  the source has no page the page instruction names; a     GenericError
//	    crop outside the source
//	  more output pixels than the limit; a jpegSize that       RenditionTooLarge, with
//	    quality 1 exceeds; more bytes than the worker's        repo:size in the event
//	    limit, or than embedBinaryLimit with no target; a      metadata when the size is
//	    target that answers 413 (HTTP, or S3                   known
//	    EntityTooLarge)
//	  the worker wrote no output, panicked, crashed, or set    GenericError
//	    metadata of the wrong type (CheckMetadata)
//	  the target refuses the upload (403, 404), or a network   GenericError, naming the
//	    failure persists through the retries                   cause
//	Orchestration
//	  not finished before the activation's or the request's    Timeout
//	    deadline; an action killed at its time limit
//	  the OpenWhisk API host cannot be reached (no such        GenericError, naming the
//	    host, connection refused, untrusted certificate)       host and __OW_API_HOST
//
// A worker's own reason always wins: a custom worker that returns an
// *Error with SourceCorrupt reports SourceCorrupt.
package api

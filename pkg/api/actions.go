package api

// The names of the service's own actions, as deployed (a deployment may
// prefix them with a package, "asset-compute/thumbnail"). Which action
// makes which rendition family is process.DefaultActions.
const (
	// ActionThumbnail makes image renditions (FamilyImage).
	ActionThumbnail = "thumbnail"
	// ActionMetadata makes metadata renditions (FamilyMetadata).
	ActionMetadata = "metadata"
	// ActionFulltext makes text renditions (FamilyText).
	ActionFulltext = "fulltext"
	// ActionOffice makes the image renditions of Office, OpenDocument and
	// iWork sources (embedded thumbnails, LibreOffice): it carries
	// LibreOffice, which the thumbnail action does not.
	ActionOffice = "office"
	// ActionProcess is the orchestrator: it takes a processing request
	// (or a StorageEventBatch) and invokes the worker actions.
	ActionProcess = "process"
	// ActionStorageEvent turns a bucket notification into a processing
	// request or a StorageEventBatch for ActionProcess.
	ActionStorageEvent = "storage-event"
)

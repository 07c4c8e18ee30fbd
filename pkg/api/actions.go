package api

// The names of the service's own actions, as deployed (a deployment may
// prefix them with a package, "asset-compute/thumbnail").
const (
	// ActionThumbnail makes image renditions (FamilyImage).
	ActionThumbnail = "thumbnail"
	// ActionMetadata makes metadata renditions (FamilyMetadata).
	ActionMetadata = "metadata"
	// ActionFulltext makes text renditions (FamilyText).
	ActionFulltext = "fulltext"
	// ActionProcess is the orchestrator: it takes a processing request
	// (or a StorageEventBatch) and invokes the worker actions.
	ActionProcess = "process"
	// ActionStorageEvent turns a bucket notification into a processing
	// request or a StorageEventBatch for ActionProcess.
	ActionStorageEvent = "storage-event"
)

// BuiltinAction returns the built-in worker action that makes renditions
// of family, and false for a family no built-in action makes.
func BuiltinAction(family Family) (string, bool) {
	switch family {
	case FamilyImage:
		return ActionThumbnail, true
	case FamilyMetadata:
		return ActionMetadata, true
	case FamilyText:
		return ActionFulltext, true
	}
	return "", false
}

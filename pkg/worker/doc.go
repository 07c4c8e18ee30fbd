// Package worker runs the lifecycle of a worker activation, and is the SDK
// for writing custom workers.
//
// A worker action receives one source and a batch of renditions of it
// (api.WorkerRequest). The lifecycle is the same for every worker, built-in
// or custom:
//
//  1. fetch the source once into a private temporary directory (size-capped,
//     SHA-1 computed while streaming);
//  2. call the worker's function for each rendition (RenditionFunc), or once
//     for the whole batch (BatchFunc), with a path to write the output to;
//  3. check the output, compute its metadata (repo:size, repo:sha1,
//     dc:format, and tiff:imageWidth/tiff:imageHeight for images), and either
//     embed it in the result as a data: URI (when it fits embedBinaryLimit)
//     or upload it to the rendition's target;
//  4. return one api.RenditionResult per rendition, in batch order.
//
// Whatever happens, the temporary directory is removed and every rendition
// gets exactly one result. A function that panics fails its rendition
// instead of the process. A watchdog fails the renditions that are still
// unfinished shortly before the activation's deadline with reason Timeout, so
// the result reaches the orchestrator before OpenWhisk kills the activation.
//
// The smallest custom worker is a main that hands one function to Main:
//
//	func main() {
//		worker.Main(func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
//			return os.WriteFile(r.Path, []byte("hello"), 0o644)
//		})
//	}
//
// Errors returned by the function become the rendition's errorReason and
// errorMessage: return an *api.Error (api.Errorf) to choose the reason;
// other errors are reported as GenericError.
package worker

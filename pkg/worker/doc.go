// Package worker runs the lifecycle of a worker activation, and is the SDK
// for writing custom workers.
//
// A worker action receives one source and a batch of renditions of it
// (api.WorkerRequest). The lifecycle is the same for every worker, built-in
// or custom:
//
//  1. fetch the source once into a private temporary directory (size-capped,
//     SHA-1 computed while streaming), or, for a worker with
//     Options.RangedSource, open it for reading in byte ranges;
//  2. call the worker's function for each rendition (RenditionFunc), or once
//     for the whole batch (BatchFunc), with the source (Source.Path and
//     Source.Reader) and a path to write the output to;
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
// # Reading only part of the source
//
// A function that needs a small part of a possibly huge source (headers,
// metadata blocks) should not pay for downloading all of it. Such a worker
// sets Options.RangedSource and reads Source.Reader, an io.ReaderAt:
//
//	func main() {
//		worker.MainWith(func(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
//			head := make([]byte, 512)
//			n, err := src.Reader.ReadAt(head, 0)
//			if err != nil && err != io.EOF {
//				return err
//			}
//			return os.WriteFile(r.Path, []byte(http.DetectContentType(head[:n])), 0o644)
//		}, func(o *worker.Options) { o.RangedSource = true })
//	}
//
// Reads of an https:// or s3:// source then become HTTP Range requests or
// S3 ranged GETs of aligned 64 KiB blocks, kept in a small cache, with the
// transfer package's retries, address guard and redaction; a 2 GB TIFF
// costs a few of them. Source.Path is empty and Source.SHA1 usually is.
// Where ranges cannot be used (a server that ignores them, a data: URI)
// the source is downloaded into the activation directory as usual, and
// Source.Reader reads that copy, so the function needs no second path.
// Reading is bounded by the transfer size limit counted over the bytes
// actually read, not the source's size. The lifecycle logs the bytes and
// requests spent ("source read").
//
// Without RangedSource, Source.Reader reads the downloaded file at
// Source.Path, so a function written against Reader works either way.
// A function that hands some sources to a file-reading engine calls
// Source.LocalPath: the file at Path, a local source read in place (never
// copied, never removed), or a copy of a ranged source made once for all
// the renditions of the activation. Source.Once shares other work between
// them (an index), Source.Dir holds its files, and Source.Ranged tells
// what has been fetched so far.
//
// Errors returned by the function become the rendition's errorReason and
// errorMessage: return an *api.Error (api.Errorf) to choose the reason;
// other errors are reported as GenericError.
//
// # Deployment settings
//
// The storage and network settings, the source size limit and the engine
// limits come from package settings: DefaultOptions reads them from the
// environment once (Options.Settings), and each activation may override
// them with the parameters OpenWhisk binds to it (the package parameters,
// such as s3Endpoint or imageMaxSourcePixels). The lifecycle fetches the
// source with a transfer client built for the merged settings and hands
// them to the function as Source.Settings, from which an engine takes its
// limits (Settings.ApplyImage, ApplyText, ApplyMeta). A parameter that
// cannot be used fails the activation with GenericError naming it.
//
// # Custom workers
//
// A custom worker reads its own rendition instructions, the keys the
// contract does not define included, with Rendition.Decode (into a struct)
// or Rendition.ExtraValue (one key); its deployment parameters, such as
// an API endpoint and key bound at deploy time, with Param. A team that
// wraps a command-line tool hands a shell script to Script instead of
// writing Go (actions/script-worker deploys one). The lifecycle enforces
// the same limits for every worker: MaxRenditionBytes (RenditionTooLarge),
// the activation deadline (Timeout), no output or an empty one
// (GenericError, unless the function set Rendition.AllowEmpty), a panic
// (GenericError), metadata of the wrong type, such as a dc:format that is
// not a media type string (GenericError naming the key).
// docs/custom-workers.md walks through writing, testing
// (`acs test-worker`, package workertest), building and deploying one.
package worker

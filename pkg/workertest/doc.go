// Package workertest is the worker test framework behind
// `acs test-worker`: it runs a worker action's real binary through the
// OpenWhisk action loop against a folder of cases, and judges the outputs
// with measures that survive library upgrades.
//
// # Cases
//
// The cases of an action live in test/cases/<action>/<case>/, one folder
// per case:
//
//	file.<ext>          the source asset
//	params.json         the rendition instructions (fmt, width, unknown
//	                    keys for custom workers...); the key errorReason
//	                    makes the case an expected failure: the rendition
//	                    must fail with that reason. Without fmt and
//	                    worker, worker is set to the action's name; name
//	                    defaults to rendition.<ext of rendition.*>, and
//	                    target is always a local file
//	rendition.<ext>     the expected output (absent in failure cases)
//	metadata.json       optional: metadata the result must carry (a
//	                    subset of the result's metadata)
//	mock-<host>.json    optional: a local stand-in for an external host
//	                    (see Mock)
//	action-params.json  optional: action parameters for the activation
//	                    (also read from test/cases/<action>/)
//	case.json           optional: comparison settings (CaseOptions)
//
// # aio suites
//
// A suite laid out for `aio asset-compute test-worker`,
// test/asset-compute/<worker>/<case>/, runs unchanged with Options.Layout
// LayoutAIO: params.json is optional, fmt defaults to the extension of
// rendition.<ext>, errorReason may name the SDK's error (SourceCorruptError),
// a validate script (`bash -x validate EXPECTED ACTUAL`, run caged with
// the case's deadline) replaces the comparison, mock-<host>.json may hold
// MockServer expectations reached under the host's own name through a
// local proxy, and file*.link / rendition*.link name files
// stored elsewhere, fetched once into Options.LinkCache. A case that
// cannot run is reported as an error (Result.Error) while the others run;
// WriteResults writes aio's test-results.xml and test-timing-results.csv,
// and Options.FailedDir receives the renditions of failed cases.
//
// # Running
//
// Run builds the action (go build of actions/<action>, or any folder
// given as Options.BuildDir), starts it the way the OpenWhisk Go runtime
// does (parameters on stdin, result on fd 3, no PATH, the activation
// deadline in the activation line; see package owaction), and sends each
// case as a worker request whose source is the local file.* and whose
// target is a local file. The environment is LocalEnv, so the worker's
// transfer client accepts local files and plain-http local stand-ins.
//
// # Comparing
//
// The measure follows the expected output's extension:
//
//   - images (png, jpg, gif, webp, tiff, bmp): the dimensions must be equal,
//     and the PSNR of the two images reduced to 64 pixels on the long side
//     must reach a threshold (Options.MinPSNR, default 30 dB). Never bytes:
//     two libvips versions do not encode alike.
//   - .json: structurally; keys matching Options.IgnoreKeys (dates, SHA-1,
//     sizes; see DefaultIgnoreKeys) are skipped; numbers compare with a
//     relative tolerance of 1e-6.
//   - .xmp and .xml: as text after removing ignored properties and
//     normalising white space.
//   - anything else: as text after normalising white space.
//
// # External hosts
//
// A worker that calls an external API is pointed at a stand-in by naming
// the host in its parameters: for a file mock-api.tagger.example.json,
// every "https://api.tagger.example" and "http://api.tagger.example" in
// params.json and action-params.json is replaced, before the activation,
// with the URL of a local HTTP server answering as the file says.
//
// # Updating
//
// With Options.Update the outcome of every case that does not pass
// becomes its expectation (passing cases are left alone): rendition.* is
// written from the output (keeping its extension, or choosing one from
// the rendition's name or fmt), metadata.json is rewritten when it
// exists, and errorReason is set or removed in params.json.
package workertest

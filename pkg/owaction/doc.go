// Package owaction runs Go code as an Apache OpenWhisk action and, for tests
// and local tooling, plays the OpenWhisk side of the conversation.
//
// # The action loop
//
// An OpenWhisk Go action is a Linux executable named exec, shipped in a zip
// next to a file exec.env that names the runtime image it was built for. The
// runtime's proxy starts exec once per container, with an environment that
// holds only the __OW_* variables and the action's init env (no PATH, no
// HOME), and then talks to it over three file descriptors:
//
//   - fd 0 (stdin) carries one JSON object per line, one line per activation:
//     {"value": {...params...}, "activation_id": "...", "deadline": "...", ...}.
//     Lines can be megabytes long; they are read with no length cap.
//   - fd 3 carries the answers: when __OW_WAIT_FOR_ACK is set the action first
//     writes {"ok":true} once, then exactly one JSON object line per input
//     line. A result that is not a JSON object is refused by the proxy.
//   - fd 1 and fd 2 (stdout, stderr) are the activation log.
//
// Every field of an input line other than value is exported to the
// environment as __OW_<FIELD IN UPPER CASE> (activation_id becomes
// __OW_ACTIVATION_ID, deadline becomes __OW_DEADLINE, ...). The deadline is a
// string of epoch milliseconds.
//
// [Run] implements that loop for an action's main function on top of
// [Serve], which works on any reader and writer and is what the tests drive.
// A [Handler] gets the parameters and a context that carries the deadline and
// the [Activation]; its error becomes {"error": "<message>", "errorDetail":
// {"reason", "message"}} with the reason and message of package api (the
// message as a string where OpenWhisk's clients read it), and a panic is recovered into such an
// error instead of killing the container.
//
// # The harness
//
// [Process] starts an action executable exactly as the runtime's proxy does
// and exchanges lines with it, and [Proxy] wraps it in the runtime's HTTP
// interface (POST /init with a base64 zip, POST /run with an activation), so
// that tests and a local development server can run real action binaries
// without OpenWhisk. [ZipAction] builds the zip that /init expects.
package owaction

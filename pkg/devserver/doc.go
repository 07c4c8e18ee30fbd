// Package devserver is a local OpenWhisk-compatible controller for
// development and tests. It serves the subset of the OpenWhisk REST API that
// the wsk CLI, wskdeploy and openwhisk-client-go use, under /api/v1, with
// Basic authentication by one namespace key:
//
//	GET    /api/v1, /                                   server info and runtimes
//	GET    /api/v1/namespaces                           ["guest"]
//	PUT    /api/v1/namespaces/NS/packages/NAME          create, update (?overwrite=true), bind
//	GET    /api/v1/namespaces/NS/packages[/NAME]        list, get
//	DELETE /api/v1/namespaces/NS/packages/NAME
//	PUT    /api/v1/namespaces/NS/actions/[PKG/]NAME     kinds go:*, blackbox (zip with exec), sequence
//	GET    /api/v1/namespaces/NS/actions[/[PKG/]NAME]   list, get
//	POST   /api/v1/namespaces/NS/actions/[PKG/]NAME     invoke (?blocking=true&result=true)
//	DELETE /api/v1/namespaces/NS/actions/[PKG/]NAME
//	GET    /api/v1/namespaces/NS/activations[/ID[/result|/logs]]
//	PUT, GET, DELETE, POST (fire)  /api/v1/namespaces/NS/triggers/NAME
//	PUT, GET, DELETE, POST (state) /api/v1/namespaces/NS/rules/NAME
//	ANY    /api/v1/web/NS/PKG/ACTION[.json|.http][/PATH]  web actions
//
// With Options.AssetCompute.Verifier set, it also serves the Asset Compute
// HTTP API, authenticated by a bearer token, x-api-key and x-gw-ims-org-id:
//
//	POST   /register, /unregister                       a client (org + API key) and its journal
//	POST   /process                                     invoke the process action; 429 when busy
//	GET    /events/journal/ID[?since=POS|latest=true]   the client's events (package journal)
//
// Errors have OpenWhisk's shape {"error": "...", "code": N} and status codes.
//
// Actions run on this machine: an action's zip is unpacked once when it is
// created, and its exec runs through the OpenWhisk action loop (the harness
// of pkg/owaction: __OW_WAIT_FOR_ACK, one JSON line in on stdin, one line out
// on fd 3). Warm processes are kept per action in a bounded pool and closed
// after an idle timeout; a process that crashes or exceeds the action's time
// limit is killed and discarded. Activation records, with their logs, are
// kept in a bounded in-memory store. Everything lives in memory: a restart
// forgets all entities.
//
// A Server is an http.Handler; [Server.Close] stops every action process.
package devserver

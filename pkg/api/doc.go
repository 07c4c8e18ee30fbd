// Package api is the wire contract of the Asset Compute service: the processing
// request a client sends, the rendition instructions inside it, the events the
// service emits (one per rendition), the error reasons those events carry, and
// the messages exchanged between the orchestrator and its worker actions.
//
// A request names one source asset and a list of renditions. Decoding a request
// (DecodeRequest) separates two kinds of problem: a request that is unusable as
// a whole (malformed JSON, no source, no rendition list) is returned as an
// *InvalidRequestError that still lists the renditions it could identify, so
// the caller can emit one rendition_failed event for each; a single rendition
// with bad instructions only fails that rendition (Rendition.Err), and the
// rest of the request goes ahead.
//
// Every failure carries a Reason from a small fixed set. Reasons are part of
// the contract: clients branch on them and tests assert them.
package api

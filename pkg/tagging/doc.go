// Package tagging asks an external vision service for a picture's tags
// (labels with a confidence), through a Provider the deployment configures
// (package settings: taggingProvider, taggingEndpoint, taggingKey, ...),
// and merges them with the tags the local analysis features give (Select).
//
// The built-in providers:
//
//   - "rekognition": Amazon Rekognition DetectLabels through the AWS SDK
//     (service/rekognition), static credentials taggingAccessKeyId and
//     taggingSecretAccessKey (and taggingSessionToken), region
//     taggingRegion (default us-east-1);
//   - "google-vision": Google Cloud Vision images:annotate with
//     LABEL_DETECTION over REST, with an API key (taggingKey, sent in the
//     X-Goog-Api-Key header, never in the URL) or an OAuth access token
//     (taggingToken, a bearer token);
//   - "http": the generic contract of the example-tagger action: the JPEG
//     POSTed to taggingEndpoint (Content-Type image/jpeg, "Authorization:
//     Bearer <taggingKey>" when a key is set), and an answer
//     {"labels": [{"name": "dog", "score": 0.93}, ...]} with scores from
//     0 to 1.
//
// A provider is sent a small JPEG of the decoded picture (the analysis
// picture, at most 384 pixels on its long side, without metadata), never
// the source file. taggingEndpoint overrides the service URL of the first
// two (a regional endpoint, a proxy).
//
// # Network, retries, errors
//
// Every call goes through the HTTP client of package transfer (Options.HTTP
// = transfer.Client.HTTPClient), so its address guard applies: a provider
// on a loopback or private address is refused unless the deployment sets
// allowPrivateNetworks (tests, local mode), and an http:// endpoint unless
// it sets allowHttp. Each attempt is bounded by taggingTimeout (default
// 15 s); 429, 408, 5xx (and Rekognition's throttling errors), network
// failures and attempts cut off by the timeout are retried, 3 attempts in
// all, with the module's backoff (Retry-After honoured, up to 5 s). Other
// answers are final.
//
// Every error carries a reason and a message safe to show a client: a
// configuration at fault names the setting to check (taggingKey,
// taggingEndpoint, ...), an answer that is not the provider's documented
// JSON says what is wrong with it, attempts cut off by the timeout give
// the Timeout reason. No error or log line holds a key, a token or a
// secret access key: configured secrets are removed from any text a
// provider answers before it is used.
package tagging

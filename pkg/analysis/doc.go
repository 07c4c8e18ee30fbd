// Package analysis computes what can be told of a picture without a model:
// its dominant colours (with names and basic colour terms), perceptual
// hashes (pHash, dHash), quality scores (sharpness, exposure, contrast,
// colourfulness) and faces (package faces: boxes, confidence, tags). It is pure Go and works on a small decoded picture
// (image.Engine.Pixels gives one, at most MaxSide pixels on its long
// side); the thumbnail action writes its Report as the analysis rendition
// (fmt analysis). The keys of that rendition are documented in
// pkg/meta/KEYS.md, namespace acs-ai.
//
// Every value is deterministic: the same pixels give the same report.
// Pixels whose alpha is below half are transparent and ignored by the
// colours and the quality scores; the hashes are computed on the picture
// flattened over white.
package analysis

package meta

import "strings"

// Namespace URIs of the properties this package produces. The prefixes are
// the conventional ones; JSON keys and the XMP packet use them.
const (
	NSdc           = "http://purl.org/dc/elements/1.1/"
	NSxmp          = "http://ns.adobe.com/xap/1.0/"
	NSxmpRights    = "http://ns.adobe.com/xap/1.0/rights/"
	NSxmpMM        = "http://ns.adobe.com/xap/1.0/mm/"
	NStiff         = "http://ns.adobe.com/tiff/1.0/"
	NSexif         = "http://ns.adobe.com/exif/1.0/"
	NSexifEX       = "http://cipa.jp/exif/1.0/"
	NSaux          = "http://ns.adobe.com/exif/1.0/aux/"
	NSphotoshop    = "http://ns.adobe.com/photoshop/1.0/"
	NSIptc4xmpCore = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
	NSIptc4xmpExt  = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
	NSpdf          = "http://ns.adobe.com/pdf/1.3/"
	NSxmpTPg       = "http://ns.adobe.com/xap/1.0/t/pg/"
	// NSacs holds facts about the file that have no standard XMP property
	// (channel count, frame count, colour space name, thumbnail, ...).
	NSacs = "http://ns.assetcompute.io/acs/1.0/"

	nsRDF     = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	nsX       = "adobe:ns:meta/"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	nsXmpNote = "http://ns.adobe.com/xmp/note/"
)

// knownNS lists the registered prefixes in the order the XMP packet and
// KEYS.md present them.
var knownNS = []struct{ prefix, uri string }{
	{"dc", NSdc},
	{"xmp", NSxmp},
	{"xmpRights", NSxmpRights},
	{"xmpMM", NSxmpMM},
	{"xmpTPg", NSxmpTPg},
	{"pdf", NSpdf},
	{"photoshop", NSphotoshop},
	{"Iptc4xmpCore", NSIptc4xmpCore},
	{"Iptc4xmpExt", NSIptc4xmpExt},
	{"tiff", NStiff},
	{"exif", NSexif},
	{"exifEX", NSexifEX},
	{"aux", NSaux},
	{"acs", NSacs},
	{"acs-ai", NSacsAI},
	{"xmpDM", "http://ns.adobe.com/xmp/1.0/DynamicMedia/"},
	{"xmpBJ", "http://ns.adobe.com/xap/1.0/bj/"},
	{"xmpidq", "http://ns.adobe.com/xmp/Identifier/qual/1.0/"},
	{"crs", "http://ns.adobe.com/camera-raw-settings/1.0/"},
	{"lr", "http://ns.adobe.com/lightroom/1.0/"},
	{"plus", "http://ns.useplus.org/ldf/xmp/1.0/"},
	{"mwg-rs", "http://www.metadataworkinggroup.com/schemas/regions/"},
	{"mwg-kw", "http://www.metadataworkinggroup.com/schemas/keywords/"},
	{"stEvt", "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"},
	{"stRef", "http://ns.adobe.com/xap/1.0/sType/ResourceRef#"},
	{"stDim", "http://ns.adobe.com/xap/1.0/sType/Dimensions#"},
	{"xmpG", "http://ns.adobe.com/xap/1.0/g/"},
	{"GPano", "http://ns.google.com/photos/1.0/panorama/"},
	{"xmpNote", nsXmpNote},
}

var (
	prefixByURI = map[string]string{}
	uriByPrefix = map[string]string{}
	nsRank      = map[string]int{}
)

func init() {
	for i, n := range knownNS {
		prefixByURI[n.uri] = n.prefix
		uriByPrefix[n.prefix] = n.uri
		nsRank[n.prefix] = i
	}
}

// splitKey returns the prefix and local name of "prefix:Name".
func splitKey(key string) (prefix, name string) {
	if i := strings.IndexByte(key, ':'); i > 0 {
		return key[:i], key[i+1:]
	}
	return "", key
}

// ptype is the XMP value type of a known property, used to type values that
// arrive as text (from XMP, PDF, office documents) and to check EXIF values.
type ptype uint8

const (
	tText ptype = iota
	tInt
	tReal
	tRational
	tDate
	tBool
	tGPS
)

// propTypes gives the type of the known properties that are not text. For
// a list property it is the type of its items.
var propTypes = map[string]ptype{
	"xmp:CreateDate": tDate, "xmp:ModifyDate": tDate, "xmp:MetadataDate": tDate,
	"xmp:Rating":            tReal,
	"xmpRights:Marked":      tBool,
	"xmpTPg:NPages":         tInt,
	"photoshop:DateCreated": tDate, "photoshop:Urgency": tInt, "photoshop:ColorMode": tInt,
	"tiff:ImageWidth": tInt, "tiff:ImageLength": tInt, "tiff:BitsPerSample": tInt,
	"tiff:Compression": tInt, "tiff:PhotometricInterpretation": tInt, "tiff:Orientation": tInt,
	"tiff:SamplesPerPixel": tInt, "tiff:PlanarConfiguration": tInt, "tiff:YCbCrSubSampling": tInt,
	"tiff:YCbCrPositioning": tInt, "tiff:XResolution": tRational, "tiff:YResolution": tRational,
	"tiff:ResolutionUnit": tInt, "tiff:TransferFunction": tInt, "tiff:WhitePoint": tRational,
	"tiff:PrimaryChromaticities": tRational, "tiff:YCbCrCoefficients": tRational,
	"tiff:ReferenceBlackWhite": tRational, "tiff:DateTime": tDate,
	"exif:ExposureTime": tRational, "exif:FNumber": tRational, "exif:ExposureProgram": tInt,
	"exif:ISOSpeedRatings": tInt, "exif:DateTimeOriginal": tDate, "exif:DateTimeDigitized": tDate,
	"exif:ComponentsConfiguration": tInt, "exif:CompressedBitsPerPixel": tRational,
	"exif:ShutterSpeedValue": tRational, "exif:ApertureValue": tRational,
	"exif:BrightnessValue": tRational, "exif:ExposureBiasValue": tRational,
	"exif:MaxApertureValue": tRational, "exif:SubjectDistance": tRational,
	"exif:MeteringMode": tInt, "exif:LightSource": tInt, "exif:FocalLength": tRational,
	"exif:SubjectArea": tInt, "exif:ColorSpace": tInt, "exif:PixelXDimension": tInt,
	"exif:PixelYDimension": tInt, "exif:FocalPlaneXResolution": tRational,
	"exif:FocalPlaneYResolution": tRational, "exif:FocalPlaneResolutionUnit": tInt,
	"exif:SubjectLocation": tInt, "exif:ExposureIndex": tRational, "exif:SensingMethod": tInt,
	"exif:FileSource": tInt, "exif:SceneType": tInt, "exif:CustomRendered": tInt,
	"exif:ExposureMode": tInt, "exif:WhiteBalance": tInt, "exif:DigitalZoomRatio": tRational,
	"exif:FocalLengthIn35mmFilm": tInt, "exif:SceneCaptureType": tInt, "exif:GainControl": tInt,
	"exif:Contrast": tInt, "exif:Saturation": tInt, "exif:Sharpness": tInt,
	"exif:SubjectDistanceRange": tInt, "exif:GPSLatitude": tGPS, "exif:GPSLongitude": tGPS,
	"exif:GPSAltitudeRef": tInt, "exif:GPSAltitude": tRational, "exif:GPSTimeStamp": tDate,
	"exif:GPSDOP": tRational, "exif:GPSSpeed": tRational, "exif:GPSTrack": tRational,
	"exif:GPSImgDirection": tRational, "exif:GPSDestLatitude": tGPS, "exif:GPSDestLongitude": tGPS,
	"exif:GPSDestBearing": tRational, "exif:GPSDestDistance": tRational, "exif:GPSDifferential": tInt,
	"exif:Flash/exif:Fired": tBool, "exif:Flash/exif:Return": tInt, "exif:Flash/exif:Mode": tInt,
	"exif:Flash/exif:Function": tBool, "exif:Flash/exif:RedEyeMode": tBool,
	"exifEX:PhotographicSensitivity": tInt, "exifEX:SensitivityType": tInt,
	"exifEX:StandardOutputSensitivity": tInt, "exifEX:RecommendedExposureIndex": tInt,
	"exifEX:ISOSpeed": tInt, "exifEX:LensSpecification": tRational, "exifEX:Gamma": tRational,
	"exifEX:CompositeImage": tInt, "exifEX:GPSHPositioningError": tRational,
	"exifEX:Temperature": tRational, "exifEX:Humidity": tRational, "exifEX:Pressure": tRational,
	"aux:ApproximateFocusDistance": tRational, "aux:ImageNumber": tInt, "aux:Lens": tText,
	"pdf:PDFVersion": tText,
	"acs:Channels":   tInt, "acs:FrameCount": tInt, "acs:HasAlpha": tBool, "acs:ThumbnailLength": tInt,
	"acs:ThumbnailWidth": tInt, "acs:ThumbnailHeight": tInt, "acs:ThumbnailCompression": tInt,
	"acs:WordCount": tInt, "acs:CharacterCount": tInt, "acs:Duration": tReal,
	"acs:LoopCount": tInt, "acs:Interlaced": tBool,
	"acs:BoundingBox": tText, "acs:HiResBoundingBox": tText, "acs:Preview": tText,
}

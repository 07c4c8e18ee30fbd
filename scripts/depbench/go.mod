module github.com/assetcompute/assetcompute/scripts/depbench

go 1.26.0

replace github.com/assetcompute/assetcompute => ../..

require (
	github.com/assetcompute/assetcompute v0.0.0-00010101000000-000000000000
	github.com/dsoprea/go-exif/v3 v3.0.1
	github.com/h2non/bimg v1.1.9
)

require (
	github.com/dsoprea/go-logging v0.0.0-20200710184922-b02d349568dd // indirect
	github.com/dsoprea/go-utility/v2 v2.0.0-20221003172846-a3e1774ef349 // indirect
	github.com/esimov/pigo v1.4.6 // indirect
	github.com/go-errors/errors v1.4.2 // indirect
	github.com/golang/geo v0.0.0-20210211234256-740aa86cb551 // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
)

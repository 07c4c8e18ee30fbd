// Command storage-event is the OpenWhisk action that turns a bucket
// notification (AWS S3, SNS, MinIO, versitygw, IBM COS) into a processing
// request for the next step of the on-upload sequence, process. See
// package storageevent.
package main

import (
	"github.com/assetcompute/assetcompute/pkg/owaction"
	"github.com/assetcompute/assetcompute/pkg/storageevent"
)

func main() {
	owaction.Run(storageevent.Handle)
}

package main

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/process"
)

// An API host nothing listens on is a configuration error: every rendition
// fails at once with a message saying what to fix, not as a Timeout after
// retrying until the activation's deadline.
func TestUnreachableAPIHostFailsEveryRenditionAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	s := testServer(t, map[string]string{"__OW_API_HOST": host, "__OW_API_KEY": "u:k", "__OW_NAMESPACE": "guest"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := s.handle(ctx, json.RawMessage(`{"requestId":"r1","source":"https://e.com/a.jpg","renditions":[
		{"fmt":"png","name":"a.png","target":"s3://b/a"},
		{"fmt":"xmp","name":"a.xmp","target":"s3://b/x"},
		{"fmt":"text","name":"a.txt","target":"s3://b/t"}]}`))
	require.NoError(t, err)
	res := out.(*process.Result)
	require.Len(t, res.Events, 3)
	for _, ev := range res.Events {
		assert.Equal(t, api.EventRenditionFailed, ev.Type)
		assert.Equal(t, api.ReasonGeneric, ev.ErrorReason, ev.ErrorMessage)
		assert.Contains(t, ev.ErrorMessage, "the OpenWhisk API host "+host+" cannot be reached (connection refused")
		assert.Contains(t, ev.ErrorMessage, "__OW_API_HOST")
	}
	assert.NoError(t, ctx.Err(), "the renditions were failed before the deadline, not by it")
}

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// The end-to-end behaviour (API stand-ins, crops, failures) is tested by
// the cases in test/cases/example-tagger; these pin down the arithmetic.

func TestClampFocus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		box  *box
		want *api.Crop
	}{
		{"no focus", nil, nil},
		{"inside", &box{10, 20, 30, 40}, &api.Crop{X: 10, Y: 20, W: 30, H: 40}},
		{"partly outside is clipped", &box{-5, 90, 20, 50}, &api.Crop{X: 0, Y: 90, W: 15, H: 10}},
		{"entirely outside is ignored", &box{200, 0, 10, 10}, nil},
		{"empty is ignored", &box{10, 10, 0, 5}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, clamp(tc.box, 100, 100))
		})
	}
}

func TestPickLabels(t *testing.T) {
	t.Parallel()
	labels := []label{{"b", 0.5}, {"a", 0.9}, {"", 1}, {"c", 0.1}, {"d", 0.7}}
	tests := []struct {
		name     string
		minScore float64
		n        int
		names    []string
	}{
		{"best first", 0, 10, []string{"a", "d", "b", "c"}},
		{"below the minimum score dropped", 0.5, 10, []string{"a", "d", "b"}},
		{"at most n", 0, 2, []string{"a", "d"}},
		{"none", 0.95, 10, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			names, scores := pick(labels, tc.minScore, tc.n)
			assert.Equal(t, tc.names, names)
			assert.Len(t, scores, len(names))
		})
	}
}

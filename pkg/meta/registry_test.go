package meta

import (
	"testing"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// TestReadersMatchTheRegistry: Extract has a reader for every format the
// registry says metadata extraction reads, and no reader for a format the
// registry does not say so of (but zip archives, which readZip tells from
// the documents packaged as zip).
func TestReadersMatchTheRegistry(t *testing.T) {
	for _, f := range format.All() {
		_, has := readers[f.Name]
		switch {
		case f.Engines.Has(format.MetaRead) && !has:
			t.Errorf("the registry says metadata extraction reads %s, but it has no reader", f)
		case !f.Engines.Has(format.MetaRead) && has && f.Name != "zip":
			t.Errorf("metadata extraction has a reader for %s, which the registry says it does not read", f)
		}
	}
	for name := range readers {
		if _, ok := format.ByName(name); !ok {
			t.Errorf("reader for %q, which is no format of the registry", name)
		}
	}
}

package devserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestActivationStoreBounds(t *testing.T) {
	rec := func(i int, result string) *record {
		return &record{act: Activation{ActivationID: fmt.Sprint("id", i), Name: "a", Namespace: "guest/p", Start: int64(i),
			Response: newResponse(codeSuccess, json.RawMessage(result))}}
	}
	s := newActivationStore(3, 1<<20)
	for i := range 5 {
		s.put(rec(i, `{}`))
	}
	_, ok := s.get("id1")
	assert.False(t, ok, "the oldest records are dropped")
	_, ok = s.get("id4")
	assert.True(t, ok)
	got := s.list(listQuery{limit: 10})
	assert.Len(t, got, 3)
	assert.Equal(t, "id4", got[0].act.ActivationID, "newest first")
	assert.Len(t, s.list(listQuery{name: "p/a", limit: 10, skip: 1}), 2)
	assert.Empty(t, s.list(listQuery{name: "q/a", limit: 10}))

	big := `{"x":"` + strings.Repeat("y", 600<<10) + `"}`
	s = newActivationStore(100, 1<<20)
	s.put(rec(1, big))
	s.put(rec(2, big))
	_, ok = s.get("id1")
	assert.False(t, ok, "the byte budget drops old records")
	_, ok = s.get("id2")
	assert.True(t, ok, "the newest record is always kept")
}

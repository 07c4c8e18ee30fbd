package worker

import "time"

// The steps of api.Event.Timings the lifecycle measures itself.
const (
	stepFetch  = "fetch"
	stepRender = "render"
	stepUpload = "upload"
	stepTotal  = "total"
)

// stepClock measures the steps of an activation's renditions with
// Options.Now.
type stepClock struct {
	now   func() time.Time
	start time.Time     // the activation's start
	fetch time.Duration // the source's fetch, shared by the renditions
}

// since returns the time from t to now, never negative.
func (c stepClock) since(t time.Time) time.Duration {
	return max(c.now().Sub(t), 0)
}

// timings returns a rendition's api.RenditionResult.Timings: the fetch,
// the steps the function reported (when they fit within work, its whole
// call), the rest of work as "render" (added to a "render" the function
// reported), the upload when one was made, and the total since the
// activation's start; ran is false when the function never ran. Each value is truncated to the microsecond, so the parts,
// which are disjoint intervals of the total, never add up to more than it.
func (c stepClock) timings(steps map[string]time.Duration, ran bool, work, upload time.Duration, uploaded bool) map[string]float64 {
	total := c.since(c.start)
	m := make(map[string]float64, len(steps)+4)
	m[stepFetch] = ms(c.fetch)
	if ran {
		var reported time.Duration
		for _, d := range steps {
			reported += d
		}
		if reported <= work {
			for k, d := range steps {
				m[k] = ms(d)
			}
			m[stepRender] += ms(work - reported)
		} else {
			m[stepRender] = ms(work)
		}
	}
	if uploaded {
		m[stepUpload] = ms(upload)
	}
	m[stepTotal] = ms(total)
	return m
}

// ms is d in milliseconds, truncated to the microsecond.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

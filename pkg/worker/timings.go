package worker

import "time"

// The steps of api.Event.Timings the lifecycle measures itself.
const (
	stepFetch  = "fetch"
	stepWait   = "wait"
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

// measured is what the lifecycle measured of one rendition.
type measured struct {
	ran      bool          // the function was called
	wait     time.Duration // for a free slot (Options.Parallelism)
	work     time.Duration // the function's call
	upload   time.Duration // the uploads
	uploaded bool          // an upload was made
}

// timings returns a rendition's api.RenditionResult.Timings: the fetch,
// the wait for a slot when there was one, the steps the function reported
// (when they fit within its call), the rest of the call as "render" (added
// to a "render" the function reported), the upload when one was made, and
// the total since the activation's start. Each value is truncated to the
// microsecond, so the parts, which are disjoint intervals of the total,
// never add up to more than it.
func (c stepClock) timings(steps map[string]time.Duration, r measured) map[string]float64 {
	total := c.since(c.start)
	m := make(map[string]float64, len(steps)+5)
	m[stepFetch] = ms(c.fetch)
	if w := ms(r.wait); w > 0 {
		m[stepWait] = w
	}
	if r.ran {
		var reported time.Duration
		for _, d := range steps {
			reported += d
		}
		if reported <= r.work {
			for k, d := range steps {
				m[k] = ms(d)
			}
			m[stepRender] += ms(r.work - reported)
		} else {
			m[stepRender] = ms(r.work)
		}
	}
	if r.uploaded {
		m[stepUpload] = ms(r.upload)
	}
	m[stepTotal] = ms(total)
	return m
}

// ms is d in milliseconds, truncated to the microsecond.
func ms(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

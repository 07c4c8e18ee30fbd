package worker

import (
	"github.com/assetcompute/assetcompute/pkg/settings"
)

// activationSettings returns the deployment settings of an activation:
// Options.Settings overridden by those its parameters set (on OpenWhisk,
// the package parameters; see package settings), and its transfer client:
// Options.Transfer when the parameters set none or the worker cannot build
// others, otherwise Options.NewTransfer's for the merged settings. A
// parameter that cannot be used is a GenericError naming it.
func (w *Worker) activationSettings(ap activationParams) (settings.Settings, Transfer, error) {
	if ap.err != nil {
		return settings.Settings{}, nil, ap.err
	}
	p, err := settings.FromParamFields(ap.fields)
	if err != nil {
		return settings.Settings{}, nil, err
	}
	if p.IsZero() {
		return w.opts.Settings, w.opts.Transfer, nil
	}
	s := w.opts.Settings.Override(p)
	if w.opts.NewTransfer == nil {
		return s, w.opts.Transfer, nil
	}
	tr, err := w.opts.NewTransfer(s)
	if err != nil {
		return settings.Settings{}, nil, err
	}
	return s, tr, nil
}

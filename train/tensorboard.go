package train

import (
	"github.com/useful-pipeline/useful-pipeline/graphs/events"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// TensorBoard attaches an event-file writer to l: after every epoch the
// row of the curve (loss, accuracy, error, learning rate, images/s, test
// accuracy when measured, the toy's feature measurements) is written under
// dir at step = epoch and flushed. extra, if set, is written once at the
// start (e.g. the cluster sizes at t). A resumed run starts a new file at
// its first new epoch, which TensorBoard's readers take over from the old
// file's points at those steps (graphs/events). Attach it after the
// checkpoint hook, so it knows where a resumed run starts.
func TensorBoard(l *Loop, dir rundir.Folder, extra func(w *events.Writer) error) {
	var w *events.Writer
	l.OnStart(func(st *State) error {
		var err error
		if w, err = events.Create(dir.Path(), int64(st.Next)+1); err != nil {
			return err
		}
		if extra != nil && st.Next == 0 {
			if err := extra(w); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	l.OnEpochEnd(func(st *State) error {
		if err := w.Scalars(int64(st.Next), Scalars(st.Curves[len(st.Curves)-1])); err != nil {
			return err
		}
		return w.Flush()
	})
	l.OnEnd(func(st *State) error { return w.Close() })
	l.OnFail(func(st *State, err error) error {
		if w != nil {
			w.Close()
		}
		return err
	})
}

// Scalars are the TensorBoard tags and values of one row of a curve.
func Scalars(r rundir.EpochStats) map[string]float64 {
	m := map[string]float64{
		"train/loss": r.Loss, "train/accuracy": r.Accuracy, "train/error": r.TrainingError(),
		"train/learning_rate": r.LR, "train/images_per_s": r.ImagesPerSec,
	}
	if r.TestAccuracy != nil {
		m["test/accuracy"] = *r.TestAccuracy
	}
	for k, v := range r.Features {
		m["toy/"+k] = v
	}
	return m
}

package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress attaches the user's view of a run to l: with bars, one progress
// bar over all the run's steps whose description carries the epoch and the
// running loss and accuracy; without, a log line (through logf) about 50
// times per run and after the last epoch.
func Progress(l *Loop, out io.Writer, bars bool, logf func(format string, a ...any)) {
	if !bars {
		every := max(1, l.Epochs/50)
		l.OnEpochEnd(func(st *State) error {
			if st.Next%every == 0 || st.Next == l.Epochs {
				r := st.Curves[len(st.Curves)-1]
				logf("%s: epoch %d/%d lr %.4g loss %.4f acc %.2f%% (%.2fs, %.0f img/s)", l.Name, st.Next, l.Epochs, r.LR, r.Loss, 100*r.Accuracy, r.Seconds, r.ImagesPerSec)
			}
			return nil
		})
		return
	}
	var bar *progressbar.ProgressBar
	l.OnStart(func(st *State) error {
		if st.Next >= l.Epochs {
			return nil
		}
		bar = progressbar.NewOptions(l.Epochs*st.StepsPerEpoch, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription(l.Name),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond))
		bar.Set(st.Next * st.StepsPerEpoch)
		return nil
	})
	var t0 time.Time
	l.OnStep(func(st *State, si StepInfo) {
		if bar == nil {
			return
		}
		if si.Step == 0 {
			t0 = time.Now()
		}
		rate := ""
		if d := time.Since(t0).Seconds(); si.Step > 0 && d > 0 {
			rate = fmt.Sprintf(" %.0f img/s", float64(si.Seen)/d)
		}
		bar.Describe(fmt.Sprintf("%s epoch %d/%d loss %.4f acc %.2f%%%s", l.Name, st.Epoch+1, l.Epochs, si.SumLoss/float64(si.Step+1), 100*float64(si.Correct)/float64(si.Seen), rate))
		bar.Add(1)
	})
	l.OnEnd(func(st *State) error {
		if bar == nil {
			return nil
		}
		bar.Finish()
		last := st.Curves[len(st.Curves)-1]
		logf("%s: %d epochs, final loss %.4f acc %.2f%%", l.Name, l.Epochs, last.Loss, 100*last.Accuracy)
		return nil
	})
}

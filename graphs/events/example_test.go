package events_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
	"github.com/useful-pipeline/useful-pipeline/graphs/events/eventstest"
)

// A training hook opens one writer per run folder, writes its scalars after
// each epoch and flushes once per epoch.
func Example() {
	dir, err := os.MkdirTemp("", "events-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	w, err := events.Create(filepath.Join(dir, "tb", "probe_sgd"), 1) // a new run: first step 1
	if err != nil {
		fmt.Println(err)
		return
	}
	for epoch := int64(1); epoch <= 2; epoch++ {
		err := w.Scalars(epoch, map[string]float64{
			"train/loss":     1 / float64(epoch),
			"train/accuracy": 0.4 * float64(epoch),
		})
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
		return
	}

	evs, err := eventstest.ReadFile(w.Path())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(evs[0].GetFileVersion(), evs[1].GetSessionLog().GetStatus(), evs[1].Step)
	pts, _ := eventstest.Scalars(evs)
	for _, p := range pts {
		fmt.Printf("%s step %d: %v\n", p.Tag, p.Step, p.Value)
	}
	// Output:
	// brain.Event:2 START 1
	// train/accuracy step 1: 0.4
	// train/loss step 1: 1
	// train/accuracy step 2: 0.8
	// train/loss step 2: 0.5
}

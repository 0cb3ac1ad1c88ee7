package predict

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
)

// Run classifies the images of o.Images with the serving model o.Model and
// writes the CSV (see the package documentation) to o.Out, or to stdout if
// o.Out is "". Images go to the model in batches of o.BatchSize. Every image
// is checked (readable, the model's size) before the model runs, and the
// CSV is written only once every image is classified, so a failed run
// writes nothing. Bad input is a *BadInputError naming the flag, file or
// folder and the value.
func Run(o Options, stdout io.Writer) error {
	if err := o.check(); err != nil {
		return badInput(err)
	}
	dir, err := graphs.ResolveServingDir(o.Model)
	if err != nil {
		return badInput(fmt.Errorf("--model: %w", err))
	}
	s, err := graphs.LoadServing(dir, o.Session)
	if err != nil {
		return badInput(fmt.Errorf("--model: %w", err))
	}
	defer s.Close()
	classes := s.ClassNames()
	k, err := o.topK(len(classes))
	if err != nil {
		return badInput(err)
	}
	src, err := openSource(o.Images, model{shape: s.InputShape(), pixelInput: s.Info().PixelInput()})
	if err != nil {
		return badInput(err)
	}
	var out bytes.Buffer
	cw := csv.NewWriter(&out)
	if err := cw.Write(header(k, src.hasLabels())); err != nil {
		return err
	}
	rows := &rowWriter{w: cw, classes: classes, k: k, labels: src.hasLabels()}
	batch := o.BatchSize
	if batch == 0 {
		batch = DefaultBatchSize
	}
	size := 1
	for _, d := range s.InputShape() {
		size *= d
	}
	images := make([]float32, batch*size)
	for lo := 0; lo < src.Len(); lo += batch {
		n := min(batch, src.Len()-lo)
		for i := range n {
			if err := src.Fill(lo+i, images[i*size:(i+1)*size]); err != nil {
				return badInput(err)
			}
		}
		_, probs, err := s.Predict(images[:n*size], n)
		if err != nil {
			return err
		}
		for i := range n {
			c := len(classes)
			if err := rows.write(src.Input(lo+i), src.Label(lo+i), probs[i*c:(i+1)*c]); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if o.Out != "" {
		return atomicfile.WriteFile(o.Out, out.Bytes())
	}
	_, err = stdout.Write(out.Bytes())
	return err
}

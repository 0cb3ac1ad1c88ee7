package graphs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"

	"github.com/useful-pipeline/useful-pipeline/internal/atomicfile"
	"github.com/wamuir/graft/tensorflow/op"
)

// Normalization is the input normalisation built into an exported model for
// image data: pixel levels v in [0,255] become x = v/255 and then
// (x - Mean[c]) / Std[c] per channel c (the last axis), computed in float32
// as the Go sampler does.
type Normalization struct {
	// Mean and Std hold one value per channel of images scaled to [0,1];
	// every Std must be finite and non-zero.
	Mean, Std []float32
}

// ExportConfig says what Export writes.
type ExportConfig struct {
	// ModelDir is the training model folder (manifest.json and the serving
	// template in ModelDir/serving/, written by python_export/export.py).
	ModelDir string
	// Checkpoint is the prefix of a training checkpoint written by
	// Model.Save for the model of ModelDir.
	Checkpoint string
	// Normalization nil means raw inputs: no scaling and no normalisation
	// (the toy data).
	Normalization *Normalization
	// ClassNames has one non-empty name per class, without line breaks;
	// nil means the class indices "0", "1", ...
	ClassNames []string
	// OutDir is the folder of versions (created if missing); the model is
	// written to OutDir/<Version>, the layout TF Serving watches.
	OutDir string
	// Version is the version folder number; 0 means one more than the
	// largest number in OutDir (1 if there is none).
	Version int
	// Session sets the TensorFlow session used to write and check the
	// model; nil means defaults.
	Session *Config
}

// Export writes a SavedModel for inference to OutDir/<version> and returns
// that folder. The model has the one signature serving_default
// (images float32 [batch]+input shape -> logits, probabilities), the weights
// and batch-norm statistics of the checkpoint, the normalisation built in,
// the class names in assets/class_names.txt and ExportInfoFile.
//
// No Python runs: the graph and assets are the serving template's, and the
// variables are written by a TensorFlow graph (RestoreV2 from the checkpoint
// and the template's object graph, SaveV2 into the new folder). The folder
// is built in a temporary sibling, loaded back through TensorFlow's
// SavedModel loader, and renamed into place only then, so a failed export
// leaves nothing behind. A missing checkpoint or template, a checkpoint with
// other shapes, a normalisation or class list that does not fit the model,
// or an existing version is an error naming the path or field and the values.
func Export(cfg ExportConfig) (string, error) {
	t, err := ReadServingTemplate(cfg.ModelDir)
	if err != nil {
		return "", err
	}
	info, names, err := exportInfo(cfg, t)
	if err != nil {
		return "", err
	}
	for _, f := range CheckpointFiles(cfg.Checkpoint) {
		if _, err := os.Stat(f); err != nil {
			return "", fmt.Errorf("export: checkpoint %s: %w", cfg.Checkpoint, err)
		}
	}
	if cfg.OutDir == "" {
		return "", errors.New("export: no output folder given")
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	version, err := exportVersion(cfg.OutDir, cfg.Version)
	if err != nil {
		return "", err
	}
	final := filepath.Join(cfg.OutDir, strconv.Itoa(version))
	tmp, err := os.MkdirTemp(cfg.OutDir, ".export-"+strconv.Itoa(version)+".tmp-")
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeServingVariables(tmp, t, cfg, info); err != nil {
		return "", err
	}
	if err := copyTemplateFiles(t.Dir(), tmp, names, info); err != nil {
		return "", err
	}
	s, err := LoadServing(tmp, cfg.Session)
	if err != nil {
		return "", fmt.Errorf("export: the written model does not load: %w", err)
	}
	s.Close()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("export: version %d: %w", version, err)
	}
	ok = true
	return final, nil
}

// exportInfo checks the normalisation and class names against the template
// and returns the export description and the class names to write.
func exportInfo(cfg ExportConfig, t *ServingTemplate) (*ExportInfo, []string, error) {
	c := t.InputShape[len(t.InputShape)-1]
	info := &ExportInfo{Format: ExportInfoFormat, Model: t.Model, InputShape: t.InputShape, NumClasses: t.NumClasses,
		Divisor: 1, Mean: make([]float32, c), Std: make([]float32, c), TFVersion: Version()}
	for i := range info.Std {
		info.Std[i] = 1
	}
	if n := cfg.Normalization; n != nil {
		if len(n.Mean) != c || len(n.Std) != c {
			return nil, nil, fmt.Errorf("export: normalisation has %d mean and %d std values, but model folder %s takes %d channels (input shape %v)", len(n.Mean), len(n.Std), cfg.ModelDir, c, t.InputShape)
		}
		for i := range c {
			if m := float64(n.Mean[i]); math.IsNaN(m) || math.IsInf(m, 0) {
				return nil, nil, fmt.Errorf("export: normalisation mean[%d] is %v, want a finite value", i, m)
			}
			if s := float64(n.Std[i]); s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
				return nil, nil, fmt.Errorf("export: normalisation std[%d] is %v, want a finite non-zero value", i, s)
			}
		}
		info.Divisor = 255
		copy(info.Mean, n.Mean)
		copy(info.Std, n.Std)
	}
	names := cfg.ClassNames
	if names == nil {
		for i := range t.NumClasses {
			names = append(names, strconv.Itoa(i))
		}
	}
	if len(names) != t.NumClasses {
		return nil, nil, fmt.Errorf("export: %d class names, but model folder %s has %d classes", len(names), cfg.ModelDir, t.NumClasses)
	}
	for i, s := range names {
		if s == "" || strings.ContainsAny(s, "\r\n") {
			return nil, nil, fmt.Errorf("export: class name %d is %q, want a non-empty name without line breaks", i, s)
		}
	}
	var err error
	if info.ModelDir, err = filepath.Abs(cfg.ModelDir); err == nil {
		info.Checkpoint, err = filepath.Abs(cfg.Checkpoint)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	return info, names, nil
}

// exportVersion returns the version to write into outDir: want if it is
// free, or the next free number for want 0.
func exportVersion(outDir string, want int) (int, error) {
	if want < 0 {
		return 0, fmt.Errorf("export: version is %d, want >= 1 (or 0 for the next free one)", want)
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	last := 0
	for _, e := range entries {
		v, err := strconv.Atoi(e.Name())
		if err != nil || v <= 0 {
			continue
		}
		if v == want {
			return 0, fmt.Errorf("export: output folder %s already holds version %d (%s)", outDir, want, filepath.Join(outDir, e.Name()))
		}
		last = max(last, v)
	}
	if want == 0 {
		return last + 1, nil
	}
	return want, nil
}

// writeServingVariables writes dir/variables/variables.{index,data-*}: the
// template's object graph entry, every template variable filled from the
// checkpoint (params, batch-norm statistics) or from info (normalisation).
func writeServingVariables(dir string, t *ServingTemplate, cfg ExportConfig, info *ExportInfo) error {
	var fromCkpt []ServingVariable
	for _, v := range t.Variables {
		if !strings.HasPrefix(v.Source, "input/") {
			fromCkpt = append(fromCkpt, v)
		}
	}
	// graft names an op after its type, so every op gets its own sub-scope.
	s := op.NewScope()
	constant := func(v any) tf.Output { return op.Const(s.SubScope("const"), v) }
	restore := func(prefix string, keys []string, dts []tf.DataType) []tf.Output {
		return op.RestoreV2(s.SubScope("restore"), constant(prefix), constant(keys), constant(make([]string, len(keys))), dts)
	}
	keys, dts := make([]string, len(fromCkpt)), make([]tf.DataType, len(fromCkpt))
	for i, v := range fromCkpt {
		keys[i], dts[i] = v.Source, tf.Float
	}
	weights := restore(cfg.Checkpoint, keys, dts)
	graph := restore(filepath.Join(t.Dir(), "variables", "variables"), []string{ObjectGraphKey}, []tf.DataType{tf.String})

	saveKeys := []string{ObjectGraphKey}
	feeds := []tf.Output{op.Placeholder(s.SubScope("feed"), tf.String)}
	for _, v := range t.Variables {
		saveKeys = append(saveKeys, v.Key)
		feeds = append(feeds, op.Placeholder(s.SubScope("feed"), tf.Float))
	}
	out := filepath.Join(dir, "variables", "variables")
	save := op.SaveV2(s.SubScope("save"), constant(out), constant(saveKeys), constant(make([]string, len(saveKeys))), feeds)
	g, err := s.Finalize()
	if err != nil {
		return fmt.Errorf("export: build the variable writer: %w", err)
	}
	opts, err := cfg.Session.withDefaults().sessionOptions()
	if err != nil {
		return err
	}
	sess, err := tf.NewSession(g, opts)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer sess.Close()
	got, err := sess.Run(nil, weights, nil)
	if err != nil {
		return fmt.Errorf("export: read checkpoint %s: %w", cfg.Checkpoint, err)
	}
	defer releaseAll(got)
	og, err := sess.Run(nil, graph, nil)
	if err != nil {
		return fmt.Errorf("export: read serving template %s: %w", t.Dir(), err)
	}
	defer releaseAll(og)
	byKey := map[string]*tf.Tensor{}
	for i, v := range fromCkpt {
		if shape := got[i].Shape(); !sameShape(shape, v.Shape) {
			return fmt.Errorf("export: checkpoint %s: %q has shape %v, but model folder %s wants %v", cfg.Checkpoint, v.Source, shape, cfg.ModelDir, v.Shape)
		}
		byKey[v.Key] = got[i]
	}
	inputs := map[string]any{SourceDivisor: info.Divisor, SourceMean: info.Mean, SourceStd: info.Std}
	feed := map[tf.Output]*tf.Tensor{feeds[0]: og[0]}
	for i, v := range t.Variables {
		x, ok := byKey[v.Key]
		if !ok {
			if x, err = tf.NewTensor(inputs[v.Source]); err != nil {
				return fmt.Errorf("export: %s: %w", v.Source, err)
			}
			defer release(x)
		}
		feed[feeds[i+1]] = x
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := sess.Run(feed, nil, []*tf.Operation{save}); err != nil {
		return fmt.Errorf("export: write variables %s: %w", out, err)
	}
	return nil
}

func sameShape(got []int64, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != int64(want[i]) {
			return false
		}
	}
	return true
}

// copyTemplateFiles copies saved_model.pb and assets/ from the template
// into dir, writes the class names over the template's placeholder names and
// writes ExportInfoFile. The template's fingerprint.pb is not copied: it
// hashes the template's variables, not these (TensorFlow loads without it).
func copyTemplateFiles(template, dir string, names []string, info *ExportInfo) error {
	if err := copyFile(filepath.Join(template, "saved_model.pb"), filepath.Join(dir, "saved_model.pb")); err != nil {
		return err
	}
	assets := filepath.Join(dir, "assets")
	entries, err := os.ReadDir(filepath.Join(template, "assets"))
	if err != nil {
		return fmt.Errorf("export: serving template %s: %w", template, err)
	}
	if err := os.MkdirAll(assets, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(template, "assets", e.Name()), filepath.Join(assets, e.Name())); err != nil {
			return err
		}
	}
	if err := writeExportFile(filepath.Join(assets, ClassNamesAsset), []byte(strings.Join(names, "\n")+"\n")); err != nil {
		return err
	}
	data, err := json.MarshalIndent(info, "", " ")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return writeExportFile(filepath.Join(dir, ExportInfoFile), append(data, '\n'))
}

func writeExportFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("export: copy %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

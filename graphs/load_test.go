package graphs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyModel copies a model folder so a test can damage it.
func copyModel(t *testing.T, name string) string {
	src := modelDir(t, name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func editManifest(t *testing.T, dir string, edit func(m map[string]any)) {
	p := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRejectsBadModelFolders(t *testing.T) {
	const name = "toy_cnn-3x50-c2"
	sigs := func(m map[string]any) map[string]any { return m["signatures"].(map[string]any) }
	cases := []struct {
		what  string
		edit  func(t *testing.T, dir string)
		wants []string
	}{
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, ManifestFile)) }, []string{ManifestFile}},
		{"manifest not JSON", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte("{not json"), 0o644)
		}, []string{ManifestFile}},
		{"missing signature", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { delete(sigs(m), SigTrainSAM) })
		}, []string{`signature "train_sam"`, "expected"}},
		{"missing input", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				delete(sigs(m)[SigTrainSAM].(map[string]any)["inputs"].(map[string]any), ArgRho)
			})
		}, []string{`signature "train_sam"`, "expected inputs", "rho"}},
		{"missing soft signature", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { delete(sigs(m), SigTrainASAMSoft) })
		}, []string{`signature "train_asam_soft"`, "expected"}},
		{"soft step with labels", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				in := sigs(m)[SigTrainSGDSoft].(map[string]any)["inputs"].(map[string]any)
				in[ArgLabels] = in[ArgTargets]
				delete(in, ArgTargets)
			})
		}, []string{`signature "train_sgd_soft"`, "expected inputs", "targets"}},
		{"targets of other shape", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				in := sigs(m)[SigTrainSAMSoft].(map[string]any)["inputs"].(map[string]any)
				in[ArgTargets].(map[string]any)["shape"] = []int{-1, 3}
			})
		}, []string{`signature "train_sam_soft"`, `"targets"`, "[-1 2]", "[-1 3]"}},
		{"other input shape", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["input_shape"] = []int{3, 40} })
		}, []string{`"images"`, "[-1 3 40]", "[-1 3 50]"}},
		{"manifest disagrees with model", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) {
				in := sigs(m)[SigPredict].(map[string]any)["inputs"].(map[string]any)
				in[ArgImages].(map[string]any)["name"] = "predict_pictures:0"
			})
		}, []string{`signature "predict"`, "predict_pictures:0", "predict_images:0"}},
		{"param count", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m map[string]any) { m["param_count"] = 7 })
		}, []string{"param_count is 7"}},
		{"no saved_model.pb", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "saved_model.pb")) }, []string{"load SavedModel"}},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			dir := copyModel(t, name)
			c.edit(t, dir)
			m, err := Load(dir, nil)
			if err == nil {
				m.Close()
				t.Fatal("Load succeeded on a damaged model folder")
			}
			msg := err.Error()
			for _, w := range append(c.wants, dir) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func TestCheckData(t *testing.T) {
	m := load(t, "mlp3-28x28x1-c10")
	if err := m.CheckData([]int{28, 28, 1}, 10); err != nil {
		t.Fatal(err)
	}
	if err := m.CheckData([]int{32, 32, 3}, 10); err == nil || !strings.Contains(err.Error(), "[32 32 3]") {
		t.Fatalf("shape mismatch: %v", err)
	}
	if err := m.CheckData([]int{28, 28, 1}, 100); err == nil || !strings.Contains(err.Error(), "100") {
		t.Fatalf("class mismatch: %v", err)
	}
}

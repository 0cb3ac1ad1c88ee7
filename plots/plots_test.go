package plots

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var pngSig = []byte("\x89PNG\r\n\x1a\n")

func curves() []Series {
	var x, a, b []float64
	for i := 0; i <= 50; i++ {
		x = append(x, float64(i))
		a = append(a, 1-math.Exp(-float64(i)/5))
		b = append(b, 1-math.Exp(-float64(i)/15))
	}
	return []Series{
		{Name: "train acc", X: x, Y: a},
		{Name: "test acc", X: x, Y: b, Dashed: true},
	}
}

func clusters() []Points {
	var g []Points
	for k := 0; k < 3; k++ {
		var p Points
		p.Name = "cluster " + string(rune('0'+k))
		for i := 0; i < 100; i++ {
			t := float64(i) * 0.7
			p.X = append(p.X, 3*float64(k)+math.Cos(t)*float64(i%10)/10)
			p.Y = append(p.Y, float64(k%2)*2+math.Sin(t)*float64(i%10)/10)
		}
		g = append(g, p)
	}
	return g
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, pngSig) {
		t.Fatalf("%s does not start with the PNG signature", path)
	}
	if len(data) < 5000 {
		t.Fatalf("%s is only %d bytes", path, len(data))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 600 || cfg.Height != 400 {
		t.Fatalf("%s is %dx%d, want 600x400", path, cfg.Width, cfg.Height)
	}
}

// checkClean reports any leftover file in dir (e.g. a temporary file).
func checkClean(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s holds %v, want %v", dir, got, want)
	}
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	if err := Lines(filepath.Join(dir, "a.png"), "Accuracy", "epoch", "accuracy", curves()); err != nil {
		t.Fatal(err)
	}
	if err := Scatter(filepath.Join(dir, "b.png"), "PCA of logits", "PC1", "PC2", clusters()); err != nil {
		t.Fatal(err)
	}
	if err := LinesWithMarker(filepath.Join(dir, "c.png"), "Accuracy", "epoch", "accuracy", curves(), 8, "separating epoch"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.png", "b.png", "c.png"} {
		checkPNG(t, filepath.Join(dir, n))
	}
	checkClean(t, dir, "a.png", "b.png", "c.png")
	// Overwriting works.
	if err := Lines(filepath.Join(dir, "a.png"), "Again", "x", "y", curves()[:1]); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, filepath.Join(dir, "a.png"))
}

func TestBadPath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder")
	path := filepath.Join(missing, "x.png")
	calls := map[string]func() error{
		"Lines":           func() error { return Lines(path, "t", "x", "y", curves()) },
		"Scatter":         func() error { return Scatter(path, "t", "x", "y", clusters()) },
		"LinesWithMarker": func() error { return LinesWithMarker(path, "t", "x", "y", curves(), 3, "m") },
	}
	for name, f := range calls {
		err := f()
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming %s", name, err, path)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("%s exists after failed writes (err %v)", missing, err)
	}
	checkClean(t, dir)

	bad := filepath.Join(dir, "x.jpg")
	if err := Lines(bad, "t", "x", "y", curves()); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("non-.png path: error %v", err)
	}
	checkClean(t, dir)
}

func TestBadData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.png")
	s := curves()
	s[1].Y = s[1].Y[:10]
	if err := Lines(path, "t", "x", "y", s); err == nil || !strings.Contains(err.Error(), `"test acc"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("mismatched series: error %v, want one naming the series and path", err)
	}
	g := clusters()
	g[2].X = g[2].X[:5]
	if err := Scatter(path, "t", "x", "y", g); err == nil || !strings.Contains(err.Error(), `"cluster 2"`) {
		t.Errorf("mismatched group: error %v, want one naming the group", err)
	}
	s = curves()
	s[0].Y[3] = math.NaN()
	if err := LinesWithMarker(path, "t", "x", "y", s, 1, ""); err == nil || !strings.Contains(err.Error(), `"train acc"`) {
		t.Errorf("NaN: error %v, want one naming the series", err)
	}
	if err := LinesWithMarker(path, "t", "x", "y", curves(), math.Inf(1), ""); err == nil {
		t.Error("infinite marker accepted")
	}
	if err := Lines(path, "t", "x", "y", nil); err == nil {
		t.Error("no series accepted")
	}
	if err := Scatter(path, "t", "x", "y", []Points{{Name: "empty"}}); err == nil || !strings.Contains(err.Error(), `"empty"`) {
		t.Errorf("empty group: error %v", err)
	}
	checkClean(t, dir)
}

// TestWriteCheck renders examples to $PLOTS_CHECK_DIR for viewing by eye.
func TestWriteCheck(t *testing.T) {
	dir := os.Getenv("PLOTS_CHECK_DIR")
	if dir == "" {
		t.Skip("PLOTS_CHECK_DIR not set")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Lines(filepath.Join(dir, "lines.png"), "Accuracy", "epoch", "accuracy", curves()); err != nil {
		t.Fatal(err)
	}
	if err := Scatter(filepath.Join(dir, "scatter.png"), "PCA of logits", "PC1", "PC2", clusters()); err != nil {
		t.Fatal(err)
	}
	if err := LinesWithMarker(filepath.Join(dir, "marker.png"), "Accuracy", "epoch", "accuracy", curves(), 8, "separating epoch = 8"); err != nil {
		t.Fatal(err)
	}
}

package graphs

import (
	"encoding/json"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// toyManifest is a small valid manifest.json (the shape of the toy model's,
// with two of its signatures; small, so that the fuzzer can mutate and
// minimise it quickly).
const toyManifest = `{"format": 1, "model": "toy_cnn", "input_shape": [3, 50], "num_classes": 2,
 "options": {"filters": 40, "init_std": 0.1414213562373095, "nested": {"a": [1, "b", null, true]}},
 "param_count": 2002,
 "params": [{"init": "normal", "name": "filters", "scale": 0.1414213562373095, "shape": [50, 40]},
            {"init": "zeros", "name": "bias", "scale": 0, "shape": [2]}],
 "state": [], "tag": "serve", "tf_version": "2.18.0",
 "signatures": {"predict": {"inputs": {"images": {"dtype": "float32", "name": "predict_images:0", "shape": [-1, 3, 50]}},
                            "outputs": {"logits": {"dtype": "float32", "name": "StatefulPartitionedCall:0", "shape": [-1, 2]}}},
                "get_params": {"inputs": {}, "outputs": {"params": {"dtype": "float32", "name": "x:0", "shape": null}}}}}`

// bigProduct multiplies dims exactly.
func bigProduct[T int | int64](dims []T) *big.Int {
	p := big.NewInt(1)
	for _, d := range dims {
		p.Mul(p, big.NewInt(int64(d)))
	}
	return p
}

func FuzzManifest(f *testing.F) {
	f.Add([]byte(toyManifest))
	f.Add([]byte(`{"format":1,"model":"m","input_shape":[1],"num_classes":2,"param_count":0}`)) // no tag: defaults to serve
	f.Add([]byte(`{"format":1,"model":"m","input_shape":[28,28,1],"num_classes":10,"param_count":6,"params":[{"name":"a","shape":[]},{"name":"b","shape":[5]}]}`))
	// Corrupt: other format, empty model, bad shapes and counts, not JSON,
	// wrong types, truncated.
	f.Add([]byte(strings.Replace(toyManifest, `"format": 1`, `"format": 2`, 1)))
	f.Add([]byte(strings.Replace(toyManifest, `"toy_cnn"`, `""`, 1)))
	f.Add([]byte(strings.Replace(toyManifest, `[3, 50]`, `[3, 0]`, 1)))
	f.Add([]byte(strings.Replace(toyManifest, `"num_classes": 2`, `"num_classes": 1`, 1)))
	f.Add([]byte(strings.Replace(toyManifest, `2002`, `2000`, 1)))
	f.Add([]byte(strings.Replace(toyManifest, `[50, 40]`, `[50, -40]`, 1)))
	f.Add([]byte(strings.Replace(toyManifest, `"format": 1`, `"format": "1"`, 1)))
	f.Add([]byte(toyManifest[:len(toyManifest)/2]))
	f.Add([]byte(`{not json`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	// Products that overflow int: a total of 2^64 (wraps to 0) and 2^63+...
	// (wraps negative) must not pass as a consistent param_count.
	f.Add([]byte(`{"format":1,"model":"m","input_shape":[1],"num_classes":2,"param_count":0,"params":[{"name":"a","shape":[4294967296,4294967296]}]}`))
	f.Add([]byte(`{"format":1,"model":"m","input_shape":[1],"num_classes":2,"param_count":-1,"params":[{"name":"a","shape":[9223372036854775807]},{"name":"b","shape":[9223372036854775807,1]},{"name":"c","shape":[1]}]}`))
	f.Add([]byte(`{"format":1,"model":"m","input_shape":[4294967296,4294967296],"num_classes":2,"param_count":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz/manifest.json"
		m, err := ParseManifest(path, data)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v with a manifest", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			return
		}
		// The checks ParseManifest makes, redone here with exact arithmetic.
		if m.Format != ManifestFormat || m.Model == "" || m.Tag == "" || m.NumClasses < 2 || len(m.InputShape) == 0 {
			t.Fatalf("accepted format %d model %q tag %q num_classes %d input_shape %v", m.Format, m.Model, m.Tag, m.NumClasses, m.InputShape)
		}
		for _, d := range m.InputShape {
			if d <= 0 {
				t.Fatalf("accepted input_shape %v", m.InputShape)
			}
		}
		if ex := bigProduct(m.InputShape); !ex.IsInt64() || ex.Int64() != int64(m.ExampleSize()) || m.ExampleSize() <= 0 {
			t.Fatalf("input_shape %v: ExampleSize %d, exactly %v", m.InputShape, m.ExampleSize(), ex)
		}
		total := new(big.Int)
		for _, p := range m.Params {
			for _, d := range p.Shape {
				if d <= 0 {
					t.Fatalf("accepted param %q shape %v", p.Name, p.Shape)
				}
			}
			size := bigProduct(p.Shape)
			off, n, ok := m.ParamOffset(p.Name)
			if !ok || off < 0 || n <= 0 || off+n > m.ParamCount || off+n < 0 {
				t.Fatalf("param %q: offset %d size %d of %d", p.Name, off, n, m.ParamCount)
			}
			if off == int(total.Int64()) && int64(n) != size.Int64() { // first param of that name
				t.Fatalf("param %q shape %v: size %d, exactly %v", p.Name, p.Shape, n, size)
			}
			total.Add(total, size)
		}
		if !total.IsInt64() || total.Int64() != int64(m.ParamCount) {
			t.Fatalf("param_count %d, params add up to %v exactly", m.ParamCount, total)
		}
		// The manifest passes its own validation again, unchanged.
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		m2, err := ParseManifest(path, b)
		if err != nil {
			t.Fatalf("re-encoded manifest rejected: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoded manifest differs:\n%+v\n%+v", m, m2)
		}
	})
}

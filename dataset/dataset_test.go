package dataset

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// pair returns the same random images as a pixel store and as the float32
// store of float32(v)/255 that the loaders used to build.
func pair(n int, shape []int) (px, fl *Dataset) {
	px = &Dataset{Name: "px", Shape: shape, NumClasses: 3, ClassNames: []string{"a", "b", "c"}}
	size := px.ExampleSize()
	rng := rand.New(rand.NewPCG(1, 2))
	px.Pixels = make([]uint8, n*size)
	for i := range px.Pixels {
		px.Pixels[i] = uint8(rng.IntN(256))
	}
	px.Labels = make([]int32, n)
	for i := range px.Labels {
		px.Labels[i] = int32(i % 3)
	}
	fl = &Dataset{Name: "fl", Shape: shape, NumClasses: 3, Labels: px.Labels, Images: make([]float32, len(px.Pixels))}
	for i, v := range px.Pixels {
		fl.Images[i] = float32(v) / 255
	}
	return px, fl
}

// TestPixelStoreReadsAsFloat32: every accessor the stages use gives a pixel
// store exactly what the float32 store of float32(v)/255 gives.
func TestPixelStoreReadsAsFloat32(t *testing.T) {
	px, fl := pair(50, []int{4, 5, 3})
	if err := px.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := px.AppendFloat32s([]float32{7}, 3, 11), fl.AppendFloat32s([]float32{7}, 3, 11); !slices.Equal(got, want) {
		t.Error("AppendFloat32s differs")
	}
	if !slices.Equal(px.Example(9), fl.Example(9)) || !slices.Equal(px.ExamplePixels(9), px.Pixels[9*60:10*60]) {
		t.Error("Example differs")
	}
	m1, s1 := px.ChannelStats()
	m2, s2 := fl.ChannelStats()
	if !slices.Equal(m1, m2) || !slices.Equal(s1, s2) {
		t.Errorf("ChannelStats %v %v, want %v %v", m1, s1, m2, s2)
	}
	if px.Digest() != fl.Digest() {
		t.Error("Digest differs between the stores of the same values")
	}
	px.Pixels[17]++
	if px.Digest() == fl.Digest() {
		t.Error("Digest ignores a pixel")
	}
	for i := range 256 {
		if PixelValue[i] != float32(i)/255 {
			t.Fatalf("PixelValue[%d] = %v", i, PixelValue[i])
		}
	}
}

func TestValidateStores(t *testing.T) {
	px, fl := pair(4, []int{2, 2, 1})
	both := *px
	both.Images = fl.Images
	short := *px
	short.Pixels = short.Pixels[:5]
	names := *px
	names.ClassNames = []string{"a"}
	for _, c := range []struct {
		ds   *Dataset
		want string
	}{{&both, "both pixels and float32"}, {&short, "5 pixels for 4 examples"}, {&names, "1 class names for 3 classes"}} {
		if err := c.ds.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate: %v, want %q", err, c.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("ExamplePixels of a float32 store did not panic")
		}
	}()
	fl.ExamplePixels(0)
}

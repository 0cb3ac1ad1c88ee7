package loaders_test

import (
	"testing"

	"github.com/useful-pipeline/useful-pipeline/dataset/loaders"
	"github.com/useful-pipeline/useful-pipeline/dataset/loaders/loaderstest"
)

func BenchmarkLoadCIFAR10(b *testing.B) {
	dir := b.TempDir()
	if err := loaderstest.WriteCIFAR10(dir, 1000, 1); err != nil { // 50000 + 10000
		b.Fatal(err)
	}
	for b.Loop() {
		sp, err := loaders.LoadCIFAR10(dir)
		if err != nil || sp.Train.Len() != 50000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadIDX(b *testing.B) {
	for _, gz := range []bool{false, true} {
		name := "raw"
		if gz {
			name = "gz"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			if err := loaderstest.WriteIDX(dir, 60000, 10000, 1, gz); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				sp, err := loaders.LoadMNIST(dir)
				if err != nil || sp.Train.Len() != 60000 {
					b.Fatal(err)
				}
			}
		})
	}
}

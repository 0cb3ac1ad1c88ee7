package stages

import (
	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// Cluster runs k-means (k=2, k-means++ seeding, 10 restarts, seeded) on the
// logits of each class and marks the cluster with the higher mean loss as
// slow-learnable: cluster/<method>/ (see rundir.Layout).
func (e *Env) Cluster() ([]string, error) {
	d, err := e.MainData()
	if err != nil {
		return nil, err
	}
	n, c := d.Train.Len(), d.Train.NumClasses
	var arts []string
	for _, method := range e.Opts.ProbeMethods() {
		x := e.Dir.Extract(method)
		logits, err := x.Logits().Read(n * c)
		if err != nil {
			return nil, err
		}
		loss, err := x.Loss().Read(n)
		if err != nil {
			return nil, err
		}
		xm := mat.NewDense(n, c, nil)
		raw := xm.RawMatrix().Data
		for i, v := range logits {
			raw[i] = float64(v)
		}
		l64 := make([]float64, n)
		for i, v := range loss {
			l64[i] = float64(v)
		}
		cfg := &cluster.Config{Restarts: 10, Seed: e.Opts.Seed()}
		splits, err := cluster.SplitClasses(xm, d.Train.Labels, l64, c, cfg)
		if err != nil {
			return nil, err
		}
		t, err := e.separateEpoch(method)
		if err != nil {
			return nil, err
		}
		f := rundir.ClusterFile{Method: method, Epoch: t, Restarts: cfg.Restarts, Seed: cfg.Seed}
		assign := make([]int32, n)
		for _, s := range splits {
			f.Classes = append(f.Classes, rundir.ClassClusters{Class: s.Class, Size: len(s.Members), Sizes: s.Sizes, MeanLoss: s.MeanLoss, SlowCluster: s.SlowCluster})
			for k, idx := range s.Members {
				assign[idx] = int32(s.Assign[k])
			}
		}
		slow := cluster.SlowIndices(splits)
		f.NumSlow = len(slow)
		cd := e.Dir.Cluster(method)
		if err := cd.Assign().Write(assign); err != nil {
			return nil, err
		}
		if err := cd.Slow().Write(slow); err != nil {
			return nil, err
		}
		if err := cd.Clusters().Write(f); err != nil {
			return nil, err
		}
		e.logf("%s: %d of %d training examples in slow-learnable clusters (%.1f%%)", cd.Rel(), len(slow), n, 100*float64(len(slow))/float64(n))
		arts = append(arts, cd.Rel())
	}
	return arts, nil
}

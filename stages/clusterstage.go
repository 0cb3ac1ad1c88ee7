package stages

import (
	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/stages/cluster"
)

// ClassClusters is one class's entry in cluster/<method>/clusters.json.
type ClassClusters struct {
	Class       int        `json:"class"`
	Size        int        `json:"size"`
	Sizes       [2]int     `json:"cluster_sizes"`
	MeanLoss    [2]float64 `json:"cluster_mean_loss"`
	SlowCluster int        `json:"slow_cluster"` // -1: no split, nothing upsampled
}

// ClusterFile is cluster/<method>/clusters.json.
type ClusterFile struct {
	Method   string          `json:"method"`
	Epoch    int             `json:"separate_epoch"`
	Classes  []ClassClusters `json:"classes"`
	NumSlow  int             `json:"num_slow"`
	Restarts int             `json:"kmeans_restarts"`
	Seed     uint64          `json:"seed"`
}

// Cluster runs k-means (k=2, k-means++ seeding, 10 restarts, seeded) on the
// logits of each class and marks the cluster with the higher mean loss as
// slow-learnable: cluster/<method>/clusters.json and assign.i32 (per
// training example: its cluster 0/1 within its class) and slow.i32 (the slow
// examples' indices).
func (e *Env) Cluster() error {
	if err := e.CheckInputs("cluster"); err != nil {
		return err
	}
	d, err := e.MainData()
	if err != nil {
		return err
	}
	n, c := d.Train.Len(), d.Train.NumClasses
	var arts []string
	for _, method := range e.Opts.ProbeMethods() {
		in := "extract/" + method
		logits, err := e.Dir.ReadFloat32s(in+"/logits.f32", n*c)
		if err != nil {
			return err
		}
		loss, err := e.Dir.ReadFloat32s(in+"/loss.f32", n)
		if err != nil {
			return err
		}
		x := mat.NewDense(n, c, nil)
		raw := x.RawMatrix().Data
		for i, v := range logits {
			raw[i] = float64(v)
		}
		l64 := make([]float64, n)
		for i, v := range loss {
			l64[i] = float64(v)
		}
		cfg := &cluster.Config{Restarts: 10, Seed: e.Opts.Seed}
		splits, err := cluster.SplitClasses(x, d.Train.Labels, l64, c, cfg)
		if err != nil {
			return err
		}
		t, err := e.separateEpoch(method)
		if err != nil {
			return err
		}
		f := ClusterFile{Method: method, Epoch: t, Restarts: cfg.Restarts, Seed: cfg.Seed}
		assign := make([]int32, n)
		for _, s := range splits {
			f.Classes = append(f.Classes, ClassClusters{Class: s.Class, Size: len(s.Members), Sizes: s.Sizes, MeanLoss: s.MeanLoss, SlowCluster: s.SlowCluster})
			for k, idx := range s.Members {
				assign[idx] = int32(s.Assign[k])
			}
		}
		slow := cluster.SlowIndices(splits)
		f.NumSlow = len(slow)
		slow32 := make([]int32, len(slow))
		for i, v := range slow {
			slow32[i] = int32(v)
		}
		dir := "cluster/" + method
		if err := e.Dir.WriteInt32s(dir+"/assign.i32", assign); err != nil {
			return err
		}
		if err := e.Dir.WriteInt32s(dir+"/slow.i32", slow32); err != nil {
			return err
		}
		if err := e.Dir.WriteJSON(dir+"/clusters.json", f); err != nil {
			return err
		}
		e.logf("cluster/%s: %d of %d training examples in slow-learnable clusters (%.1f%%)", method, len(slow), n, 100*float64(len(slow))/float64(n))
		arts = append(arts, dir)
	}
	return e.Complete("cluster", arts)
}

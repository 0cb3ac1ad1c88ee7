package rundir

import "github.com/useful-pipeline/useful-pipeline/options"

// The JSON schemas of the run directory's artifacts: the one place each is
// defined; stages write them and the report, aggregate and bench read them
// through the typed artifacts of Layout.

// DataSummary is data/summary.json.
type DataSummary struct {
	Dataset     string `json:"dataset"`
	Train       string `json:"train"`
	Test        string `json:"test"`
	NumTrain    int    `json:"num_train"`
	NumTest     int    `json:"num_test"`
	Shape       []int  `json:"shape"`
	NumClasses  int    `json:"num_classes"`
	ClassCounts []int  `json:"class_counts"`
	// TrainDigest and TestDigest are dataset.Digest of the two sets, so
	// later stages can tell that the data they reload is the data the run
	// started with.
	TrainDigest string `json:"train_digest"`
	TestDigest  string `json:"test_digest"`
	// ToyWithoutFast counts toy training examples lacking the fast feature.
	ToyWithoutFast int `json:"toy_without_fast,omitempty"`
	// ClassNames names each class (empty when the data has no names).
	ClassNames []string `json:"class_names,omitempty"`
	// NormMean and NormStd are the per-channel mean and standard deviation
	// of the training images (values v/255) that the sampler and every
	// evaluation normalise with, and that an export builds in; empty for
	// data used as it is (the toy).
	NormMean []float32 `json:"norm_mean,omitempty"`
	NormStd  []float32 `json:"norm_std,omitempty"`
}

// ProbeSummary is probe/<method>/summary.json: the separating epoch t the
// probe stopped at (given, or chosen by the rule of --separate-epoch auto).
type ProbeSummary struct {
	Method           string    `json:"method"`
	SeparateEpoch    int       `json:"separate_epoch"`
	Auto             bool      `json:"auto"`
	Rule             string    `json:"rule"`
	TrainingErrorPct []float64 `json:"training_error_pct"`
}

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

// ResampleSummary is resample/<selection>/summary.json.
type ResampleSummary struct {
	Method            string  `json:"method"`
	Selection         string  `json:"selection,omitempty"`
	NumTrain          int     `json:"num_train"`
	NumSlow           int     `json:"num_slow"`
	Factor            int     `json:"upsample_factor"`
	ListLength        int     `json:"list_length"`
	UpsampledFraction float64 `json:"upsampled_fraction"` // num_slow / num_train
}

// RetrainSummary is retrain/<run>/summary.json.
type RetrainSummary struct {
	Run           options.RunSpec `json:"run"`
	Epochs        int             `json:"epochs"`
	TrainExamples int             `json:"train_examples_per_epoch"`
	// TrainSeconds is the wall time of the train steps of all epochs
	// (waits for the next batch included, per-epoch measurements and
	// checkpoints excluded).
	TrainSeconds float64 `json:"train_seconds"`
	FinalLoss    float64 `json:"final_train_loss"`
	FinalAcc     float64 `json:"final_train_accuracy"`
}

// Sharpness is the Hessian spectrum summary of Table 1.
type Sharpness struct {
	LambdaMax float64   `json:"lambda_max"`
	Ratio     float64   `json:"lambda_max_over_lambda_5"`
	Top       []float64 `json:"top_eigenvalues"`
	Examples  int       `json:"examples"`
	Converged bool      `json:"converged"`
	Skipped   string    `json:"skipped,omitempty"`
}

// EvalResult is evaluate/<run>.json.
type EvalResult struct {
	Run             string  `json:"run"`
	TestAccuracyPct float64 `json:"test_accuracy_pct"`
	TestErrorPct    float64 `json:"test_error_pct"`
	TestLoss        float64 `json:"test_loss"`
	NumTest         int     `json:"num_test"`
	// L1Norm is sum |w| over the final trainable parameters (Fig. 10).
	L1Norm float64 `json:"l1_norm"`
	// Sharpness is the Hessian spectrum on the training sample (Table 1).
	Sharpness *Sharpness `json:"sharpness,omitempty"`
}

// RunMetrics is one entry of metrics.json "runs".
type RunMetrics struct {
	ID                string   `json:"id"`
	Seed              uint64   `json:"seed"`
	Method            string   `json:"method"`
	Useful            bool     `json:"useful"`
	BetaD             *float64 `json:"beta_d,omitempty"`
	TestAccuracyPct   float64  `json:"test_accuracy_pct"`
	TestErrorPct      float64  `json:"test_error_pct"`
	TrainSeconds      float64  `json:"train_seconds"`
	UpsampledFraction *float64 `json:"upsampled_fraction,omitempty"`
	SeparateEpoch     *int     `json:"separate_epoch,omitempty"`
	// ProbeSeconds is the train-step time of the probe (t epochs) that a
	// USEFUL or baseline-selection run needed first.
	ProbeSeconds *float64 `json:"probe_seconds,omitempty"`
	// L1Norm is sum |w| of the final weights (Fig. 10).
	L1Norm float64 `json:"l1_norm"`
	// Sharpness is lambda_max and lambda_max/lambda_5 (Table 1).
	Sharpness *Sharpness `json:"sharpness,omitempty"`
}

// ToyMetrics is metrics.json "toy": the slow cluster against the ground
// truth (training examples without the fast feature).
type ToyMetrics struct {
	SlowClusterPrecision float64            `json:"slow_cluster_precision"`
	SlowClusterRecall    float64            `json:"slow_cluster_recall"`
	PerMethod            map[string]PrecRec `json:"per_method"`
	// InitBound is b of the toy's W0 ~ U(-b, b) (manifest init_bound).
	InitBound float64 `json:"init_bound"`
	// EarlyGapShare is the share of the early iterations (until GD's G_e
	// reaches half its final value) at which
	// S_e - S_d (SAM) < G_e - G_d (GD), at the main beta_d.
	EarlyGapShare *float64 `json:"early_gap_share,omitempty"`
	// TakeOff is, per method's baseline at the main beta_d, the iteration
	// at which its fast-feature alignment (G_e, S_e) reaches half its final
	// value (Fig. 3: GD's takes off before SAM's).
	TakeOff map[string]int `json:"take_off,omitempty"`
}

// PrecRec is the precision and recall of one method's slow cluster.
type PrecRec struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	Upsampled int     `json:"upsampled"`
	NoFast    int     `json:"without_fast_feature"`
}

// Metrics is metrics.json. A run of several seeds has every seed's runs
// in Runs (each with its seed) and their means in Means.
type Metrics struct {
	Dataset string       `json:"dataset"`
	Model   string       `json:"model"`
	Seeds   []uint64     `json:"seeds"`
	Epochs  int          `json:"epochs"`
	Runs    []RunMetrics `json:"runs"`
	Toy     *ToyMetrics  `json:"toy,omitempty"`
	// Means summarises Runs over seeds, per run ID (runs of several seeds).
	Means []RunSummary `json:"means,omitempty"`
	// ToyMeans summarises the toy's per-seed measurements.
	ToyMeans *ToySummary `json:"toy_means,omitempty"`
}

// Stat is a mean and sample standard deviation (n-1) over N seeds; Std is
// 0 when N is 1 (no spread measured).
type Stat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	N    int     `json:"n"`
}

// RunSummary is one run ID's numbers over seeds.
type RunSummary struct {
	ID                string   `json:"id"`
	Method            string   `json:"method"`
	Useful            bool     `json:"useful"`
	BetaD             *float64 `json:"beta_d,omitempty"`
	TestAccuracyPct   Stat     `json:"test_accuracy_pct"`
	TestErrorPct      Stat     `json:"test_error_pct"`
	TrainSeconds      Stat     `json:"train_seconds"`
	UpsampledFraction *Stat    `json:"upsampled_fraction,omitempty"`
	LambdaMax         *Stat    `json:"lambda_max,omitempty"`
}

// ToySummary is the toy's per-method slow-cluster precision and recall
// and fast-feature take-off iteration over seeds.
type ToySummary struct {
	Precision map[string]Stat `json:"slow_cluster_precision"`
	Recall    map[string]Stat `json:"slow_cluster_recall"`
	TakeOff   map[string]Stat `json:"take_off"`
}

package cluster_test

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/useful-pipeline/useful-pipeline/cluster"
)

func ExampleKMeans() {
	// Four points on a line: {0, 1} and {10, 11}.
	x := mat.NewDense(4, 1, []float64{0, 1, 10, 11})
	res, err := cluster.KMeans(x, 2, &cluster.Config{Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("labels:", res.Labels)
	fmt.Println("sizes:", res.Sizes)
	fmt.Println("centroids:", res.Centroids.At(0, 0), res.Centroids.At(1, 0))
	fmt.Println("inertia:", res.Inertia)
	// Output:
	// labels: [0 0 1 1]
	// sizes: [2 2]
	// centroids: 0.5 10.5
	// inertia: 1
}

func ExampleSplitClasses() {
	// One class of six examples whose logits form two groups; the group
	// {3, 4, 5} has the higher loss and is the slow-learnable cluster.
	logits := mat.NewDense(6, 2, []float64{
		4, 0, 4.1, 0, 3.9, 0.1,
		1, 1, 1.1, 0.9, 0.9, 1.1,
	})
	labels := []int32{0, 0, 0, 0, 0, 0}
	losses := []float64{0.1, 0.2, 0.1, 1.5, 1.2, 1.4}
	splits, err := cluster.SplitClasses(logits, labels, losses, 1, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("assign:", splits[0].Assign, "slow cluster:", splits[0].SlowCluster)
	fmt.Println("upsample:", cluster.SlowIndices(splits))
	// Output:
	// assign: [0 0 0 1 1 1] slow cluster: 1
	// upsample: [3 4 5]
}

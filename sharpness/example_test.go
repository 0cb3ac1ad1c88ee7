package sharpness_test

import (
	"fmt"

	"github.com/useful-pipeline/useful-pipeline/sharpness"
)

func ExampleLanczos() {
	// The Hessian of L(w) = 0.5 * sum_i d_i w_i^2 is diag(d); its
	// Hessian-vector product is the element-wise product with d.
	d := make([]float64, 100)
	for i := range d {
		d[i] = float64(i + 1) // eigenvalues 1..100
	}
	hvp := func(v, dst []float64) error {
		for i := range v {
			dst[i] = d[i] * v[i]
		}
		return nil
	}
	res, err := sharpness.Lanczos(len(d), hvp, &sharpness.Config{Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("lambda_max = %.4f\n", res.Eigenvalues[0])
	fmt.Printf("lambda_5 = %.4f\n", res.Eigenvalues[4])
	fmt.Printf("lambda_max/lambda_5 = %.4f\n", res.Ratio())
	// Output:
	// lambda_max = 100.0000
	// lambda_5 = 96.0000
	// lambda_max/lambda_5 = 1.0417
}

// Coexistence experiment: graft and tfgo imported into one binary.
package main

import (
	"fmt"

	tg "github.com/galeone/tfgo"
	tf "github.com/wamuir/graft/tensorflow"
)

func main() {
	_ = tg.NewRoot() // force tfgo (and its TensorFlow fork) to be linked in
	fmt.Println("graft tf.Version():", tf.Version())
}

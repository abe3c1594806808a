package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/nn"
)

// A small classifier: the children of a Sequential are named by position,
// so the first layer's parameters are "0.weight" and "0.bias".
func ExampleNewSequential() {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential(
		nn.NewDense(784, 128, rng),
		nn.ReLU{},
		nn.NewDropout(0.2, rng),
		nn.NewDense(128, 10, rng),
	)
	fmt.Println(model)
	for _, p := range model.Params() {
		fmt.Println(p.Name, p.Value.Shape())
	}
	fmt.Println("parameters:", nn.CountParams(model.Params()))
	// Output:
	// Sequential(
	//   (0): Dense(784→128)
	//   (1): ReLU
	//   (2): Dropout(p=0.2)
	//   (3): Dense(128→10)
	// )
	// 0.weight [784 128]
	// 0.bias [128]
	// 3.weight [128 10]
	// 3.bias [10]
	// parameters: 101770
}

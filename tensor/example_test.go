package tensor_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/tensor"
)

// SumTo undoes broadcasting: the gradient of a bias that was added to every
// row of a batch is the column sum of the output gradient.
func ExampleSumTo() {
	grad := tensor.New([]int{3, 2}, []float32{1, 2, 3, 4, 5, 6})
	fmt.Println(tensor.SumTo(grad, []int{2}))
	// Output: tensor([9 12], shape=[2])
}

// Softmax subtracts the row maximum first, so huge logits do not overflow.
func ExampleSoftmax() {
	logits := tensor.New([]int{2, 2}, []float32{1000, -1000, 1000, 1000})
	fmt.Println(tensor.Softmax(logits, -1))
	fmt.Println(tensor.LogSoftmax(logits, -1))
	// Output:
	// tensor([[1 0] [0.5 0.5]], shape=[2 2])
	// tensor([[0 -2000] [-0.6931472 -0.6931472]], shape=[2 2])
}

// Random tensors take the generator explicitly, so a seed reproduces them.
func ExampleRandNormal() {
	a := tensor.RandNormal(rand.New(rand.NewPCG(1, 2)), 0, 1, 2, 3)
	b := tensor.RandNormal(rand.New(rand.NewPCG(1, 2)), 0, 1, 2, 3)
	fmt.Println(tensor.Equal(a, b))
	// Output: true
}

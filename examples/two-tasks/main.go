// Command two-tasks trains the classic multi-input, multi-task model: one
// network that reads two datasets at once, each through its own tower.
//
//   - Task "digit": MNIST images through a dense tower.
//   - Task "item": Fashion-MNIST images through a convolutional tower, or
//     CIFAR-10 images when -cifar10 names a directory of its binary batches.
//
// Both towers end in 128 features, which pass through one dense layer that
// the tasks share, then through a 10-class head per task. The loss is
// 1.0·L_digit + 0.1·L_item, a sum with fixed weights. Training uses Adam
// and batches of 32 from each dataset in step. It holds out 20 % of each
// training set for validation, and the last step evaluates on both test sets.
//
//	go run ./examples/two-tasks              # MNIST + Fashion-MNIST
//	go run ./examples/two-tasks -epochs 1 -train-limit 12000
//	go run ./examples/two-tasks -cifar10 ~/data/cifar-10-batches-bin
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/mtl"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

func main() {
	epochs := flag.Int("epochs", 2, "passes over the training sets")
	batch := flag.Int("batch", 32, "samples per step from each dataset")
	trainLimit := flag.Int("train-limit", 0, "use only the first N samples of each training set (0: all)")
	seed := flag.Int64("seed", 1, "seed for weights, split and shuffling")
	mnistDir := flag.String("mnist-dir", "", "directory with the MNIST IDX files (default: fetch them)")
	fashionDir := flag.String("fashion-dir", "", "directory with the Fashion-MNIST IDX files (default: Debian's dataset-fashion-mnist)")
	cifarDir := flag.String("cifar10", "", "directory with the CIFAR-10 binary batches; replaces Fashion-MNIST")
	flag.Parse()
	if err := run(*epochs, *batch, *trainLimit, *seed, *mnistDir, *fashionDir, *cifarDir); err != nil {
		fmt.Fprintln(os.Stderr, "two-tasks:", err)
		os.Exit(1)
	}
}

func run(epochs, batch, trainLimit int, seed int64, mnistDir, fashionDir, cifarDir string) error {
	if epochs < 1 || batch < 1 || trainLimit < 0 {
		return fmt.Errorf("invalid flags -epochs %d, -batch %d, -train-limit %d: epochs and batch must be at least 1, train-limit 0 (all) or more", epochs, batch, trainLimit)
	}

	// Step 1: two datasets, one per task. Each keeps its labels under
	// "class"; the Data map below names the labels each task reads.
	digitTrain, digitTest, err := datasets.LoadMNIST(mnistDir)
	if err != nil {
		return err
	}
	var itemTrain, itemTest *datasets.Dataset
	if cifarDir != "" {
		itemTrain, itemTest, err = datasets.LoadCIFAR10(cifarDir)
	} else {
		itemTrain, itemTest, err = datasets.LoadFashionMNIST(fashionDir)
	}
	if err != nil {
		return err
	}
	if trainLimit > 0 {
		digitTrain, itemTrain = digitTrain.Head(trainLimit), itemTrain.Head(trainLimit)
	}
	fmt.Printf("digit: %s, %d samples; item: %s, %d samples; 20%% of each is held out for validation\n",
		digitTrain.Name, digitTrain.Len(), itemTrain.Name, itemTrain.Len())

	// Step 2: the towers. The digit tower flattens the 28×28 image and
	// applies a dense layer; the item tower is two convolution blocks. The
	// convolutional tower adapts its dense layer to the image size and
	// channel count, so it serves Fashion-MNIST and CIFAR-10 alike.
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	shape := itemTrain.X.Shape() // [N, C, H, W]
	channels, side := shape[1], shape[2]
	afterConv := ((side-2)/2 - 2) / 2 // two 3×3 valid convolutions, each followed by 2×2 pooling
	towers := map[string]nn.Module{
		"digit": nn.NewSequential(nn.NewFlatten(), nn.NewDense(28*28, 128, rng), nn.ReLU{}),
		"item": nn.NewSequential(
			nn.NewConv2D(rng, channels, 32, 3, nn.Conv2DOptions{}), nn.ReLU{}, nn.NewMaxPool2D(2, nn.PoolOptions{}),
			nn.NewConv2D(rng, 32, 64, 3, nn.Conv2DOptions{}), nn.ReLU{}, nn.NewMaxPool2D(2, nn.PoolOptions{}),
			nn.NewFlatten(),
			nn.NewDense(64*afterConv*afterConv, 128, rng), nn.ReLU{},
		),
	}

	// Step 3: the shared layer and the heads. Task weights are the loss
	// weights of the fixed-weights strategy: total = 1.0·L_digit + 0.1·L_item.
	shared := nn.NewSequential(nn.NewDense(128, 64, rng), nn.ReLU{})
	digit := mtl.NewTask("digit", nn.NewDense(64, 10, rng))
	item := mtl.NewTask("item", nn.NewDense(64, 10, rng))
	item.Weight = 0.1
	model, err := mtl.NewTowers(towers, shared, digit, item)
	if err != nil {
		return err
	}
	fmt.Printf("model: %d parameters\n", nn.CountParams(model.Params()))

	// Step 4: train. Fit steps both datasets together, one batch of each
	// per step, and reports the validation metrics after every epoch.
	hist, err := mtl.Fit(model, mtl.Data{
		"digit": {Set: digitTrain, Label: "class"},
		"item":  {Set: itemTrain, Label: "class"},
	}, mtl.FitConfig{
		Epochs: epochs, BatchSize: batch, ValidationSplit: 0.2, Seed: seed,
		Optimizer: optim.NewAdam(nn.Values(model.Params()), 1e-3),
		Strategy:  mtl.FixedWeights{},
		Progress:  os.Stderr,
	})
	if err != nil {
		return err
	}
	fmt.Printf("validation: digit accuracy %.2f%%, item accuracy %.2f%%\n",
		100*hist.Last("val_digit_accuracy"), 100*hist.Last("val_item_accuracy"))

	// Step 5: evaluate on the test sets, which training never saw.
	res, err := mtl.Evaluate(model, mtl.Data{
		"digit": {Set: digitTest, Label: "class"},
		"item":  {Set: itemTest, Label: "class"},
	}, 1000)
	if err != nil {
		return err
	}
	fmt.Printf("test: digit accuracy %.2f%%, item accuracy %.2f%%\n", 100*res["digit_accuracy"], 100*res["item_accuracy"])
	fmt.Printf("test losses: digit %.4f, item %.4f, weighted total 1.0·digit + 0.1·item = %.4f\n",
		res["digit_loss"], res["item_loss"], res["loss"])
	return nil
}

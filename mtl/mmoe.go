package mtl

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// MMoE is a Multi-gate Mixture-of-Experts model (Ma et al., "Modeling Task
// Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
// KDD 2018): E expert networks read the input, and each task t mixes their
// outputs with weights from its own gate before its head reads the mixture:
//
//	w_t = softmax(gate_t(x))                  (E weights summing to 1)
//	f_t = Σ_e w_t,e · expert_e(x)
//	y_t = head_t(f_t)
//
// The experts are shared by every task, while each gate and head belongs
// to one task. Unlike HardSharing, where every task reads the same features, each
// task learns how much of every expert to use, so tasks that conflict can
// drift onto different experts while related tasks keep sharing.
//
// Cost: every distinct input runs all E experts, so a forward pass costs
// about E times a HardSharing trunk of the same size, plus one small gate
// per task. Tasks given the same *Value share the experts' work.
//
// NOTE: every expert runs on every sample because there is no top-k
// routing, so adding experts always adds compute. Expert output widths are
// only known at Forward, so a mismatch panics there rather than in NewMMoE.
type MMoE struct {
	experts []nn.Module
	gates   []nn.Module // in task order
	tasks   []*Task
}

// NewMMoE returns an MMoE model. The experts must all map the input to
// [batch, D] with the same D. gates holds one module per task, in task
// order, each mapping the input to [batch, len(experts)] gate logits, such
// as nn.NewSequential(nn.NewFlatten(), nn.NewDense(inputSize, E, rng)).
// Each task's head reads the [batch, D] mixture.
func NewMMoE(experts []nn.Module, gates []nn.Module, tasks ...*Task) (*MMoE, error) {
	if len(experts) == 0 {
		return nil, fmt.Errorf("mtl.NewMMoE: no experts; give at least one")
	}
	for i, e := range experts {
		if e == nil {
			return nil, fmt.Errorf("mtl.NewMMoE: expert %d is nil", i)
		}
	}
	if err := validateTasks(tasks); err != nil {
		return nil, err
	}
	if len(gates) != len(tasks) {
		return nil, fmt.Errorf("mtl.NewMMoE: %d gates for %d tasks; give exactly one per task, in task order", len(gates), len(tasks))
	}
	for i, g := range gates {
		if g == nil {
			return nil, fmt.Errorf("mtl.NewMMoE: gate %d (task %q) is nil", i, tasks[i].Name)
		}
	}
	// Copy the slices so a caller reusing them cannot change the model.
	return &MMoE{experts: slices.Clone(experts), gates: slices.Clone(gates), tasks: tasks}, nil
}

// Forward runs the experts once per distinct input, then each task's gate,
// mixture and head. It panics if the experts' outputs are not all
// [batch, D] with the same D, or if a gate's output is not
// [batch, len(experts)].
func (m *MMoE) Forward(inputs map[string]*autodiff.Value) map[string]*autodiff.Value {
	stacked := map[*autodiff.Value]*autodiff.Value{}
	out := make(map[string]*autodiff.Value, len(m.tasks))
	for i, t := range m.tasks {
		x, ok := inputs[t.Name]
		if !ok {
			continue
		}
		experts, ok := stacked[x]
		if !ok {
			experts = m.runExperts(x)
			stacked[x] = experts
		}
		out[t.Name] = t.Head.Forward(m.mix(i, x, experts))
	}
	return out
}

// runExperts returns the experts' outputs for x stacked as [batch, E, D].
func (m *MMoE) runExperts(x *autodiff.Value) *autodiff.Value {
	outs := make([]*autodiff.Value, len(m.experts))
	var batch, width int
	for e, expert := range m.experts {
		h := expert.Forward(x)
		s := h.Shape()
		if len(s) != 2 {
			panic(fmt.Sprintf("mtl.MMoE: expert %d output has shape %v; want [batch, D]", e, s))
		}
		if e == 0 {
			batch, width = s[0], s[1]
		} else if s[0] != batch || s[1] != width {
			panic(fmt.Sprintf("mtl.MMoE: expert %d output has shape %v but expert 0 gave %v; every expert must output [batch, D] with the same D", e, s, []int{batch, width}))
		}
		outs[e] = h
	}

	// Concat along the feature axis lays the experts side by side in each
	// row, so the row-major reshape puts expert e at [:, e, :].
	flat := outs[0]
	if len(outs) > 1 {
		flat = autodiff.Concat(1, outs...)
	}
	return autodiff.Reshape(flat, batch, len(m.experts), width)
}

// mix returns task i's features Σ_e softmax(gate(x))_e · expert_e(x) from
// the stacked expert outputs of x.
func (m *MMoE) mix(i int, x, experts *autodiff.Value) *autodiff.Value {
	es := experts.Shape()
	batch, n := es[0], es[1]
	logits := m.gates[i].Forward(x)
	if s := logits.Shape(); len(s) != 2 || s[0] != batch || s[1] != n {
		panic(fmt.Sprintf("mtl.MMoE: gate of task %q outputs shape %v; want [%d %d] (batch, experts)", m.tasks[i].Name, s, batch, n))
	}

	// Reshaped to [batch, E, 1], each weight broadcasts over its expert's D
	// features, and summing the expert axis then leaves [batch, D].
	w := autodiff.Reshape(autodiff.Softmax(logits, 1), batch, n, 1)
	return autodiff.Sum(autodiff.Mul(experts, w), 1, false)
}

// Tasks returns the model's tasks in the order given to NewMMoE.
func (m *MMoE) Tasks() []*Task { return m.tasks }

// Experts returns the expert modules in order. The slice is a copy.
func (m *MMoE) Experts() []nn.Module { return slices.Clone(m.experts) }

// Gate returns the gate of the named task, or nil.
func (m *MMoE) Gate(task string) nn.Module {
	for i, t := range m.tasks {
		if t.Name == task {
			return m.gates[i]
		}
	}
	return nil
}

// Params returns "experts.0.…", "experts.1.…", …, then "gates.TASK.…" and
// "heads.TASK.…" for each task in order.
func (m *MMoE) Params() []nn.Param {
	ps := m.SharedParams()
	for i, t := range m.tasks {
		ps = append(ps, nn.Prefix("gates."+t.Name, m.gates[i].Params())...)
		ps = append(ps, nn.Prefix("heads."+t.Name, t.Head.Params())...)
	}
	return ps
}

// SharedParams returns the experts' parameters. The gates are not shared:
// each one feeds a single task's output.
func (m *MMoE) SharedParams() []nn.Param {
	var ps []nn.Param
	for e, expert := range m.experts {
		ps = append(ps, nn.Prefix("experts."+strconv.Itoa(e), expert.Params())...)
	}
	return ps
}

// SetTraining switches every expert, gate and head.
func (m *MMoE) SetTraining(training bool) {
	for _, e := range m.experts {
		nn.SetTraining(e, training)
	}
	for i, t := range m.tasks {
		nn.SetTraining(m.gates[i], training)
		nn.SetTraining(t.Head, training)
	}
}

package mtl

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
)

// TaskAttention is a Multi-Task Attention Network (Liu, Johns & Davison,
// "End-to-End Multi-Task Learning with Attention", CVPR 2019). A shared
// trunk of B blocks runs in order. Each task has one soft-attention module
// per block, which sets, feature by feature, how much of the shared block
// output the task takes:
//
//	u₀ = block₀(x),  u_b = block_b(u_{b−1})                 (shared)
//	f_t,0 = σ(att_t,0(u₀)) ⊙ u₀
//	f_t,b = σ(att_t,b(concat(u_b, f_t,b−1))) ⊙ u_b         (b ≥ 1, concat along axis 1)
//	y_t   = head_t(f_t,B−1)
//
// The blocks are shared by every task, while each attention module and
// head belongs to one task. The trunk learns general features from all
// tasks' gradients. Each task's masks, in (0, 1) per feature, then select
// what that task needs, and the concat lets each mask depend on what the
// task selected one block earlier. Tasks therefore draw on the shared
// features without fighting over them, which they may do in HardSharing,
// where every head reads the same trunk output.
//
// Cost: every distinct input runs the blocks once, and every task adds one
// attention module per block plus its head, so the attention modules, not
// the trunk, grow with the number of tasks.
//
// NOTE: the concat needs u_b and f_t,b−1 (which has the shape of u_{b−1})
// to agree on every axis but 1, so every block after the first must keep
// the batch and spatial sizes of its input. The paper resamples f_t,b−1
// instead, which this model does not. Block and mask shapes are only known
// at Forward, so a mismatch panics there rather than in NewTaskAttention.
type TaskAttention struct {
	blocks    []nn.Module
	attention [][]nn.Module // indexed [task][block], with tasks in model order
	tasks     []*Task
}

// NewTaskAttention returns an MTAN model. blocks are the shared trunk, run
// in order: the first reads the input, and each later one reads the output
// of the one before. attention returns a task's attention module for a
// block. That module must map u₀ (block 0) or concat(u_b, f_t,b−1) (block
// b ≥ 1) to mask logits of exactly u_b's shape. For blocks that output
// [batch, D], nn.NewDense(D, D, rng) and nn.NewDense(2·D, D, rng) fit. Each task's
// head reads f_t,B−1, which has the shape of the last block's output.
//
// NewTaskAttention calls attention once per task and block, in task order
// and, within a task, in block order: (task 0, block 0), (task 0,
// block 1), …, (task 1, block 0), …. A function that draws weights from
// one random source therefore draws them in that order.
func NewTaskAttention(blocks []nn.Module, attention func(task string, block int) nn.Module, tasks ...*Task) (*TaskAttention, error) {
	if len(blocks) == 0 {
		return nil, fmt.Errorf("mtl.NewTaskAttention: no blocks: give at least one")
	}
	for b, block := range blocks {
		if block == nil {
			return nil, fmt.Errorf("mtl.NewTaskAttention: block %d is nil", b)
		}
	}
	if attention == nil {
		return nil, fmt.Errorf("mtl.NewTaskAttention: attention function is nil")
	}
	if err := validateTasks(tasks); err != nil {
		return nil, err
	}

	modules := make([][]nn.Module, len(tasks))
	for i, t := range tasks {
		modules[i] = make([]nn.Module, len(blocks))
		for b := range blocks {
			a := attention(t.Name, b)
			if a == nil {
				return nil, fmt.Errorf("mtl.NewTaskAttention: attention module of task %q for block %d is nil", t.Name, b)
			}
			modules[i][b] = a
		}
	}
	// Copy blocks so a caller reusing the slice cannot change the model.
	return &TaskAttention{blocks: slices.Clone(blocks), attention: modules, tasks: tasks}, nil
}

// Forward runs the blocks once per distinct input, then each task's chain
// of attention masks and its head. It panics if a block after the first
// changes any axis but 1 of its input's shape, or if an attention module's
// mask logits do not have the shape of the block output they mask.
func (m *TaskAttention) Forward(inputs map[string]*autodiff.Value) map[string]*autodiff.Value {
	shared := map[*autodiff.Value][]*autodiff.Value{}
	out := make(map[string]*autodiff.Value, len(m.tasks))
	for i, t := range m.tasks {
		x, ok := inputs[t.Name]
		if !ok {
			continue
		}
		us, ok := shared[x]
		if !ok {
			us = m.runBlocks(x)
			shared[x] = us
		}
		out[t.Name] = t.Head.Forward(m.attend(i, us))
	}
	return out
}

// runBlocks returns every block's output u₀, …, u_B−1 for input x.
func (m *TaskAttention) runBlocks(x *autodiff.Value) []*autodiff.Value {
	us := make([]*autodiff.Value, len(m.blocks))
	h := x
	for b, block := range m.blocks {
		h = block.Forward(h)
		if b > 0 {
			checkConcatable(b, h.Shape(), us[b-1].Shape())
		}
		us[b] = h
	}
	return us
}

// checkConcatable panics unless block b's output, of shape cur, can be
// joined along axis 1 with a task's features of the block before, which
// have the shape prev of that block's output.
func checkConcatable(b int, cur, prev []int) {
	ok := len(cur) >= 2 && len(cur) == len(prev)
	for i := 0; ok && i < len(cur); i++ {
		ok = i == 1 || cur[i] == prev[i]
	}
	if !ok {
		panic(fmt.Sprintf("mtl.TaskAttention: block %d outputs shape %v but block %d gave %v, so the attention input concat(u_%d, f_%d) cannot be built: every axis but 1 must match", b, cur, b-1, prev, b, b-1))
	}
}

// attend returns task i's features f_t,B−1 from the block outputs us.
func (m *TaskAttention) attend(i int, us []*autodiff.Value) *autodiff.Value {
	var f *autodiff.Value
	for b, u := range us {
		in := u
		if b > 0 {
			in = autodiff.Concat(1, u, f)
		}
		logits := m.attention[i][b].Forward(in)
		if s := logits.Shape(); !slices.Equal(s, u.Shape()) {
			panic(fmt.Sprintf("mtl.TaskAttention: attention of task %q at block %d outputs mask logits of shape %v; want %v, the shape of block %d's output", m.tasks[i].Name, b, s, u.Shape(), b))
		}
		f = autodiff.Mul(autodiff.Sigmoid(logits), u)
	}
	return f
}

// Tasks returns the model's tasks in the order given to NewTaskAttention.
func (m *TaskAttention) Tasks() []*Task { return m.tasks }

// Blocks returns the shared blocks in order. The slice is a copy.
func (m *TaskAttention) Blocks() []nn.Module { return slices.Clone(m.blocks) }

// Attention returns the named task's attention module for block, or nil
// for an unknown task or a block out of range.
func (m *TaskAttention) Attention(task string, block int) nn.Module {
	if block < 0 || block >= len(m.blocks) {
		return nil
	}
	for i, t := range m.tasks {
		if t.Name == task {
			return m.attention[i][block]
		}
	}
	return nil
}

// Params returns "blocks.0.…", "blocks.1.…", …, then for each task in order
// "attention.TASK.0.…", "attention.TASK.1.…", … and "heads.TASK.…".
func (m *TaskAttention) Params() []nn.Param {
	ps := m.SharedParams()
	for i, t := range m.tasks {
		for b, a := range m.attention[i] {
			ps = append(ps, nn.Prefix("attention."+t.Name+"."+strconv.Itoa(b), a.Params())...)
		}
		ps = append(ps, nn.Prefix("heads."+t.Name, t.Head.Params())...)
	}
	return ps
}

// SharedParams returns the blocks' parameters. The attention modules are
// not shared, because each one feeds a single task's output.
func (m *TaskAttention) SharedParams() []nn.Param {
	var ps []nn.Param
	for b, block := range m.blocks {
		ps = append(ps, nn.Prefix("blocks."+strconv.Itoa(b), block.Params())...)
	}
	return ps
}

// SetTraining switches every block, attention module and head.
func (m *TaskAttention) SetTraining(training bool) {
	for _, block := range m.blocks {
		nn.SetTraining(block, training)
	}
	for i, t := range m.tasks {
		for _, a := range m.attention[i] {
			nn.SetTraining(a, training)
		}
		nn.SetTraining(t.Head, training)
	}
}

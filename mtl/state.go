package mtl

import "github.com/heed-ml/heed/nn"

// Buffers returns the trunk's and heads' non-trainable state, such as
// batch-norm running statistics, named like Params.
func (m *HardSharing) Buffers() []nn.Param {
	bs := nn.Prefix("trunk", nn.Buffers(m.Trunk))
	for _, t := range m.tasks {
		bs = append(bs, nn.Prefix("heads."+t.Name, nn.Buffers(t.Head))...)
	}
	return bs
}

// Buffers returns the towers', shared layers' and heads' non-trainable
// state, named like Params.
func (m *Towers) Buffers() []nn.Param {
	var bs []nn.Param
	for _, t := range m.tasks {
		bs = append(bs, nn.Prefix("towers."+t.Name, nn.Buffers(m.towers[t.Name]))...)
	}
	if m.Shared != nil {
		bs = append(bs, nn.Prefix("shared", nn.Buffers(m.Shared))...)
	}
	for _, t := range m.tasks {
		bs = append(bs, nn.Prefix("heads."+t.Name, nn.Buffers(t.Head))...)
	}
	return bs
}

// State returns everything a checkpoint of m holds: its parameters, then
// the buffers of models that have them. Save it with nn.SaveCheckpoint and
// restore it with nn.LoadCheckpoint.
func State(m Model) []nn.Param {
	state := m.Params()
	if b, ok := m.(interface{ Buffers() []nn.Param }); ok {
		state = append(state, b.Buffers()...)
	}
	return state
}

package autodiff

import "github.com/heed-ml/heed/tensor"

// Permute returns a with its axes reordered: axis i of the result is axis
// axes[i] of a.
func Permute(a *Value, axes ...int) *Value {
	return Apply(opPermute, a.data.Permute(axes...), append([]int(nil), axes...), a)
}

// Transpose returns a with axes i and j swapped.
func Transpose(a *Value, i, j int) *Value {
	n := len(a.Shape())
	axes := make([]int, n)
	for k := range axes {
		axes[k] = k
	}
	if i < 0 {
		i += n
	}
	if j < 0 {
		j += n
	}
	axes[i], axes[j] = axes[j], axes[i]
	return Permute(a, axes...)
}

// The gradient is permuted back by the inverse permutation.
func permuteBackward(out *Value, g *tensor.Tensor) []*tensor.Tensor {
	axes := out.saved.([]int)
	n := len(axes)
	inverse := make([]int, n)
	for i, a := range axes {
		if a < 0 {
			a += n
		}
		inverse[a] = i
	}
	return []*tensor.Tensor{g.Permute(inverse...).Clone()}
}

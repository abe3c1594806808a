package attention

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/heed-ml/heed/tensor"
)

// Masks lists the query–key pairs that may not attend. All fields are optional
// and combine: a pair is masked out if any of them masks it. True in a
// boolean mask means masked out.
type Masks struct {
	// Mask is an additive float mask, added to the scaled scores before
	// the softmax. Its shape must broadcast to the scores' shape,
	// [batch, heads, seqQ, seqK] (or [batch, seqQ, seqK] for rank-3
	// input), so [seqQ, seqK] applies one mask to every sample and head.
	// −Inf masks a pair out. It is a constant: no gradient flows into it.
	Mask *tensor.Tensor
	// MaskedOut is a boolean mask of shape [seqQ][seqK]: MaskedOut[i][j]
	// true stops query i from attending to key j, for every sample and
	// head, as nn.MultiheadAttention's boolean attn_mask.
	MaskedOut [][]bool
	// KeyPaddingMask has shape [batch][seqK]: KeyPaddingMask[b][j] true
	// marks key j of sample b as padding, which no query attends to, as
	// PyTorch's key_padding_mask.
	KeyPaddingMask [][]bool
	// Causal stops query i from attending to any key j > i, as
	// is_causal=True in PyTorch (the upper-left aligned triangle).
	Causal bool
}

// Options configures ScaledDotProduct. The zero value is plain attention
// with scale 1/√dim, no mask, no dropout and no weights returned.
type Options struct {
	Masks
	// Scale multiplies q·kᵀ before the softmax; 0 means 1/√dim, where dim
	// is the last axis of the query.
	Scale float64
	// Dropout is the probability of zeroing each attention weight, in
	// [0, 1). Survivors are scaled by 1/(1−Dropout). Pass 0 in evaluation:
	// ScaledDotProduct has no training mode of its own.
	Dropout float64
	// Rand draws the dropout masks; required when Dropout > 0.
	Rand *rand.Rand
	// NeedWeights makes ScaledDotProduct return the attention weights.
	NeedWeights bool

	// caller names the layer that built these options, such as
	// "attention.MultiHead", so panics on a bad mask name the layer the
	// caller used rather than only the function inside it.
	caller string
}

// scoreBias returns, for each of the n score matrices of seqQ×seqK, the
// value added to the scaled scores: −Inf where a mask removes the pair, the
// float mask's entry elsewhere. It returns nil when no mask is set. heads is
// the number of matrices per sample, which KeyPaddingMask needs to find the
// sample. scoreShape is only for messages and broadcasting.
func (m *Masks) scoreBias(op string, scoreShape []int, batch, heads, seqQ, seqK int) []float32 {
	if m.Mask == nil && m.MaskedOut == nil && m.KeyPaddingMask == nil && !m.Causal {
		return nil
	}
	n := batch * heads
	size := seqQ * seqK
	bias := make([]float32, n*size)

	if m.Mask != nil {
		if shape, ok := tensor.BroadcastShapes(m.Mask.Shape(), scoreShape); !ok || !slices.Equal(shape, scoreShape) {
			panic(fmt.Sprintf("%s: float mask of shape %v does not broadcast to the scores' shape %v", op, m.Mask.Shape(), scoreShape))
		}
		copy(bias, m.Mask.BroadcastTo(scoreShape...).Contiguous().Data())
	}

	negInf := float32(math.Inf(-1))
	if m.MaskedOut != nil {
		if len(m.MaskedOut) != seqQ {
			panic(fmt.Sprintf("%s: MaskedOut has %d rows, want seqQ = %d (scores %v)", op, len(m.MaskedOut), seqQ, scoreShape))
		}
		for i, row := range m.MaskedOut {
			if len(row) != seqK {
				panic(fmt.Sprintf("%s: MaskedOut row %d has %d entries, want seqK = %d (scores %v)", op, i, len(row), seqK, scoreShape))
			}
		}
	}
	if m.KeyPaddingMask != nil {
		if len(m.KeyPaddingMask) != batch {
			panic(fmt.Sprintf("%s: KeyPaddingMask has %d rows, want batch = %d (scores %v)", op, len(m.KeyPaddingMask), batch, scoreShape))
		}
		for b, row := range m.KeyPaddingMask {
			if len(row) != seqK {
				panic(fmt.Sprintf("%s: KeyPaddingMask row %d has %d entries, want seqK = %d (scores %v)", op, b, len(row), seqK, scoreShape))
			}
		}
	}

	for s := range n {
		var padding []bool
		if m.KeyPaddingMask != nil {
			padding = m.KeyPaddingMask[s/heads]
		}
		for i := range seqQ {
			row := bias[s*size+i*seqK : s*size+(i+1)*seqK]
			for j := range row {
				switch {
				case m.Causal && j > i,
					m.MaskedOut != nil && m.MaskedOut[i][j],
					padding != nil && padding[j]:
					row[j] = negInf
				}
			}
		}
	}
	return bias
}

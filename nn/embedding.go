package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/heed-ml/heed/asm"
	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/tensor"
)

// Embedding is a lookup table of numEmbeddings vectors of dim features, as
// PyTorch's nn.Embedding: id i selects row i of Weight. It maps token ids,
// positions or categories to learned vectors.
type Embedding struct {
	// Weight is the [numEmbeddings, dim] table.
	Weight *autodiff.Value

	paddingIdx int // −1 for none
}

// EmbeddingOption configures NewEmbedding.
type EmbeddingOption func(*embeddingConfig)

type embeddingConfig struct {
	paddingIdx int
	hasPadding bool
}

// WithPaddingIdx marks row idx as padding, as PyTorch's padding_idx: the
// row starts at zero and never receives a gradient, so a padding id always
// maps to the same vector. A negative idx counts from the end, so −1 is
// the last row.
func WithPaddingIdx(idx int) EmbeddingOption {
	return func(c *embeddingConfig) { c.paddingIdx, c.hasPadding = idx, true }
}

// NewEmbedding returns a table of numEmbeddings rows of dim features drawn
// from N(0, 1), as PyTorch initialises nn.Embedding. It panics if a size
// is not positive, the padding index is outside the table or rng is nil.
func NewEmbedding(numEmbeddings, dim int, rng *rand.Rand, opts ...EmbeddingOption) *Embedding {
	var cfg embeddingConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	if numEmbeddings <= 0 || dim <= 0 {
		panic(fmt.Sprintf("nn.NewEmbedding: invalid size %d×%d; both must be positive", numEmbeddings, dim))
	}
	if rng == nil {
		panic(fmt.Sprintf("nn.NewEmbedding(%d, %d): nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))", numEmbeddings, dim))
	}
	e := &Embedding{paddingIdx: -1}
	if cfg.hasPadding {
		idx := cfg.paddingIdx
		if idx < 0 {
			idx += numEmbeddings
		}
		if idx < 0 || idx >= numEmbeddings {
			panic(fmt.Sprintf("nn.NewEmbedding: padding index %d outside a table of %d embeddings", cfg.paddingIdx, numEmbeddings))
		}
		e.paddingIdx = idx
	}

	w := tensor.RandNormal(rng, 0, 1, numEmbeddings, dim)
	if e.paddingIdx >= 0 {
		w.Slice(0, e.paddingIdx, e.paddingIdx+1).Fill(0)
	}
	e.Weight = autodiff.Param(w)
	return e
}

// NumEmbeddings returns the number of rows of the table.
func (e *Embedding) NumEmbeddings() int { return e.Weight.Shape()[0] }

// Dim returns the number of features of each embedding.
func (e *Embedding) Dim() int { return e.Weight.Shape()[1] }

// PaddingIdx returns the padding row and true, or −1 and false when the
// table has none.
func (e *Embedding) PaddingIdx() (int, bool) { return e.paddingIdx, e.paddingIdx >= 0 }

// Lookup returns the rows of the table for ids, shaped [shape..., dim]. An
// empty shape means [len(ids)], so Lookup(ids, batch, seq) reads ids as a
// row-major [batch, seq] grid. It panics if an id is outside the table or
// the shape's size is not len(ids).
func (e *Embedding) Lookup(ids []int, shape ...int) *autodiff.Value {
	if len(shape) == 0 {
		shape = []int{len(ids)}
	}
	n := 1
	for _, d := range shape {
		n *= d
	}
	if n != len(ids) || len(ids) == 0 {
		panic(fmt.Sprintf("nn.Embedding.Lookup: %d ids do not fill shape %v", len(ids), shape))
	}
	return embed(e, append([]int(nil), ids...), shape)
}

// Forward is Lookup for a caller that has the ids in a tensor, such as a
// batch from a loader: each element of x must be a whole number, the id,
// stored as float32 (exact up to 2²⁴). The result is [x's shape..., dim].
// It panics on an id that is not a whole number or is outside the table.
func (e *Embedding) Forward(x *autodiff.Value) *autodiff.Value {
	xd := x.Data().Contiguous().Data()
	ids := make([]int, len(xd))
	for i, v := range xd {
		if v != float32(math.Trunc(float64(v))) {
			panic(fmt.Sprintf("nn.Embedding.Forward: element %d of input %v is %v, not a whole-number id", i, x.Shape(), v))
		}
		ids[i] = int(v)
	}
	if len(ids) == 0 {
		panic(fmt.Sprintf("nn.Embedding.Forward: empty input of shape %v", x.Shape()))
	}
	return embed(e, ids, x.Shape())
}

// Params returns "weight".
func (e *Embedding) Params() []Param { return []Param{{Name: "weight", Value: e.Weight}} }

// String describes the layer, such as "Embedding(10, 4)" or
// "Embedding(10, 4, paddingIdx=0)".
func (e *Embedding) String() string {
	if e.paddingIdx >= 0 {
		return fmt.Sprintf("Embedding(%d, %d, paddingIdx=%d)", e.NumEmbeddings(), e.Dim(), e.paddingIdx)
	}
	return fmt.Sprintf("Embedding(%d, %d)", e.NumEmbeddings(), e.Dim())
}

var opEmbedding = autodiff.NewOp("Embedding", embeddingBackward)

type embeddingSaved struct {
	ids        []int
	paddingIdx int
}

// embed copies row ids[p] of the table to output row p.
func embed(e *Embedding, ids []int, shape []int) *autodiff.Value {
	num, dim := e.NumEmbeddings(), e.Dim()
	w := e.Weight.Data().Contiguous().Data()
	out := tensor.Zeros(append(append([]int(nil), shape...), dim)...)
	od := out.Data()
	for p, id := range ids {
		if id < 0 || id >= num {
			panic(fmt.Sprintf("nn.Embedding: id %d at position %d is outside a table of %d embeddings", id, p, num))
		}
		copy(od[p*dim:(p+1)*dim], w[id*dim:(id+1)*dim])
	}
	return autodiff.Apply(opEmbedding, out, &embeddingSaved{ids: ids, paddingIdx: e.paddingIdx}, e.Weight)
}

// Output row p is Weight[ids[p]], so ∂L/∂Weight[i] is the sum of the
// output gradients of every position that looked up i: a repeated id
// accumulates. The padding row gets nothing.
func embeddingBackward(out *autodiff.Value, grad *tensor.Tensor) []*tensor.Tensor {
	s := out.Saved().(*embeddingSaved)
	weight := out.Inputs()[0]
	dim := weight.Shape()[1]
	gd := grad.Contiguous().Data()
	dw := tensor.Zeros(weight.Shape()...)
	dwd := dw.Data()
	for p, id := range s.ids {
		if id == s.paddingIdx {
			continue
		}
		row := dwd[id*dim : (id+1)*dim]
		asm.AddTo(row, row, gd[p*dim:(p+1)*dim])
	}
	return []*tensor.Tensor{dw}
}

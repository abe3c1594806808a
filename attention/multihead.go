package attention

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/autodiff"
	"github.com/heed-ml/heed/nn"
	"github.com/heed-ml/heed/tensor"
)

// MultiHead is multi-head attention, as PyTorch's nn.MultiheadAttention
// with batch_first=True. It projects query, key and value to embedDim,
// splits them into heads of embedDim/heads features, runs ScaledDotProduct
// in every head at once, joins the heads and applies the output
// projection.
//
// Weights are stored input-major, [in, out], like nn.Dense, which is the
// transpose of PyTorch's layout.
//
// A new MultiHead starts in training mode, so attention dropout (if any)
// is on; call SetTraining(false) to evaluate.
//
// NOTE: inputs must be batched, [batch, seq, features]; PyTorch also takes
// unbatched [seq, features] input, which MultiHead rejects.
type MultiHead struct {
	// InProjWeight is [embedDim, 3·embedDim]: the query, key and value
	// projections side by side. It is nil when the key or value size
	// differs from embedDim, and the three weights below are used instead.
	InProjWeight *autodiff.Value
	// QueryWeight [embedDim, embedDim], KeyWeight [kdim, embedDim] and
	// ValueWeight [vdim, embedDim] are the separate projections, set only
	// when InProjWeight is nil.
	QueryWeight, KeyWeight, ValueWeight *autodiff.Value
	// InProjBias is [3·embedDim], the query, key and value biases side by
	// side, or nil for a layer built with WithoutBias.
	InProjBias *autodiff.Value
	// OutProj maps the joined heads back to embedDim.
	OutProj *nn.Dense

	embedDim, heads, keyDim, valueDim int
	dropout                           float64
	rng                               *rand.Rand
	training                          bool
}

// MultiHeadOption configures NewMultiHead.
type MultiHeadOption func(*multiHeadConfig)

type multiHeadConfig struct {
	dropout          float64
	bias             bool
	keyDim, valueDim int
}

// WithDropout sets the probability of dropping each attention weight in
// training (default 0), as PyTorch's dropout argument.
func WithDropout(p float64) MultiHeadOption {
	return func(c *multiHeadConfig) { c.dropout = p }
}

// WithoutBias builds the layer without input and output projection biases,
// as bias=False in PyTorch.
func WithoutBias() MultiHeadOption {
	return func(c *multiHeadConfig) { c.bias = false }
}

// WithKeyValueDims sets the feature sizes of the key and value inputs
// (default embedDim), as PyTorch's kdim and vdim.
func WithKeyValueDims(keyDim, valueDim int) MultiHeadOption {
	return func(c *multiHeadConfig) { c.keyDim, c.valueDim = keyDim, valueDim }
}

// NewMultiHead returns multi-head attention over embedDim features split
// into heads heads. It draws its weights from rng, which later also drives
// attention dropout, so one seed reproduces a whole training run.
//
// The initialisation is PyTorch's. The input projections are Xavier
// (Glorot) uniform, computed over the packed [3·embedDim, embedDim] matrix
// as PyTorch does. The output projection weight is uniform in
// ±1/√embedDim, as nn.Linear's, and all biases start at zero.
//
// It panics if a size is not positive, embedDim is not divisible by heads,
// the dropout is outside [0, 1) or rng is nil.
func NewMultiHead(embedDim, heads int, rng *rand.Rand, opts ...MultiHeadOption) *MultiHead {
	cfg := multiHeadConfig{bias: true, keyDim: embedDim, valueDim: embedDim}
	for _, opt := range opts {
		opt(&cfg)
	}
	switch {
	case embedDim <= 0 || heads <= 0 || cfg.keyDim <= 0 || cfg.valueDim <= 0:
		panic(fmt.Sprintf("attention.NewMultiHead: invalid sizes embedDim %d, heads %d, kdim %d, vdim %d; all must be positive", embedDim, heads, cfg.keyDim, cfg.valueDim))
	case embedDim%heads != 0:
		panic(fmt.Sprintf("attention.NewMultiHead: embedDim %d is not divisible by heads %d; choose a head count that divides embedDim", embedDim, heads))
	case !(cfg.dropout >= 0 && cfg.dropout < 1):
		panic(fmt.Sprintf("attention.NewMultiHead: invalid dropout %v; want a probability in [0, 1)", cfg.dropout))
	case rng == nil:
		panic("attention.NewMultiHead: nil *rand.Rand; pass a seeded generator such as rand.New(rand.NewPCG(seed, 0))")
	}

	m := &MultiHead{
		embedDim: embedDim, heads: heads, keyDim: cfg.keyDim, valueDim: cfg.valueDim,
		dropout: cfg.dropout, rng: rng, training: true,
	}
	if cfg.keyDim == embedDim && cfg.valueDim == embedDim {
		m.InProjWeight = autodiff.Param(nn.GlorotUniform(rng, embedDim, 3*embedDim, embedDim, 3*embedDim))
	} else {
		m.QueryWeight = autodiff.Param(nn.GlorotUniform(rng, embedDim, embedDim, embedDim, embedDim))
		m.KeyWeight = autodiff.Param(nn.GlorotUniform(rng, cfg.keyDim, embedDim, cfg.keyDim, embedDim))
		m.ValueWeight = autodiff.Param(nn.GlorotUniform(rng, cfg.valueDim, embedDim, cfg.valueDim, embedDim))
	}
	outOpts := []nn.DenseOption{nn.WithBiasInit(nn.Zeros)}
	if cfg.bias {
		m.InProjBias = autodiff.Param(tensor.Zeros(3 * embedDim))
	} else {
		outOpts = append(outOpts, nn.WithoutBias())
	}
	m.OutProj = nn.NewDense(embedDim, embedDim, rng, outOpts...)
	return m
}

// Heads returns the number of heads.
func (m *MultiHead) Heads() int { return m.heads }

// EmbedDim returns the number of features of the query and the output.
func (m *MultiHead) EmbedDim() int { return m.embedDim }

// SetTraining turns attention dropout on (true) or off (false).
func (m *MultiHead) SetTraining(training bool) { m.training = training }

// Training reports whether the layer is in training mode.
func (m *MultiHead) Training() bool { return m.training }

// Forward returns the attention of query [batch, seqQ, embedDim] over key
// [batch, seqK, kdim] and value [batch, seqK, vdim], as
// [batch, seqQ, embedDim], without masks. For self-attention pass the same
// value three times.
func (m *MultiHead) Forward(query, key, value *autodiff.Value) *autodiff.Value {
	out, _ := m.ForwardMasked(query, key, value, Masks{}, false)
	return out
}

// ForwardMasked is Forward with masks (see Masks; a float Mask broadcasts
// to [batch, heads, seqQ, seqK]). With needWeights it also returns the
// attention weights averaged over the heads, [batch, seqQ, seqK], as
// PyTorch's default average_attn_weights=True; otherwise the second result
// is nil. The weights are a plain tensor: no gradient flows through them.
//
// It panics, naming the shapes, when the inputs do not fit the layer.
func (m *MultiHead) ForwardMasked(query, key, value *autodiff.Value, masks Masks, needWeights bool) (*autodiff.Value, *tensor.Tensor) {
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	if len(qs) != 3 || len(ks) != 3 || len(vs) != 3 ||
		qs[2] != m.embedDim || ks[2] != m.keyDim || vs[2] != m.valueDim ||
		ks[0] != qs[0] || vs[0] != qs[0] || vs[1] != ks[1] {
		panic(fmt.Sprintf("attention.MultiHead: query %v, key %v, value %v; want [batch, seqQ, %d], [batch, seqK, %d], [batch, seqK, %d]",
			qs, ks, vs, m.embedDim, m.keyDim, m.valueDim))
	}
	e := m.embedDim

	// Project, then split the features into heads: [batch, seq, embedDim]
	// → [batch, heads, seq, embedDim/heads].
	wq, wk, wv := m.QueryWeight, m.KeyWeight, m.ValueWeight
	if m.InProjWeight != nil {
		wq = autodiff.Slice(m.InProjWeight, 1, 0, e)
		wk = autodiff.Slice(m.InProjWeight, 1, e, 2*e)
		wv = autodiff.Slice(m.InProjWeight, 1, 2*e, 3*e)
	}
	var bq, bk, bv *autodiff.Value
	if m.InProjBias != nil {
		bq = autodiff.Slice(m.InProjBias, 0, 0, e)
		bk = autodiff.Slice(m.InProjBias, 0, e, 2*e)
		bv = autodiff.Slice(m.InProjBias, 0, 2*e, 3*e)
	}
	q := m.splitHeads(autodiff.Linear(query, wq, bq))
	k := m.splitHeads(autodiff.Linear(key, wk, bk))
	v := m.splitHeads(autodiff.Linear(value, wv, bv))

	// Attend in every head at once.
	opts := Options{Masks: masks, NeedWeights: needWeights, caller: "attention.MultiHead"}
	if m.training && m.dropout > 0 {
		opts.Dropout, opts.Rand = m.dropout, m.rng
	}
	heads, weights := ScaledDotProduct(q, k, v, &opts)

	// Join the heads, [batch, heads, seqQ, embedDim/heads] →
	// [batch, seqQ, embedDim],
	// and mix them with the output projection.
	joined := autodiff.Reshape(autodiff.Permute(heads, 0, 2, 1, 3), qs[0], qs[1], e)
	out := m.OutProj.Forward(joined)
	if weights != nil {
		weights = tensor.Mean(weights, 1, false)
	}
	return out, weights
}

// splitHeads turns [batch, seq, embedDim] into
// [batch, heads, seq, embedDim/heads].
func (m *MultiHead) splitHeads(x *autodiff.Value) *autodiff.Value {
	s := x.Shape()
	return autodiff.Permute(autodiff.Reshape(x, s[0], s[1], m.heads, m.embedDim/m.heads), 0, 2, 1, 3)
}

// Params returns "in_proj.weight" (or "q_proj.weight", "k_proj.weight" and
// "v_proj.weight" for separate key and value sizes), "in_proj.bias",
// "out_proj.weight" and "out_proj.bias", the biases unless built
// WithoutBias.
func (m *MultiHead) Params() []nn.Param {
	var ps []nn.Param
	if m.InProjWeight != nil {
		ps = append(ps, nn.Param{Name: "in_proj.weight", Value: m.InProjWeight})
	} else {
		ps = append(ps,
			nn.Param{Name: "q_proj.weight", Value: m.QueryWeight},
			nn.Param{Name: "k_proj.weight", Value: m.KeyWeight},
			nn.Param{Name: "v_proj.weight", Value: m.ValueWeight})
	}
	if m.InProjBias != nil {
		ps = append(ps, nn.Param{Name: "in_proj.bias", Value: m.InProjBias})
	}
	return append(ps, nn.Prefix("out_proj", m.OutProj.Params())...)
}

// String describes the layer, such as "MultiHead(embedDim=64, heads=4)".
func (m *MultiHead) String() string {
	s := fmt.Sprintf("MultiHead(embedDim=%d, heads=%d", m.embedDim, m.heads)
	if m.keyDim != m.embedDim || m.valueDim != m.embedDim {
		s += fmt.Sprintf(", kdim=%d, vdim=%d", m.keyDim, m.valueDim)
	}
	if m.dropout > 0 {
		s += fmt.Sprintf(", dropout=%g", m.dropout)
	}
	return s + ")"
}

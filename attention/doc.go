// Package attention implements scaled dot-product attention, multi-head
// attention and the transformer encoder and decoder, following PyTorch's
// F.scaled_dot_product_attention, nn.MultiheadAttention (batch_first=True),
// nn.TransformerEncoderLayer, nn.TransformerEncoder,
// nn.TransformerDecoderLayer and nn.TransformerDecoder.
//
// Tensors are batch first: a sequence batch is [batch, seq, embed], and
// inside attention the heads get their own axis, [batch, heads, seq, dim].
//
// Mask convention: every boolean mask in this package marks the pairs or keys
// to leave out, so true means "masked out", as in PyTorch's
// key_padding_mask and nn.MultiheadAttention's boolean attn_mask. (PyTorch's
// F.scaled_dot_product_attention uses the opposite convention for its
// boolean attn_mask.) A float mask is added to the scaled scores before the
// softmax, so −Inf forbids a pair and 0 leaves it alone.
//
// A query whose keys are all masked out gets all-zero attention weights, a
// zero output row and zero gradients. PyTorch's softmax of an all −Inf row
// gives NaN instead; see ScaledDotProduct.
package attention

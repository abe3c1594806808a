package datasets

import (
	"fmt"
	"math/rand/v2"

	"github.com/heed-ml/heed/tensor"
)

// Augment describes CIFAR-style training augmentation. The zero value
// changes nothing.
type Augment struct {
	// CropPad is the zero padding added on every side before a random crop
	// back to the original size, so an image shifts by up to CropPad
	// pixels along each axis. CIFAR-10 training commonly uses 4.
	CropPad int
	// FlipHorizontal mirrors each image left to right with probability 1/2.
	FlipHorizontal bool
}

// Apply returns a new tensor holding an augmented copy of each image of x,
// shape [N, C, H, W]. For each image in order it draws the crop offsets
// (rows, then columns) and then the flip, so the result depends only on x
// and the state of rng. Apply panics if x is not a contiguous 4-D tensor,
// if CropPad is negative or if rng is nil.
func (a Augment) Apply(x *tensor.Tensor, rng *rand.Rand) *tensor.Tensor {
	shape := x.Shape()
	if len(shape) != 4 {
		panic(fmt.Sprintf("datasets.Augment.Apply: input shape %v, want [N, C, H, W]", shape))
	}
	if a.CropPad < 0 {
		panic(fmt.Sprintf("datasets.Augment.Apply: negative CropPad %d", a.CropPad))
	}
	if rng == nil {
		panic("datasets.Augment.Apply: nil rng")
	}
	n, channels, height, width := shape[0], shape[1], shape[2], shape[3]
	src := x.Data()
	out := make([]float32, len(src))
	imageSize := channels * height * width
	pad := a.CropPad
	for i := range n {
		dy, dx := 0, 0
		if pad > 0 {
			dy, dx = rng.IntN(2*pad+1)-pad, rng.IntN(2*pad+1)-pad
		}
		flip := a.FlipHorizontal && rng.IntN(2) == 1
		for ch := range channels {
			base := i*imageSize + ch*height*width
			for y := range height {
				sy := y + dy
				if sy < 0 || sy >= height {
					continue // padding rows stay zero
				}
				dst := out[base+y*width : base+(y+1)*width]
				row := src[base+sy*width : base+(sy+1)*width]
				if !flip {
					// Output column x reads source column x+dx.
					lo, hi := max(0, -dx), min(width, width-dx)
					copy(dst[lo:hi], row[lo+dx:hi+dx])
					continue
				}
				// Crop first, then mirror: output column x reads source
				// column width-1-x+dx.
				for x := max(0, dx); x < min(width, width+dx); x++ {
					dst[x] = row[width-1-x+dx]
				}
			}
		}
	}
	return tensor.New(shape, out)
}

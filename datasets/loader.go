package datasets

import (
	"fmt"
	"iter"

	"github.com/heed-ml/heed/tensor"
)

// LoaderOptions configures a Loader. The zero value gives batches in
// dataset order with a short final batch.
type LoaderOptions struct {
	// Shuffle reorders the samples each epoch, from Seed and the epoch.
	Shuffle bool
	// DropLast skips a final batch smaller than the batch size.
	DropLast bool
	// Seed selects the shuffle order and the augmentation draws.
	Seed int64
	// Augment, when not nil, is applied to every batch.
	Augment *Augment
}

// Loader cuts a Dataset into mini-batches. It keeps a reference to the set,
// so later changes to the set show in later batches.
type Loader struct {
	data      *Dataset
	batchSize int
	opts      LoaderOptions
}

// Batch is one mini-batch. X is freshly allocated for each batch, shape
// [B, C, H, W]; Labels has the set's tasks with B labels each; Index holds
// the sample indices in the set, in batch order.
type Batch struct {
	X      *tensor.Tensor
	Labels map[string][]int
	Index  []int
}

// NewLoader returns a loader over d. It returns an error if batchSize is
// less than 1, if d is empty or inconsistent (see Dataset.Validate), or if
// opts.Augment has a negative CropPad.
func NewLoader(d *Dataset, batchSize int, opts LoaderOptions) (*Loader, error) {
	if d == nil {
		return nil, fmt.Errorf("loader: dataset is nil")
	}
	if batchSize < 1 {
		return nil, fmt.Errorf("loader for %q: batch size %d is less than 1", d.Name, batchSize)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	if d.Len() == 0 {
		return nil, fmt.Errorf("loader for %q: dataset is empty", d.Name)
	}
	if opts.Augment != nil && opts.Augment.CropPad < 0 {
		return nil, fmt.Errorf("loader for %q: augmentation CropPad %d is negative", d.Name, opts.Augment.CropPad)
	}
	if opts.Augment != nil {
		copied := *opts.Augment
		opts.Augment = &copied
	}
	return &Loader{data: d, batchSize: batchSize, opts: opts}, nil
}

// NumBatches returns the number of batches in each epoch.
func (l *Loader) NumBatches() int {
	n := l.data.Len()
	if l.opts.DropLast {
		return n / l.batchSize
	}
	return (n + l.batchSize - 1) / l.batchSize
}

// Order returns the sample indices of one epoch in the order Batches visits
// them, before any tail is dropped. Without Shuffle it is 0, 1, ..., Len-1.
func (l *Loader) Order(epoch int) []int {
	n := l.data.Len()
	if l.opts.Shuffle {
		return newRand(l.opts.Seed, domainShuffle, uint64(epoch)).Perm(n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

// Batches returns the batches of one epoch. The order depends only on Seed
// and epoch, and every sample appears exactly once, except the samples of a
// short final batch when DropLast is set. Augmentation draws come from a
// generator seeded by Seed, epoch and the batch number, so a batch has the
// same bits however far the caller iterates.
func (l *Loader) Batches(epoch int) iter.Seq[Batch] {
	return func(yield func(Batch) bool) {
		order := l.Order(epoch)
		for b := range l.NumBatches() {
			idx := order[b*l.batchSize : min((b+1)*l.batchSize, len(order))]
			batch := l.data.gather(idx, l.data.Name)
			x := batch.X
			if l.opts.Augment != nil {
				x = l.opts.Augment.Apply(x, newRand(l.opts.Seed, domainAugment, uint64(epoch), uint64(b)))
			}
			if !yield(Batch{X: x, Labels: batch.Labels, Index: append([]int(nil), idx...)}) {
				return
			}
		}
	}
}

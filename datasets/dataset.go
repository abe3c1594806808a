package datasets

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/heed-ml/heed/tensor"
)

// Dataset is an in-memory labelled image set.
type Dataset struct {
	// Name identifies the set in logs and reports, such as "mnist-train".
	Name string
	// X contains the pixels, shape [N, C, H, W], scaled to [0, 1].
	X *tensor.Tensor
	// Labels maps a task name to the class index of each sample. MNIST,
	// Fashion-MNIST and CIFAR-10 have the single task "class"; the
	// MultiMNIST family has "left" and "right".
	Labels map[string][]int
	// Classes maps a task name to its number of classes.
	Classes map[string]int
}

// Len returns the number of samples.
func (d *Dataset) Len() int {
	if d.X == nil || len(d.X.Shape()) == 0 {
		return 0
	}
	return d.X.Shape()[0]
}

// Tasks returns the label keys in sorted order.
func (d *Dataset) Tasks() []string {
	tasks := make([]string, 0, len(d.Labels))
	for task := range d.Labels {
		tasks = append(tasks, task)
	}
	sort.Strings(tasks)
	return tasks
}

// Validate checks that X is a 4-D contiguous tensor and that every task has
// one label per sample, each in [0, Classes[task]). Sets built by this
// package always pass; Validate is for sets assembled by hand.
func (d *Dataset) Validate() error {
	if d.X == nil {
		return fmt.Errorf("dataset %q: X is nil; set it to an [N, C, H, W] tensor", d.Name)
	}
	if len(d.X.Shape()) != 4 {
		return fmt.Errorf("dataset %q: X has shape %v; want 4 axes [N, C, H, W]", d.Name, d.X.Shape())
	}
	if !d.X.IsContiguous() {
		return fmt.Errorf("dataset %q: X of shape %v is not contiguous; store a contiguous copy", d.Name, d.X.Shape())
	}
	n := d.Len()
	for _, task := range d.Tasks() {
		labels := d.Labels[task]
		if len(labels) != n {
			return fmt.Errorf("dataset %q: task %q has %d labels for %d samples", d.Name, task, len(labels), n)
		}
		classes, ok := d.Classes[task]
		if !ok || classes < 1 {
			return fmt.Errorf("dataset %q: task %q has no class count; set Classes[%q]", d.Name, task, task)
		}
		for i, label := range labels {
			if label < 0 || label >= classes {
				return fmt.Errorf("dataset %q: task %q: sample %d has label %d, outside [0, %d)", d.Name, task, i, label, classes)
			}
		}
	}
	return nil
}

// sampleSize returns C*H*W, the number of floats per sample.
func (d *Dataset) sampleSize() int {
	shape := d.X.Shape()
	size := 1
	for _, s := range shape[1:] {
		size *= s
	}
	return size
}

// Subset returns a new set holding copies of the samples idx, in that order.
// An index may repeat. Subset panics if an index is out of range.
func (d *Dataset) Subset(idx []int) *Dataset {
	n := d.Len()
	for _, i := range idx {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("datasets.Subset: index %d out of range for dataset %q with %d samples", i, d.Name, n))
		}
	}
	return d.gather(idx, d.Name)
}

// gather copies the samples idx into a new set without checking the indices.
func (d *Dataset) gather(idx []int, name string) *Dataset {
	size := d.sampleSize()
	src := d.X.Data()
	dst := make([]float32, len(idx)*size)
	for k, i := range idx {
		copy(dst[k*size:(k+1)*size], src[i*size:(i+1)*size])
	}
	shape := slices.Clone(d.X.Shape())
	shape[0] = len(idx)

	labels := make(map[string][]int, len(d.Labels))
	for task, all := range d.Labels {
		chosen := make([]int, len(idx))
		for k, i := range idx {
			chosen[k] = all[i]
		}
		labels[task] = chosen
	}
	return &Dataset{Name: name, X: tensor.New(shape, dst), Labels: labels, Classes: cloneClasses(d.Classes)}
}

func cloneClasses(classes map[string]int) map[string]int {
	out := make(map[string]int, len(classes))
	for task, n := range classes {
		out[task] = n
	}
	return out
}

// Head returns a copy of the first n samples, or of all samples when n is
// larger than Len. It panics if n is negative.
func (d *Dataset) Head(n int) *Dataset {
	if n < 0 {
		panic(fmt.Sprintf("datasets.Head: negative count %d for dataset %q", n, d.Name))
	}
	n = min(n, d.Len())
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return d.gather(idx, d.Name)
}

// Split shuffles the sample indices with seed and puts the first
// floor(valFraction*Len) of them into val and the rest into train. Both parts
// keep the original sample order, so the seed decides only which samples go
// where. The parts are named after d with
// "-train" and "-val" appended.
//
// Split returns an error if valFraction is not in [0, 1).
func (d *Dataset) Split(valFraction float64, seed int64) (train, val *Dataset, err error) {
	if math.IsNaN(valFraction) || valFraction < 0 || valFraction >= 1 {
		return nil, nil, fmt.Errorf("dataset %q: validation fraction %v is outside [0, 1); pass for example 0.1 to hold out 10%%", d.Name, valFraction)
	}
	n := d.Len()
	nVal := int(math.Floor(valFraction * float64(n)))
	perm := newRand(seed, domainSplit).Perm(n)
	valIdx := perm[:nVal]
	trainIdx := perm[nVal:]
	slices.Sort(valIdx)
	slices.Sort(trainIdx)
	return d.gather(trainIdx, d.Name+"-train"), d.gather(valIdx, d.Name+"-val"), nil
}

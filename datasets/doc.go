// Package datasets loads the image sets Heed trains on and feeds them to a
// training loop in batches.
//
// It reads IDX files (MNIST, Fashion-MNIST), the binary CIFAR-10 batches,
// builds the two-item MultiMNIST family from those sets, splits a set into
// training and validation parts, and iterates over mini-batches with an
// optional seeded shuffle and CIFAR-style augmentation.
//
// Every set is held in memory as a [Dataset]: pixels as a float32 tensor of
// shape [N, C, H, W] scaled to [0, 1], and one class index per sample for
// each task. Loaders return errors that name the file or directory and tell
// how to fix the problem. Misuse of an in-memory set, such as an index out of
// range, panics with the function name and the values involved.
//
// All randomness comes from math/rand/v2 PCG sources seeded by the caller, so
// the same seed always gives the same bits.
package datasets

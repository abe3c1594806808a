// Package mtl trains multi-task models: a model with one output per task, a
// loss per task, and a strategy that turns the task losses into parameter
// gradients.
//
// There is one training loop, Fit. Single-task learning is the one-task
// case of it, so a single-task baseline and a multi-task model trained by
// Heed differ only in the model and the tasks, never in the loop.
//
// Four model shapes are provided:
//   - HardSharing: a shared trunk with one head per task (hard parameter
//     sharing). Every task reads the same input.
//   - Towers: one tower per task, each with its own input and dataset,
//     optionally followed by layers shared by all towers, then a head per
//     task (the classic two-dataset multi-input model).
//   - MMoE: shared experts mixed per task by a softmax gate, then a head
//     per task (Multi-gate Mixture-of-Experts).
//   - TaskAttention: a shared trunk of blocks from which each task selects
//     features with its own soft attention mask per block (MTAN).
//
// Strategies decide how the task losses become one gradient: fixed and
// equal weights, uncertainty weighting, Dynamic Weight Average, PCGrad,
// MGDA, MGDA-UB and GradNorm, each one type behind the Strategy interface.
//
// The study that motivates Heed, single-task versus multi-task training on
// the same data, budget and seed, is RunStudy.
package mtl

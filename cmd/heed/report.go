package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/heed-ml/heed/mtl"
)

// studySetup records what a study ran with, for the report header and the
// result files.
type studySetup struct {
	Dataset   string `json:"dataset"`
	Model     string `json:"model"`
	Experts   int    `json:"experts,omitempty"` // -model mmoe only
	Epochs    int    `json:"epochs"`
	Batch     int    `json:"batch"`
	Optimizer string `json:"optimizer"`
	Seed      int64  `json:"seed"`
	// The settings of the strategies that take them, recorded whether or
	// not the study ran those strategies.
	Weights           map[string]float64 `json:"fixed_weights"`
	GradNormAlpha     float64            `json:"gradnorm_alpha"`
	DWATemperature    float64            `json:"dwa_temperature"`
	MGDANormalization string             `json:"mgda_normalization"`
	Train             int                `json:"train_samples"`
	Test              int                `json:"test_samples"`
	Threads           int                `json:"threads"`
	Kernels           string             `json:"kernels"`
	TotalSeconds      float64            `json:"total_seconds"`
}

// modelName describes the model for the report header and the plot title.
func (s studySetup) modelName() string {
	if s.Experts > 0 {
		return fmt.Sprintf("mlp trunk, mmoe of %s", plural(s.Experts, "expert"))
	}
	if s.Model == "mtan" {
		return "mlp trunk with task attention (mtan)"
	}
	return s.Model + " trunk"
}

func printStudy(w io.Writer, s studySetup, res *mtl.StudyResult) {
	fmt.Fprintf(w, "\nMTL efficiency paradox: %s, %s, %d train / %d test, %s, batch %d, %s, seed %d, %s, %s kernels\n\n",
		s.Dataset, s.modelName(), s.Train, s.Test, plural(s.Epochs, "epoch"), s.Batch, s.Optimizer, s.Seed, plural(s.Threads, "thread"), s.Kernels)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "run\t"
	for _, t := range res.Tasks {
		header += t + " acc %\t"
	}
	header += "Δm %\tparams\ts/epoch\ttest s\t"
	fmt.Fprintln(tw, header)

	var stlParams int
	var stlSeconds, stlInference float64
	for _, run := range res.Runs {
		row := run.Name + "\t"
		for _, t := range res.Tasks {
			v, ok := run.Test[t+"_"+res.Metric]
			if ok && contains(run.Tasks, t) {
				row += fmt.Sprintf("%.2f\t", 100*v)
			} else {
				row += "-\t"
			}
		}
		if run.DeltaM != nil {
			row += fmt.Sprintf("%+.2f\t", *run.DeltaM)
		} else {
			row += "-\t"
		}
		row += fmt.Sprintf("%d\t%.2f\t%.2f\t", run.Params, run.SecondsPerEpoch, run.InferenceSeconds)
		fmt.Fprintln(tw, row)
		if run.Kind == "stl" {
			stlParams += run.Params
			stlSeconds += run.SecondsPerEpoch
			stlInference += run.InferenceSeconds
		}
	}
	row := "all stl\t" + strings.Repeat("\t", len(res.Tasks)) + fmt.Sprintf("\t%d\t%.2f\t%.2f\t", stlParams, stlSeconds, stlInference)
	fmt.Fprintln(tw, row)
	tw.Flush()

	fmt.Fprintf(w, "\nΔm %% = mean over tasks of (MTL − STL) / STL × 100 on test accuracy; positive means multi-task is better.\n")
	for _, run := range res.Runs {
		if run.Kind != "mtl" {
			continue
		}
		var parts []string
		for i, t := range res.Tasks {
			parts = append(parts, fmt.Sprintf("%s %+.2f points", t, run.TaskDelta[i]))
		}
		// The verdict follows the printed Δm, so a change that rounds to
		// ±0.00 % reads as a tie rather than a win or a loss.
		verdict := "better than"
		switch rounded := math.Round(*run.DeltaM * 100); {
		case rounded < 0:
			verdict = "worse than"
		case rounded == 0:
			verdict = "as good as"
		}
		fmt.Fprintf(w, "%s: jointly trained tasks are %s alone (Δm %+.2f%%; %s), with %.0f%% of the parameters and %.0f%% of the training time of the %d single-task models.\n",
			run.Name, verdict, *run.DeltaM, strings.Join(parts, ", "),
			100*float64(run.Params)/float64(stlParams), 100*run.SecondsPerEpoch/stlSeconds, len(res.Tasks))
	}
}

// plural returns "1 epoch" or "5 epochs".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// writeStudy writes results.json and results.csv into dir, each through a
// temporary file renamed into place so an interrupted run leaves the old
// files whole.
func writeStudy(dir string, s studySetup, res *mtl.StudyResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: cannot create the output directory (%v); pass a directory path", dir, err)
	}
	js, err := json.MarshalIndent(struct {
		Setup studySetup       `json:"setup"`
		Study *mtl.StudyResult `json:"study"`
	}{s, res}, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(joinPath(dir, "results.json"), append(js, '\n')); err != nil {
		return err
	}

	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	header := []string{"run", "kind", "strategy"}
	for _, t := range res.Tasks {
		header = append(header, t+"_accuracy", t+"_loss")
	}
	header = append(header, "delta_m_percent", "params", "seconds_per_epoch", "inference_seconds")
	_ = cw.Write(header)
	for _, run := range res.Runs {
		rec := []string{run.Name, run.Kind, run.Strategy}
		for _, t := range res.Tasks {
			if contains(run.Tasks, t) {
				rec = append(rec, fmtFloat(run.Test[t+"_accuracy"]), fmtFloat(run.Test[t+"_loss"]))
			} else {
				rec = append(rec, "", "")
			}
		}
		dm := ""
		if run.DeltaM != nil {
			dm = fmtFloat(*run.DeltaM)
		}
		rec = append(rec, dm, strconv.Itoa(run.Params), fmtFloat(run.SecondsPerEpoch), fmtFloat(run.InferenceSeconds))
		_ = cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return writeAtomic(joinPath(dir, "results.csv"), buf.Bytes())
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func joinPath(dir, name string) string { return filepath.Join(dir, name) }

// writeAtomic writes data to a temporary file beside path and renames it
// into place.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	// CreateTemp makes the file readable by its owner alone; results are
	// for everyone who can read the directory.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

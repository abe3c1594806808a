package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/heed-ml/heed/mtl"
)

// stlColor is the bar colour of single-task training, and mtlColors those
// of the multi-task strategies, distinct hues that never repeat the grey.
var (
	stlColor  = color.RGBA{R: 120, G: 120, B: 120, A: 255}
	mtlColors = []color.Color{
		color.RGBA{R: 31, G: 119, B: 180, A: 255},
		color.RGBA{R: 255, G: 127, B: 14, A: 255},
		color.RGBA{R: 44, G: 160, B: 44, A: 255},
		color.RGBA{R: 214, G: 39, B: 40, A: 255},
		color.RGBA{R: 148, G: 103, B: 189, A: 255},
		color.RGBA{R: 140, G: 86, B: 75, A: 255},
		color.RGBA{R: 227, G: 119, B: 194, A: 255},
		color.RGBA{R: 188, G: 189, B: 34, A: 255},
		color.RGBA{R: 23, G: 190, B: 207, A: 255},
	}
)

// writePlot draws each task's test accuracy as grouped bars, single-task
// first and then one bar per multi-task strategy, and writes the PNG to
// path through a temporary file.
func writePlot(path string, s studySetup, res *mtl.StudyResult) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s, %s, %s: test accuracy per task", s.Dataset, s.modelName(), plural(s.Epochs, "epoch"))
	p.Y.Label.Text = "test accuracy (%)"
	p.NominalX(res.Tasks...)
	// Leave headroom above 100 % for the legend, one line per run, and half
	// a slot on each side so the outer bar groups are not cut.
	runs := 1
	for _, run := range res.Runs {
		if run.Kind == "mtl" {
			runs++
		}
	}
	p.Y.Min, p.Y.Max = 0, max(115, 100+7*float64(runs))
	var ticks []plot.Tick
	for v := 0.0; v <= 100; v += 20 {
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = -0.5, float64(len(res.Tasks))-0.5
	p.Legend.Top = true

	// One series for single-task training (each task's own model), then one
	// per multi-task run.
	series := []struct {
		name   string
		values plotter.Values
	}{{name: "single-task"}}
	for _, task := range res.Tasks {
		series[0].values = append(series[0].values, 100*res.STL(task).Test[task+"_"+res.Metric])
	}
	for _, run := range res.Runs {
		if run.Kind != "mtl" {
			continue
		}
		entry := struct {
			name   string
			values plotter.Values
		}{name: fmt.Sprintf("%s (Δm %+.2f%%)", run.Name, *run.DeltaM)}
		for _, task := range res.Tasks {
			entry.values = append(entry.values, 100*run.Test[task+"_"+res.Metric])
		}
		series = append(series, entry)
	}

	width := vg.Points(120 / float64(len(series)))
	for i, ser := range series {
		bars, err := plotter.NewBarChart(ser.values, width)
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
		bars.Color = stlColor
		if i > 0 {
			bars.Color = mtlColors[(i-1)%len(mtlColors)]
		}
		bars.LineStyle.Width = 0
		bars.Offset = width * vg.Length(float64(i)-float64(len(series)-1)/2)
		p.Add(bars)
		p.Legend.Add(ser.name, bars)
	}

	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*.png")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := p.Save(6*vg.Inch, 4*vg.Inch, tmp.Name()); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/useful-pipeline/useful-pipeline/internal/memstat"
	"github.com/useful-pipeline/useful-pipeline/pipeline"
	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// FullRunConfig sets the full-run benchmark: one `useful-pipeline --stage
// all` process, watched from outside.
type FullRunConfig struct {
	Binary string
	Args   []string // flags; --run-dir is added
	RunDir string
	Every  time.Duration // RSS sampling period
	Log    io.Writer     // the run's own output (nil: discarded)
}

// FullRunResult is what the full-run benchmark measured.
type FullRunResult struct {
	Seconds                  float64
	StageSeconds             map[string]float64
	StageOrder               []string
	StageRSS                 []int64 // KiB at the end of each stage of StageOrder
	WarmRSS, EndRSS, PeakRSS int64   // KiB
	WarmStage                string
	FirstEpochRSS            int64 // KiB, read from outside at the first "epoch 1/" line
	Growth                   float64
	Runs                     []RunCost
}

// RunCost is what the benchmark takes from one run of metrics.json.
type RunCost struct {
	ID                string
	TrainSeconds      float64
	ProbeSeconds      float64
	UpsampledFraction float64
	TestErrorPct      float64
}

var (
	stageDone  = regexp.MustCompile(`^(\w+): stage done in ([0-9.]+)s \(RSS ([0-9.]+) MiB\)$`)
	firstEpoch = regexp.MustCompile(`: epoch 1/\d+ `)
)

// FullRun runs the pipeline once, sampling the process's RSS, and prints
// the RSS after warm-up (the first training epoch) and at the end, the
// wall time of each stage and the share of extract+cluster+resample, and
// the cost of each run relative to SGD from metrics.json.
func FullRun(cfg FullRunConfig, out io.Writer) (*FullRunResult, error) {
	if _, err := os.Stat(cfg.RunDir); err == nil {
		return nil, fmt.Errorf("run directory %s exists; give a new one", cfg.RunDir)
	}
	cmd := exec.Command(cfg.Binary, append(cfg.Args, "--run-dir", cfg.RunDir)...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res := &FullRunResult{StageSeconds: map[string]float64{}}
	var mu sync.Mutex
	warm := false
	done := make(chan struct{})
	go func() { // RSS sampler
		tick := time.NewTicker(cfg.Every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if v, err := memstat.RSSKiB(cmd.Process.Pid); err == nil && v > 0 {
					mu.Lock()
					res.PeakRSS = max(res.PeakRSS, v)
					mu.Unlock()
				}
			}
		}
	}()
	sc := bufio.NewScanner(pipe)
	var tail []string
	for sc.Scan() {
		line := sc.Text()
		if cfg.Log != nil {
			fmt.Fprintln(cfg.Log, line)
		}
		tail = append(tail, line)
		if len(tail) > 20 {
			tail = tail[1:]
		}
		if m := stageDone.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			res.StageSeconds[m[1]] = v
			res.StageOrder = append(res.StageOrder, m[1])
			// The process's own reading, after it released what the stage freed.
			mib, _ := strconv.ParseFloat(m[3], 64)
			res.StageRSS = append(res.StageRSS, int64(mib*1024))
		}
		if !warm && firstEpoch.MatchString(line) {
			if v, err := memstat.RSSKiB(cmd.Process.Pid); err == nil {
				warm = true
				res.FirstEpochRSS = v
			}
		}
	}
	err = cmd.Wait()
	close(done)
	res.Seconds = time.Since(t0).Seconds()
	if err != nil {
		return nil, fmt.Errorf("%s: %w; last lines:\n%s", cfg.Binary, err, strings.Join(tail, "\n"))
	}
	if !warm || len(res.StageRSS) != len(res.StageOrder) || len(res.StageOrder) < 2 {
		return nil, fmt.Errorf("the run's output lacks an \"epoch 1/\" line or \"stage done\" lines with RSS")
	}
	// Warm: the end of the first stage that trained (data loaded, a model
	// trained and released); end: the end of the last stage.
	res.WarmStage = res.StageOrder[0]
	res.WarmRSS = res.StageRSS[0]
	for i, s := range res.StageOrder {
		if st, _ := pipeline.Lookup(s); st.Trains {
			res.WarmStage, res.WarmRSS = s, res.StageRSS[i]
			break
		}
	}
	res.EndRSS = res.StageRSS[len(res.StageRSS)-1]
	res.Growth = 100 * float64(res.EndRSS-res.WarmRSS) / float64(res.WarmRSS)
	dir := rundir.New(cfg.RunDir)
	met, err := dir.Metrics().Read()
	if err != nil {
		return nil, err
	}
	factor := 0
	for _, r := range met.Runs {
		rc := RunCost{ID: r.ID, TrainSeconds: r.TrainSeconds, TestErrorPct: r.TestErrorPct}
		if r.ProbeSeconds != nil {
			rc.ProbeSeconds = *r.ProbeSeconds
		}
		if r.UpsampledFraction != nil {
			rc.UpsampledFraction = *r.UpsampledFraction
		}
		if r.Useful && factor == 0 {
			s, err := dir.Resample(r.Method, "").Summary().Read()
			if err != nil {
				return nil, err
			}
			factor = s.Factor
		}
		res.Runs = append(res.Runs, rc)
	}

	mib := func(k int64) float64 { return float64(k) / 1024 }
	fmt.Fprintf(out, "fullrun: %s %s: %.0f s\n", filepath.Base(cfg.Binary), strings.Join(cfg.Args, " "), res.Seconds)
	fmt.Fprintf(out, "rss: full run RSS at the end of %s (warm) %.1f MiB, at the end of the run %.1f MiB: growth %+.2f%% (target <= 5%%); during the first epoch %.1f MiB, peak %.1f MiB\n",
		res.WarmStage, mib(res.WarmRSS), mib(res.EndRSS), res.Growth, mib(res.FirstEpochRSS), mib(res.PeakRSS))
	var rs []string
	for i, v := range res.StageRSS {
		if i < len(res.StageOrder) {
			rs = append(rs, fmt.Sprintf("%s %.1f", res.StageOrder[i], mib(v)))
		}
	}
	fmt.Fprintf(out, "rss: MiB at the end of each stage: %s\n", strings.Join(rs, ", "))
	var total float64
	for _, s := range res.StageOrder {
		total += res.StageSeconds[s]
	}
	var parts []string
	for _, s := range res.StageOrder {
		parts = append(parts, fmt.Sprintf("%s %.1fs (%.1f%%)", s, res.StageSeconds[s], 100*res.StageSeconds[s]/total))
	}
	fmt.Fprintf(out, "stages: %s\n", strings.Join(parts, ", "))
	// USEFUL's own work besides training: the stages that only USEFUL runs
	// and that train nothing (extract, cluster, resample).
	var extra []string
	ecr := 0.0
	for _, st := range pipeline.Registry {
		if st.UsefulOnly && !st.Trains {
			extra = append(extra, st.Name)
			ecr += res.StageSeconds[st.Name]
		}
	}
	fmt.Fprintf(out, "stages: %s %.1f s = %.2f%% of the %.1f s of all stages\n", strings.Join(extra, "+"), ecr, 100*ecr/total, total)
	var sgd float64
	for _, r := range res.Runs {
		if r.ID == "sgd" {
			sgd = r.TrainSeconds
		}
	}
	if sgd == 0 {
		return res, fmt.Errorf("%s has no sgd run to compare with", dir.Metrics().Path())
	}
	for _, r := range res.Runs {
		line := fmt.Sprintf("cost: %-11s train %7.1f s = %.2fx SGD", r.ID, r.TrainSeconds, r.TrainSeconds/sgd)
		if r.ProbeSeconds > 0 {
			line += fmt.Sprintf(", with its probe %.2fx", (r.TrainSeconds+r.ProbeSeconds)/sgd)
		}
		if r.UpsampledFraction > 0 {
			line += fmt.Sprintf(", upsampled %.1f%% of the training set x%d (epoch = %.2fx SGD's)", 100*r.UpsampledFraction, factor, 1+float64(factor-1)*r.UpsampledFraction)
		}
		line += fmt.Sprintf("; test error %.2f%%", r.TestErrorPct)
		fmt.Fprintln(out, line)
	}
	return res, nil
}

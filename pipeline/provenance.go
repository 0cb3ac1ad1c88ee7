package pipeline

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/useful-pipeline/useful-pipeline/graphs"
	"github.com/useful-pipeline/useful-pipeline/options"
	"github.com/useful-pipeline/useful-pipeline/rundir"
	"github.com/useful-pipeline/useful-pipeline/stages"
)

// provenance gathers run.json for a run about to start: the program, the
// libraries and the machine, and the digests of the SavedModel folder and
// the data files (the devices are added once the model is loaded) (the run directory's earlier run.json, if any, serves as
// the digests' cache).
func provenance(env *stages.Env, io IO) (rundir.Provenance, error) {
	o := env.Opts
	var prev rundir.Provenance
	if p, err := env.Dir.Provenance().Read(); err == nil {
		prev = p
	}
	host, _ := os.Hostname()
	p := rundir.Provenance{Program: io.Program, Commit: io.Commit, TensorFlow: graphs.Version(), Go: runtime.Version(),
		Host: host, CPU: cpuModel(), Started: time.Now().UTC()}
	d, err := env.MainData()
	if err != nil {
		return p, err
	}
	// The model folder is digested when it is there (a stage that needs
	// none, such as cluster, may run without it).
	if md := env.ModelDir(d.Train.Shape, d.Train.NumClasses); dirExists(md) {
		if p.Model, err = rundir.DigestFolder(md, &prev.Model); err != nil {
			return p, err
		}
	}
	if o.Dataset != options.Toy {
		if p.Data, err = rundir.DigestFolder(o.DataDir, &prev.Data); err != nil {
			return p, err
		}
	}
	return p, nil
}

// checkInputsUnchanged refuses to continue a run whose inputs changed
// since it started: the data files, the SavedModel folder (both against
// run.json) and the data as loaded (against data/summary.json's digests).
func checkInputsUnchanged(env *stages.Env, now *rundir.Provenance) error {
	dir, o := env.Dir, env.Opts
	was, err := dir.Provenance().Read()
	if err != nil {
		return nil // a run that has not started a stage yet
	}
	fix := "; start afresh with --overwrite or use another --run-dir"
	if diff := was.Model.Diff(now.Model); len(diff) > 0 && len(now.Model.Files) > 0 {
		return options.Usagef("run directory %s: the SavedModel folder changed since the run started (%s records %s sha256 %.12s, now %s sha256 %.12s: %s)%s",
			o.RunDir, dir.Provenance().Path(), was.Model.Dir, was.Model.SHA256, now.Model.Dir, now.Model.SHA256, strings.Join(limit(diff, 5), ", "), fix)
	}
	if diff := was.Data.Diff(now.Data); len(diff) > 0 {
		return options.Usagef("run directory %s: the data files changed since the run started (%s): %s%s", o.RunDir, dir.Provenance().Path(), strings.Join(limit(diff, 5), ", "), fix)
	}
	// Checkpoints a resume would continue from must be this run's.
	id := dir.RunID()
	cks := []rundir.Checkpoint{dir.W0()}
	for _, r := range o.Runs() {
		cks = append(cks, dir.Retrain(r.ID).Checkpoint())
	}
	for _, ck := range cks {
		if err := ck.Check(id); err != nil {
			return options.Usagef("run directory %s: %v%s", o.RunDir, err, fix)
		}
	}
	sum, err := dir.DataSummary().Read()
	if err != nil {
		return nil // load has not completed yet
	}
	d, err := env.MainData()
	if err != nil {
		return err
	}
	if sum.TrainDigest != d.Train.Digest() || sum.TestDigest != d.Test.Digest() {
		return options.Usagef("run directory %s: the data differ from the data the run started with (%s records training set %.12s and test set %.12s; now %.12s and %.12s)%s",
			o.RunDir, dir.DataSummary().Path(), sum.TrainDigest, sum.TestDigest, d.Train.Digest(), d.Test.Digest(), fix)
	}
	return nil
}

func limit(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}

// cpuModel is the first "model name" of /proc/cpuinfo ("" elsewhere).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

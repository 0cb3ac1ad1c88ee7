package pipeline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"github.com/useful-pipeline/useful-pipeline/options"
)

// seedThreads returns the TensorFlow threads of each of o.Parallel seed
// processes: o.Threads if given, else the CPUs shared out (at least 1).
func seedThreads(o *options.Options) int {
	if o.Threads > 0 {
		return o.Threads
	}
	return max(1, runtime.NumCPU()/min(o.Parallel, len(o.Seeds)))
}

// runSeedProcesses runs the seeds of o, o.Parallel at a time, each as its
// own process (io.Self with the seed's flags): the one-seed run of perSeed,
// with plain log lines. Every line a process prints goes to io.Out prefixed
// with "seed <s>: ". The first failure stops the others (they keep their
// checkpoints for --resume) and is returned with the seed and the last
// lines the process wrote to its standard error. A process dies with its
// parent (Pdeathsig).
func runSeedProcesses(o *options.Options, pio IO) error {
	threads := seedThreads(o)
	fmt.Fprintf(pio.Out, "seeds %v: %d at a time, one process each with %d TensorFlow thread(s)\n", o.Seeds, min(o.Parallel, len(o.Seeds)), threads)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu    sync.Mutex // io.Out and first
		first error
		wg    sync.WaitGroup
		slots = make(chan struct{}, o.Parallel)
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			cancel()
		}
	}
	for _, s := range o.Seeds {
		one := perSeed(o, s)
		one.Threads, one.Quiet, one.Parallel = threads, true, 1
		slots <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		mu.Lock()
		fmt.Fprintf(pio.Out, "seed %d of %v: %s (process)\n", s, o.Seeds, one.RunDir)
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := runSeedProcess(ctx, pio, &one, s, &mu); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	return first
}

// runSeedProcess runs seed s's process to its end, copying its lines to
// pio.Out under mu.
func runSeedProcess(ctx context.Context, pio IO, one *options.Options, s uint64, mu *sync.Mutex) error {
	args := append(append([]string{}, pio.Self[1:]...), one.Args()...)
	cmd := exec.CommandContext(ctx, pio.Self[0], args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("seed %d: starting %s: %w", s, pio.Self[0], err)
	}
	prefix := fmt.Sprintf("seed %d: ", s)
	var tail []string // the process's last stderr lines
	var copying sync.WaitGroup
	copyLines := func(r io.Reader, keep bool) {
		defer copying.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			mu.Lock()
			fmt.Fprintln(pio.Out, prefix+sc.Text())
			if keep {
				tail = append(tail, sc.Text())
				if len(tail) > 5 {
					tail = tail[1:]
				}
			}
			mu.Unlock()
		}
	}
	copying.Add(2)
	go copyLines(stdout, false)
	go copyLines(stderr, true)
	copying.Wait()
	err = cmd.Wait()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("seed %d: stopped after another seed failed", s)
	}
	msg := strings.Join(tail, "\n")
	for _, l := range tail { // the program's own message, if it wrote one
		if m, ok := strings.CutPrefix(l, "useful-pipeline: "); ok {
			msg = m
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return &options.UsageError{Msg: fmt.Sprintf("seed %d: %s", s, msg)}
	}
	return fmt.Errorf("seed %d: %v: %s", s, err, msg)
}

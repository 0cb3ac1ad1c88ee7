package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
)

// PyProc is a long-lived Python benchmark process that answers commands on
// its stdin with one JSON line each on its stdout (keras_fit_bench.py):
// its set-up and warm-up happen once, then it takes turns with the Go side.
// Lines on stdout that are not JSON objects with an "event" key are
// skipped; stderr is kept (its last lines) for error messages.
type PyProc struct {
	script string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Scanner
	stderr *tailBuffer
	done   chan error
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// StartPyProc starts exe with args (the script first) and waits for its
// first event, which it returns (the "ready" event of keras_fit_bench.py).
// An exit before it is an error carrying the end of the process's stderr.
func StartPyProc(exe string, args ...string) (*PyProc, map[string]any, error) {
	if len(args) == 0 {
		return nil, nil, errors.New("bench: StartPyProc needs the script as its first argument")
	}
	p := &PyProc{script: args[0], cmd: exec.Command(exe, args...), stderr: &tailBuffer{max: 8192}, done: make(chan error, 1)}
	p.cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		return nil, nil, err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	p.out = bufio.NewScanner(stdout)
	p.out.Buffer(make([]byte, 64<<10), 16<<20)
	if err := p.cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", exe, strings.Join(args, " "), err)
	}
	ev, err := p.next()
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return p, ev, nil
}

// next returns the next event line.
func (p *PyProc) next() (map[string]any, error) {
	for p.out.Scan() {
		line := bytes.TrimSpace(p.out.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var ev map[string]any
		if json.Unmarshal(line, &ev) != nil {
			continue
		}
		if _, ok := ev["event"]; ok {
			return ev, nil
		}
	}
	if err := p.out.Err(); err != nil {
		return nil, fmt.Errorf("%s: reading its output: %w", p.script, err)
	}
	err := p.cmd.Wait()
	p.done <- err
	if err == nil {
		err = errors.New("exited")
	}
	return nil, fmt.Errorf("%s stopped before answering (%v); its stderr ends with:\n%s", p.script, err, p.stderr.String())
}

// Do sends one command line and returns the event it answers with, which
// must be of kind want.
func (p *PyProc) Do(command, want string) (map[string]any, error) {
	if _, err := fmt.Fprintln(p.stdin, command); err != nil {
		return nil, fmt.Errorf("%s: sending %q: %w; its stderr ends with:\n%s", p.script, command, err, p.stderr.String())
	}
	ev, err := p.next()
	if err != nil {
		return nil, err
	}
	if ev["event"] != want {
		return nil, fmt.Errorf("%s answered %q with event %v, want %q", p.script, command, ev["event"], want)
	}
	return ev, nil
}

// Close ends the process: "quit" and end of input, then its exit status.
func (p *PyProc) Close() error {
	fmt.Fprintln(p.stdin, "quit")
	p.stdin.Close()
	select {
	case err := <-p.done:
		return err
	default:
	}
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w; its stderr ends with:\n%s", p.script, err, p.stderr.String())
	}
	return nil
}

// floats returns ev[key] as a list of numbers.
func floats(ev map[string]any, key string) ([]float64, error) {
	raw, ok := ev[key].([]any)
	if !ok {
		return nil, fmt.Errorf("python event lacks the list %q: %v", key, ev)
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		f, ok := v.(float64)
		if !ok {
			return nil, fmt.Errorf("python event %q[%d] is %v, not a number", key, i, v)
		}
		out[i] = f
	}
	return out, nil
}

package graphs

import (
	"fmt"
	"runtime"

	tf "github.com/wamuir/graft/tensorflow"
	cpb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	"google.golang.org/protobuf/proto"
)

// Config sets the TensorFlow session. A nil *Config means the defaults below.
// The first session a process creates fixes TensorFlow's process-wide thread
// pools, so all models of one process should share one Config.
type Config struct {
	// IntraOpThreads is the number of threads one op may use; 0 means
	// runtime.NumCPU().
	IntraOpThreads int
	// InterOpThreads is the number of ops run at once; 0 means 1, which with
	// TF_DETERMINISTIC_OPS=1 keeps results bitwise repeatable.
	InterOpThreads int
	// GPUAllowGrowth lets TensorFlow grow GPU memory on demand instead of
	// taking it all up front (ignored by CPU builds).
	GPUAllowGrowth bool
}

func (c *Config) withDefaults() Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.IntraOpThreads == 0 {
		out.IntraOpThreads = runtime.NumCPU()
	}
	if out.InterOpThreads == 0 {
		out.InterOpThreads = 1
	}
	return out
}

func (c Config) sessionOptions() (*tf.SessionOptions, error) {
	if c.IntraOpThreads < 0 || c.InterOpThreads < 0 {
		return nil, fmt.Errorf("graphs: thread counts must be >= 0, got intra-op %d, inter-op %d", c.IntraOpThreads, c.InterOpThreads)
	}
	cp := &cpb.ConfigProto{
		IntraOpParallelismThreads: int32(c.IntraOpThreads),
		InterOpParallelismThreads: int32(c.InterOpThreads),
		GpuOptions:                &cpb.GPUOptions{AllowGrowth: c.GPUAllowGrowth},
	}
	b, err := proto.Marshal(cp)
	if err != nil {
		return nil, fmt.Errorf("graphs: session config: %w", err)
	}
	return &tf.SessionOptions{Config: b}, nil
}

// Version returns the version string reported by the loaded TensorFlow C
// library (TF_Version).
func Version() string { return tf.Version() }

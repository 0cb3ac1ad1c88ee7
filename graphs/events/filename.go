package events

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// FileSuffix ends the name of every event file this package writes, as the
// default filename_suffix of TensorFlow 2's tf.summary.create_file_writer.
const FileSuffix = ".v2"

// fileCounter numbers the files of this process, as the static
// file_id_counter of SummaryFileWriter::Initialize does in TensorFlow.
var fileCounter atomic.Int64

// FileName returns the name TensorFlow 2.18 gives an event file created at t
// by process pid on host: "events.out.tfevents.%010d.<host>.<pid>.<counter>.v2"
// (EventsWriter::InitIfNeeded formats "%s.out.tfevents.%010lld.%s%s" with the
// prefix "events" and SummaryFileWriter::Initialize's suffix ".<pid>.<counter>.v2").
// TensorBoard loads the files of a folder in the order of their names.
func FileName(t time.Time, host string, pid int, counter int64) string {
	return fmt.Sprintf("events.out.tfevents.%010d.%s.%d.%d%s", t.Unix(), host, pid, counter, FileSuffix)
}

// hostname is port::Hostname() of TensorFlow: gethostname, or "localhost"
// when that fails. A slash, which cannot appear in a file name, becomes "_".
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return strings.ReplaceAll(h, "/", "_")
}

package eventstest

import (
	"encoding/binary"
	"fmt"
	"math"

	spb "github.com/wamuir/graft/tensorflow/core/framework/summary_go_proto"
	typb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	epb "github.com/wamuir/graft/tensorflow/core/util/event_go_proto"

	"github.com/useful-pipeline/useful-pipeline/graphs/events"
)

// Point is one scalar of an event file.
type Point struct {
	Tag      string
	Step     int64
	WallTime float64
	Value    float32
}

// Scalars returns the scalars of evs in order: every Summary value of the
// scalars plugin that is a rank-0 DT_FLOAT tensor (as tf.summary.scalar and
// events.Writer write them), or a simple_value (as TensorFlow 1 wrote them).
// Any other value of the scalars plugin is an error naming the tag and step.
func Scalars(evs []*epb.Event) ([]Point, error) {
	var out []Point
	for _, ev := range evs {
		for _, v := range ev.GetSummary().GetValue() {
			p := Point{Tag: v.Tag, Step: ev.Step, WallTime: ev.WallTime}
			switch x := v.Value.(type) {
			case *spb.Summary_Value_SimpleValue:
				p.Value = x.SimpleValue
			case *spb.Summary_Value_Tensor:
				if v.GetMetadata().GetPluginData().GetPluginName() != events.ScalarPlugin {
					continue
				}
				t := x.Tensor
				if t.Dtype != typb.DataType_DT_FLOAT || len(t.GetTensorShape().GetDim()) != 0 {
					return nil, fmt.Errorf("tag %q step %d: scalar tensor %v %v, want a rank-0 DT_FLOAT", v.Tag, ev.Step, t.Dtype, t.GetTensorShape())
				}
				switch {
				case len(t.TensorContent) == 4:
					p.Value = math.Float32frombits(binary.LittleEndian.Uint32(t.TensorContent))
				case len(t.TensorContent) == 0 && len(t.FloatVal) == 1:
					p.Value = t.FloatVal[0]
				default:
					return nil, fmt.Errorf("tag %q step %d: scalar tensor holds %d content bytes and %d float_val", v.Tag, ev.Step, len(t.TensorContent), len(t.FloatVal))
				}
			default:
				continue
			}
			out = append(out, p)
		}
	}
	return out, nil
}

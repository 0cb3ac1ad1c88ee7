package events

import (
	"encoding/binary"
	"math"

	spb "github.com/wamuir/graft/tensorflow/core/framework/summary_go_proto"
	tpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	shpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_shape_go_proto"
	typb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
)

// ScalarPlugin is the plugin name TensorBoard's scalar dashboard reads
// (tensorboard/plugins/scalar/metadata.py, PLUGIN_NAME).
const ScalarPlugin = "scalars"

// scalarValue is the Summary.Value tf.summary.scalar writes in TensorFlow 2
// (tensorboard/plugins/scalar/summary_v2.py): the value cast to float32 as a
// rank-0 DT_FLOAT tensor whose 4 bytes are tensor_content, and metadata naming
// the scalars plugin (repeated on every value, as TensorFlow's C++ summary
// writer does).
func scalarValue(tag string, v float64) *spb.Summary_Value {
	content := make([]byte, 4)
	binary.LittleEndian.PutUint32(content, math.Float32bits(float32(v)))
	return &spb.Summary_Value{
		Tag: tag,
		Value: &spb.Summary_Value_Tensor{Tensor: &tpb.TensorProto{
			Dtype:         typb.DataType_DT_FLOAT,
			TensorShape:   &shpb.TensorShapeProto{},
			TensorContent: content,
		}},
		Metadata: &spb.SummaryMetadata{
			PluginData: &spb.SummaryMetadata_PluginData{PluginName: ScalarPlugin},
		},
	}
}

module github.com/useful-pipeline/useful-pipeline/docs/experiments/tfgo

go 1.26

require (
	github.com/galeone/tfgo v0.0.0-20230214145115-56cedbc50978
	github.com/wamuir/graft v0.10.0
)

require (
	github.com/galeone/tensorflow/tensorflow/go v0.0.0-20221023090153-6b7fa0680c3e // indirect
	google.golang.org/protobuf v1.34.2 // indirect
)

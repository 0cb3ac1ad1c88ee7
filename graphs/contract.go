package graphs

// Signature, argument and output names of the SavedModel contract; mirrored
// from python_export/contract.py (change both together).
const (
	ManifestFile   = "manifest.json"
	ManifestFormat = 1
	Tag            = "serve"

	SigTrainSGD  = "train_sgd"
	SigTrainSAM  = "train_sam"
	SigTrainASAM = "train_asam"
	// The soft-label (MixUp) steps take ArgTargets [N, num_classes] instead
	// of ArgLabels; otherwise they are the steps above.
	SigTrainSGDSoft  = "train_sgd_soft"
	SigTrainSAMSoft  = "train_sam_soft"
	SigTrainASAMSoft = "train_asam_soft"
	SigPredict       = "predict"
	SigEvaluate      = "evaluate"
	SigSave          = "save"
	SigRestore       = "restore"
	SigReset         = "reset"
	SigGetParams     = "get_params"
	SigHVP           = "hvp"

	ArgImages      = "images"
	ArgLabels      = "labels"
	ArgTargets     = "targets"
	ArgWeights     = "weights"
	ArgLR          = "lr"
	ArgMomentum    = "momentum"
	ArgWeightDecay = "weight_decay"
	ArgRho         = "rho"
	ArgSeed        = "seed"
	ArgPath        = "path"
	ArgVector      = "vector"

	OutLoss              = "loss"
	OutCorrect           = "correct"
	OutLogits            = "logits"
	OutPerExampleLoss    = "per_example_loss"
	OutPerExampleCorrect = "per_example_correct"
	OutStatus            = "status"
	OutParams            = "params"
	OutHV                = "hv"
)

type sigContract struct {
	inputs, outputs []string
}

// contract lists every signature a model folder must export with its inputs
// and outputs.
var contract = map[string]sigContract{
	SigTrainSGD:      {[]string{ArgImages, ArgLabels, ArgWeights, ArgLR, ArgMomentum, ArgWeightDecay, ArgSeed}, []string{OutLoss, OutCorrect}},
	SigTrainSAM:      {[]string{ArgImages, ArgLabels, ArgWeights, ArgLR, ArgMomentum, ArgWeightDecay, ArgRho, ArgSeed}, []string{OutLoss, OutCorrect}},
	SigTrainASAM:     {[]string{ArgImages, ArgLabels, ArgWeights, ArgLR, ArgMomentum, ArgWeightDecay, ArgRho, ArgSeed}, []string{OutLoss, OutCorrect}},
	SigTrainSGDSoft:  {[]string{ArgImages, ArgTargets, ArgWeights, ArgLR, ArgMomentum, ArgWeightDecay, ArgSeed}, []string{OutLoss, OutCorrect}},
	SigTrainSAMSoft:  {[]string{ArgImages, ArgTargets, ArgWeights, ArgLR, ArgMomentum, ArgWeightDecay, ArgRho, ArgSeed}, []string{OutLoss, OutCorrect}},
	SigTrainASAMSoft: {[]string{ArgImages, ArgTargets, ArgWeights, ArgLR, ArgMomentum, ArgWeightDecay, ArgRho, ArgSeed}, []string{OutLoss, OutCorrect}},
	SigPredict:       {[]string{ArgImages}, []string{OutLogits}},
	SigEvaluate:      {[]string{ArgImages, ArgLabels}, []string{OutLogits, OutPerExampleLoss, OutPerExampleCorrect}},
	SigSave:          {[]string{ArgPath}, []string{OutStatus}},
	SigRestore:       {[]string{ArgPath}, []string{OutStatus}},
	SigReset:         {[]string{ArgSeed}, []string{OutStatus}},
	SigGetParams:     {nil, []string{OutParams}},
	SigHVP:           {[]string{ArgImages, ArgLabels, ArgVector}, []string{OutHV}},
}

// trainSigs maps a method name to its train signatures: labelled and soft.
var trainSigs = map[string]struct{ hard, soft string }{
	"sgd":  {SigTrainSGD, SigTrainSGDSoft},
	"sam":  {SigTrainSAM, SigTrainSAMSoft},
	"asam": {SigTrainASAM, SigTrainASAMSoft},
}

"""The SavedModel contract shared with graphs/contract.go.

Every name here is mirrored in graphs/contract.go; the Go side checks a loaded
SavedModel against its manifest and against this list. Change both together.
"""

MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = 1
TAG = "serve"

# Signature names.
TRAIN_SGD = "train_sgd"
TRAIN_SAM = "train_sam"
TRAIN_ASAM = "train_asam"
# Soft-label (MixUp) steps: targets [N, num_classes] float32 instead of labels.
TRAIN_SGD_SOFT = "train_sgd_soft"
TRAIN_SAM_SOFT = "train_sam_soft"
TRAIN_ASAM_SOFT = "train_asam_soft"
PREDICT = "predict"
EVALUATE = "evaluate"
SAVE = "save"
RESTORE = "restore"
RESET = "reset"
GET_PARAMS = "get_params"
HVP = "hvp"

# Argument names (inputs come out as "<signature>_<arg>:0").
IMAGES = "images"
LABELS = "labels"
TARGETS = "targets"
WEIGHTS = "weights"
LR = "lr"
MOMENTUM = "momentum"
WEIGHT_DECAY = "weight_decay"
RHO = "rho"
SEED = "seed"
PATH = "path"
VECTOR = "vector"

# Output keys.
LOSS = "loss"
CORRECT = "correct"
LOGITS = "logits"
PER_EXAMPLE_LOSS = "per_example_loss"
PER_EXAMPLE_CORRECT = "per_example_correct"
STATUS = "status"
PARAMS = "params"
HV = "hv"

# signature -> (ordered input args, ordered output keys)
SIGNATURES = {
    TRAIN_SGD: ([IMAGES, LABELS, WEIGHTS, LR, MOMENTUM, WEIGHT_DECAY, SEED], [LOSS, CORRECT]),
    TRAIN_SAM: ([IMAGES, LABELS, WEIGHTS, LR, MOMENTUM, WEIGHT_DECAY, RHO, SEED], [LOSS, CORRECT]),
    TRAIN_ASAM: ([IMAGES, LABELS, WEIGHTS, LR, MOMENTUM, WEIGHT_DECAY, RHO, SEED], [LOSS, CORRECT]),
    TRAIN_SGD_SOFT: ([IMAGES, TARGETS, WEIGHTS, LR, MOMENTUM, WEIGHT_DECAY, SEED], [LOSS, CORRECT]),
    TRAIN_SAM_SOFT: ([IMAGES, TARGETS, WEIGHTS, LR, MOMENTUM, WEIGHT_DECAY, RHO, SEED], [LOSS, CORRECT]),
    TRAIN_ASAM_SOFT: ([IMAGES, TARGETS, WEIGHTS, LR, MOMENTUM, WEIGHT_DECAY, RHO, SEED], [LOSS, CORRECT]),
    PREDICT: ([IMAGES], [LOGITS]),
    EVALUATE: ([IMAGES, LABELS], [LOGITS, PER_EXAMPLE_LOSS, PER_EXAMPLE_CORRECT]),
    SAVE: ([PATH], [STATUS]),
    RESTORE: ([PATH], [STATUS]),
    RESET: ([SEED], [STATUS]),
    GET_PARAMS: ([], [PARAMS]),
    # Hessian-vector product of the mean cross-entropy over the batch, in
    # inference mode; vector and hv are float32 [param_count], laid out as
    # get_params' params.
    HVP: ([IMAGES, LABELS, VECTOR], [HV]),
}

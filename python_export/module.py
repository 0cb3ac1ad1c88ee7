"""The exported tf.Module: train steps (SGD, SAM, ASAM), predict, evaluate,
save/restore of every variable, reset to a seeded W0, and a flat view of the
trainable parameters. Signature names and arguments come from contract.py.

Optimiser (PyTorch SGD, as in the paper's code): coupled L2 weight decay,
    g <- grad + wd * w;  buf <- momentum * buf + g;  w <- w - lr * buf
applied to every parameter (batch-norm gamma/beta and biases included).

SAM (Foret et al. 2021, arXiv:2010.01412; as in davda54/sam):
    g1 = grad L(w)                    (loss gradient only, no decay)
    e  = rho * g1 / (||g1||_2 + 1e-12)  (norm over all parameters together)
    g2 = grad L(w + e)                (same batch, a fresh dropout mask)
    base step with g2 at w (decay and momentum as above).
Batch-norm moving statistics move in the first pass only. The second pass
draws its dropout masks from second_pass_seed(seed) = seed XOR
SECOND_PASS_SEED_XOR, as PyTorch's SAM draws new masks in its second forward
call. rho = 0 gives e = 0, w + e == w bitwise, hence exactly the SGD step for
a model without dropout; with dropout it is the SGD step taken with the
second pass's mask (the reported loss is the first pass's).

ASAM (Kwon et al. 2021, arXiv:2102.11600; as in SamsungLabs/ASAM asam.py),
signature train_asam with the same inputs as train_sam:
    T  = |w| + eta (eta = ASAM_ETA = 0.01) for "weight" parameters, T = 1 else
    e  = rho * T^2 g1 / (||T g1||_2 + 1e-12)  (norm over all parameters together)
then exactly SAM's second pass and base step. The official code scales only
parameters whose PyTorch name contains "weight": conv/linear weights and the
batch/layer-norm scale, not biases, BN/LN shift, position embeddings or CLS
tokens. Here those are the parameters whose name ends in /kernel, /gamma, or
is the toy model's "filters" (asam_adaptive). The official code adds 1e-16 to
the norm; 1e-12 is used as in train_sam (immaterial unless g1 == 0).

The loss is sum_i weights_i * CE_i / batch_size: ones reproduce the plain
mean; the upweighting baseline doubles the weight of the slow cluster.

Soft labels (MixUp): train_sgd_soft, train_sam_soft and train_asam_soft take
targets [N, C] (float32, rows are distributions) instead of labels and use
CE_i = -sum_k targets_ik log softmax(logits_i)_k in the same weighted mean;
otherwise they are the steps above. Their `correct` counts the examples whose
predicted class is the argmax of their targets row.

hvp (for the sharpness stage: lambda_max and lambda_max/lambda_5 by Lanczos)
returns H v for the Hessian H of the plain mean cross-entropy over the given
batch (all weights 1, no weight decay) with respect to all trainable
parameters, in inference mode (training=False: batch norm uses its moving
statistics, no dropout), so H is a fixed symmetric matrix for a fixed batch
and weights. v and H v are flat float32 vectors laid out as get_params'
params (parameters in order, each flattened row-major). It is computed
forward-over-backward (a ForwardAccumulator around the gradient tape), and
changes no variable. (tf.nn.moments stops the gradient at the mean and would
drop a second-derivative term; batch norm in inference mode does not use it
and LayerNorm computes its variance without it, models_paper._Ctx.ln.)
"""

import functools

import numpy as np
import tensorflow as tf

import contract as C

F32 = tf.float32

ASAM_ETA = 0.01
# SAM's second pass draws its dropout mask from seed XOR this constant (the
# 64-bit golden ratio 0x9E3779B97F4A7C15 as a signed int64): a fresh mask, as
# PyTorch's SAM gets from its second forward call, and still a pure function of
# the step seed. Go's step seeds are non-negative, so seed XOR it (negative)
# is never another step's seed.
SECOND_PASS_SEED_XOR = -0x61C8864680B583EB
ASAM_ADAPTIVE_LEAVES = ("kernel", "gamma", "filters")


def asam_adaptive(param_name):
    """True for the parameters ASAM rescales by |w| + eta: those PyTorch
    names "...weight" (conv/dense kernels, norm scales, the toy filters)."""
    return param_name.rsplit("/", 1)[-1] in ASAM_ADAPTIVE_LEAVES


def second_pass_seed(seed):
    """The dropout seed of SAM's and ASAM's second forward pass."""
    return tf.bitwise.bitwise_xor(tf.cast(seed, tf.int64), tf.constant(SECOND_PASS_SEED_XOR, tf.int64))


def _spec(shape, dtype, name):
    return tf.TensorSpec(shape, dtype, name=name)


class TrainModule(tf.Module):
    def __init__(self, model):
        super().__init__(name="useful")
        self.model = model
        self.params = [tf.Variable(tf.zeros(p.shape, F32), name="param/" + p.name) for p in model.params]
        self.state = [tf.Variable(s.initial(), trainable=False, name="state/" + s.name) for s in model.state]
        self.slots = [tf.Variable(tf.zeros(p.shape, F32), trainable=False, name="slot/" + p.name)
                      for p in model.params]
        self.step = tf.Variable(tf.constant(0, tf.int64), trainable=False, name="step")
        self._reset(tf.constant(0, tf.int64))

        img = _spec([None] + model.input_shape, F32, C.IMAGES)
        lab = _spec([None], tf.int32, C.LABELS)
        wts = _spec([None], F32, C.WEIGHTS)
        scalar = lambda n: _spec([], F32, n)
        seed = _spec([], tf.int64, C.SEED)
        path = _spec([], tf.string, C.PATH)

        self._asam_adaptive = tuple(asam_adaptive(p.name) for p in model.params)
        tgt = _spec([None, model.num_classes], F32, C.TARGETS)
        hyper = [scalar(C.LR), scalar(C.MOMENTUM), scalar(C.WEIGHT_DECAY)]
        for method in ("sgd", "sam", "asam"):
            rho = [] if method == "sgd" else [scalar(C.RHO)]
            for soft, y in ((False, lab), (True, tgt)):
                name = "train_" + method + ("_soft" if soft else "")
                if method == "sgd":
                    step = functools.partial(self._train_sgd, soft)
                else:
                    step = functools.partial(self._train_sharp, method, soft)
                setattr(self, name, tf.function(step, input_signature=[img, y, wts] + hyper + rho + [seed]))
        self.predict = tf.function(self._predict, input_signature=[img])
        self.evaluate = tf.function(self._evaluate, input_signature=[img, lab])
        self.save = tf.function(self._save, input_signature=[path])
        self.restore = tf.function(self._restore, input_signature=[path])
        self.reset = tf.function(self._reset_sig, input_signature=[seed])
        self.get_params = tf.function(self._get_params, input_signature=[])
        self._param_sizes = tuple(int(np.prod(p.shape)) for p in model.params)
        vec = _spec([model.param_count()], F32, C.VECTOR)
        self.hvp = tf.function(self._hvp, input_signature=[img, lab, vec])

    # ---- pieces -------------------------------------------------------
    def _loss(self, params, images, labels, weights, training, seed, soft=False):
        """sum_i weights_i * CE_i / N, with CE against integer labels or,
        when soft, against the rows of labels (targets [N, C])."""
        logits, new_state = self.model.forward(params, [s.read_value() for s in self.state],
                                               images, training, seed)
        if soft:
            per_ex = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        else:
            per_ex = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        n = tf.cast(tf.shape(labels)[0], F32)
        loss = tf.reduce_sum(weights * per_ex) / n
        return loss, logits, new_state

    @staticmethod
    def _correct(logits, labels):
        return tf.cast(tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), labels), tf.int32)

    @staticmethod
    def _hard(labels, soft):
        """The labels that count as correct: argmax of the targets when soft."""
        return tf.argmax(labels, axis=1, output_type=tf.int32) if soft else labels

    def _apply(self, grads, lr, momentum, weight_decay):
        # buf <- momentum * buf + g; w <- w - lr * buf as one fused kernel.
        # Written as separate adds, grappler's arithmetic optimiser may regroup
        # momentum*buf + (grad + wd*w) into an AddN in one graph and not in
        # another, and SAM/ASAM at rho = 0 then differ from SGD in the last
        # bit (seen on preact_resnet18).
        for p, g, buf in zip(self.params, grads, self.slots):
            g = g + weight_decay * p
            tf.raw_ops.ResourceApplyMomentum(var=p.handle, accum=buf.handle, lr=lr, grad=g, momentum=momentum,
                                             use_locking=False, use_nesterov=False)
        self.step.assign_add(1)

    def _set_state(self, new_state):
        for v, s in zip(self.state, new_state):
            v.assign(s)

    # ---- signatures ---------------------------------------------------
    def _train_sgd(self, soft, images, labels, weights, lr, momentum, weight_decay, seed):
        with tf.GradientTape() as tape:
            loss, logits, new_state = self._loss(self.params, images, labels, weights, True, seed, soft)
        grads = tape.gradient(loss, self.params)
        self._set_state(new_state)
        self._apply(grads, lr, momentum, weight_decay)
        return {C.LOSS: loss, C.CORRECT: tf.reduce_sum(self._correct(logits, self._hard(labels, soft)))}

    def _train_sharp(self, method, soft, images, labels, weights, lr, momentum, weight_decay, rho, seed):
        """SAM (method "sam") or ASAM ("asam"): see the module docstring."""
        with tf.GradientTape() as tape:
            loss, logits, new_state = self._loss(self.params, images, labels, weights, True, seed, soft)
        g1 = tape.gradient(loss, self.params)
        if method == "asam":
            t = [tf.abs(p) + ASAM_ETA if a else None for p, a in zip(self.params, self._asam_adaptive)]
        else:
            t = [None] * len(g1)
        tg = [g if ti is None else ti * g for ti, g in zip(t, g1)]
        norm = tf.sqrt(tf.add_n([tf.reduce_sum(x * x) for x in tg]))
        scale = rho / (norm + 1e-12)
        perturbed = [p + scale * (x if ti is None else ti * x) for p, ti, x in zip(self.params, t, tg)]
        with tf.GradientTape() as tape2:
            tape2.watch(perturbed)
            loss2, _, _ = self._loss(perturbed, images, labels, weights, True, second_pass_seed(seed), soft)
        g2 = tape2.gradient(loss2, perturbed)
        self._set_state(new_state)  # first pass only
        self._apply(g2, lr, momentum, weight_decay)
        return {C.LOSS: loss, C.CORRECT: tf.reduce_sum(self._correct(logits, self._hard(labels, soft)))}

    def _predict(self, images):
        logits, _ = self.model.forward(self.params, self.state, images, False, tf.constant(0, tf.int64))
        return {C.LOGITS: logits}

    def _evaluate(self, images, labels):
        logits, _ = self.model.forward(self.params, self.state, images, False, tf.constant(0, tf.int64))
        per_ex = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        return {C.LOGITS: logits, C.PER_EXAMPLE_LOSS: per_ex,
                C.PER_EXAMPLE_CORRECT: self._correct(logits, labels)}

    def variables_by_key(self):
        """Checkpoint key -> variable, for every variable the module owns."""
        out = {}
        for spec, v in zip(self.model.params, self.params):
            out["param/" + spec.name] = v
        for spec, v in zip(self.model.state, self.state):
            out["state/" + spec.name] = v
        for spec, v in zip(self.model.params, self.slots):
            out["slot/" + spec.name] = v
        out["step"] = self.step
        return out

    def _save(self, path):
        items = sorted(self.variables_by_key().items())
        op = tf.raw_ops.SaveV2(prefix=path, tensor_names=[k for k, _ in items],
                               shape_and_slices=[""] * len(items),
                               tensors=[v.read_value() for _, v in items])
        with tf.control_dependencies([op]):
            status = tf.identity(tf.constant(1, tf.int32))
        return {C.STATUS: status}

    def _restore(self, path):
        items = sorted(self.variables_by_key().items())
        values = tf.raw_ops.RestoreV2(prefix=path, tensor_names=[k for k, _ in items],
                                      shape_and_slices=[""] * len(items),
                                      dtypes=[v.dtype for _, v in items])
        ops = [v.assign(x) for (_, v), x in zip(items, values)]
        with tf.control_dependencies(ops):
            status = tf.identity(tf.constant(1, tf.int32))
        return {C.STATUS: status}

    def _reset(self, seed):
        for i, (spec, v) in enumerate(zip(self.model.params, self.params)):
            v.assign(spec.initial(seed, i))
        for spec, v in zip(self.model.state, self.state):
            v.assign(spec.initial())
        for v in self.slots:
            v.assign(tf.zeros_like(v))
        self.step.assign(0)

    def _reset_sig(self, seed):
        self._reset(seed)
        with tf.control_dependencies([self.step.read_value()]):
            status = tf.identity(tf.constant(1, tf.int32))
        return {C.STATUS: status}

    def _get_params(self):
        return {C.PARAMS: tf.concat([tf.reshape(p, [-1]) for p in self.params], axis=0)}

    def _hvp(self, images, labels, vector):
        tangents = [tf.reshape(t, p.shape) for t, p in
                    zip(tf.split(vector, self._param_sizes), self.params)]
        ones = tf.ones(tf.shape(labels), F32)
        with tf.autodiff.ForwardAccumulator(self.params, tangents) as acc:
            with tf.GradientTape() as tape:
                loss, _, _ = self._loss(self.params, images, labels, ones, False, tf.constant(0, tf.int64))
            grads = tape.gradient(loss, self.params, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        hv = acc.jvp(grads, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        flat = tf.concat([tf.reshape(h, [-1]) for h in hv], axis=0)
        return {C.HV: tf.reshape(flat, [self.model.param_count()])}  # static shape for the manifest

    def signatures(self):
        return {name: getattr(self, name).get_concrete_function() for name in C.SIGNATURES}

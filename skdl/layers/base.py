"""The contract every layer of the engine keeps.

A layer is built once its input shape is known: :meth:`Layer.build` checks
that it fits, fixes its output shape and lists the weights it needs. The
network then hands it views into its single flat parameter and gradient
vectors (:meth:`Layer.bind`), so that every optimizer, L-BFGS and the L2
penalty see all layers' trainable weights as one vector; weights that do
not train (``WeightSpec(..., trainable=False)``) are views into a second
vector that no optimizer sees.

Training passes run over preallocated per-batch buffers
(:meth:`Layer.allocate`, :meth:`Layer.forward`, :meth:`Layer.backward`);
predictions run through :meth:`Layer.predict` in fresh arrays, so that
several threads may predict at once. The buffers, and whatever a forward
pass keeps for its backward pass, live in the layer's :class:`Scratch`,
which is never part of the layer's state: a pickle or a deep copy of a
layer carries its hyperparameters and weights, not its last batch.

Shapes are of one sample and channels-last: ``(n_features,)`` for flat
rows, ``(height, width, channels)`` for images. Arrays passed between
layers carry the batch in front: ``(n_samples, *shape)``.

Masks follow Keras's masking: a layer that makes one (an ``Embedding``
with ``mask_zero=True``) marks which steps of each sequence hold data,
as a boolean array of shape ``(n_samples, timesteps)``. The network hands
the mask down the stack: through the layers that keep the steps as they
are (:attr:`Layer.passes_mask`), into the layers that use it
(:attr:`Layer.takes_mask`: the recurrent layers, the global average
pool, attention), and it stops at any other layer.

This module knows nothing of scikit-learn.
"""

import copy
import inspect
import numbers

import numpy as np

from ..backend import dense as dense_routines
from ..activations import get_activation
from ..initializers import get_initializer
from ..scratch import Scratch
from ._keras_form import as_json, keras_activation, read_keras_config

__all__ = ["Layer", "Scratch", "WeightSpec"]


class WeightSpec:
    """What one weight array of a layer is.

    Parameters
    ----------
    name : str
        Keras's name for it (``"kernel"``, ``"bias"``, ``"moving_mean"``, ...).
    shape : tuple of int
        Its shape, in Keras's layout.
    penalised : bool
        Whether the L2 penalty applies to it (kernels yes, biases no).
    trainable : bool, default=True
        Whether training moves it. A weight that does not train (Keras's
        ``add_weight(trainable=False)``, such as a running statistic) is
        saved and restored with the others by ``get_weights`` and
        ``set_weights``, but optimizers, L-BFGS and the L2 penalty never see
        it: only the layer's own passes change it.

    Raises
    ------
    ValueError
        If the weight is penalised but not trainable: the L2 penalty acts
        through the gradient, which a weight that does not train has none of.
    """

    def __init__(self, name, shape, penalised, trainable=True):
        self.name = name
        self.shape = tuple(int(s) for s in shape)
        self.penalised = bool(penalised)
        self.trainable = bool(trainable)
        if self.penalised and not self.trainable:
            raise ValueError(
                f"WeightSpec {name!r} is penalised but not trainable: the L2 penalty "
                "acts only on weights that train; pass penalised=False."
            )

    @property
    def size(self):
        """Number of entries."""
        return int(np.prod(self.shape, dtype=np.int64))

    def __repr__(self):
        trainable = "" if self.trainable else ", trainable=False"
        return (f"WeightSpec({self.name!r}, {self.shape}, penalised={self.penalised}"
                f"{trainable})")


class Layer:
    """Base class of the engine's layers, and the contract a layer of your
    own keeps; the user guide's page :ref:`custom_layers` walks through a
    complete one.

    A subclass:

    - stores its hyperparameters in ``__init__`` under the names of its
      arguments, and does nothing else there (as scikit-learn estimators
      do, so that :meth:`get_config`, ``repr``, copies and searches list
      them); Keras's last argument ``name=None``, stored as ``self.name``,
      lets users name it (an estimator names the layers left unnamed, and
      those whose class takes no name, after their class);
    - implements :meth:`_build`, which checks the hyperparameters against
      the input shape (refusing with :meth:`_refuse`) and returns the output
      shape;
    - if it has weights, lists them in :meth:`weight_specs`, names the views
      it is given in :meth:`bind` (after calling the base's) and draws them
      in :meth:`initialize`;
    - implements :meth:`forward`, the training pass, which keeps what
      :meth:`backward` needs in :attr:`scratch` and may update weights that
      do not train; :meth:`backward`, which writes the trainable weights'
      gradients into :attr:`gradients` and returns the input's gradient;
      and :meth:`predict`, inference in fresh arrays, which changes nothing;
    - may override :meth:`allocate` to make per-batch buffers, kept in
      :attr:`scratch`, never in other attributes;
    - may give its ONNX form with a method ``to_onnx(graph, x)`` that writes
      its prediction for the tensor named ``x`` through
      :class:`skdl.onnx.OnnxGraph` and returns the output's name;
    - takes part in masking through :attr:`passes_mask`,
      :attr:`takes_mask`, :meth:`compute_mask` and :meth:`onnx_mask`;
    - sets :attr:`draws_in_training` if its training passes draw from the
      ``rng`` they are given (as dropout does).

    Attributes
    ----------
    name : str or None
        The ``name`` argument; None (the class's default) until an
        estimator names its copy of the layer (:ref:`searching_layers`).
    input_shape : tuple of int
        Shape of one input sample, set by :meth:`build`.
    output_shape : tuple of int
        Shape of one output sample, set by :meth:`build`.
    weights : list of ndarray
        One array per :meth:`weight_specs` entry, set by :meth:`bind`.
    gradients : list of ndarray or None, or None
        Where :meth:`backward` writes the gradients, one entry per weight:
        None for a weight that does not train. None as a whole in a layer
        that only predicts.
    scratch : Scratch
        The training passes' buffers; emptied by :meth:`release_buffers`,
        and empty in any copy or pickle of the layer.
    """

    name = None

    passes_mask = False
    """Whether the layer's output has the mask of its input: True for a
    layer that keeps the steps of a sequence as they are (a ``Dense`` on
    each step, ``Dropout``, a normalization over features). A layer where
    it is False ends the mask, unless it makes one (:meth:`compute_mask`)."""

    takes_mask = False
    """Whether :meth:`forward`, :meth:`predict` and ``to_onnx`` take a
    ``mask`` keyword: the mask of the layer's input, or None. A layer that
    uses it (a recurrent layer carrying its state over padding, a pool
    averaging the steps that hold data) keeps what its backward pass needs
    of it in its scratch."""

    draws_in_training = False
    """Whether training passes draw random numbers from the ``rng`` they
    are given (dropout); the estimators then hand them one, and refuse
    L-BFGS, which cannot follow a random objective."""

    def __getstate__(self):
        # gradients are views into a network's gradient of its last batch:
        # a copy or pickle keeps the weights only
        state = dict(vars(self))
        if "gradients" in state:
            state["gradients"] = None
        return state

    def get_config(self):
        """The layer's hyperparameters.

        Returns
        -------
        dict
            Argument name to value, as given to ``__init__``. A ``**kwargs``
            argument is left out, as scikit-learn's ``get_params`` leaves it.

        Raises
        ------
        TypeError
            If ``__init__`` takes ``*args``, or does not store an argument
            under its own name: the layer's hyperparameters cannot then be
            listed (for ``repr``, copies and searches).
        """
        init = type(self).__init__
        if init is object.__init__:
            return {}
        name = type(self).__name__
        config = {}
        for argument in list(inspect.signature(init).parameters.values())[1:]:
            if argument.kind is argument.VAR_KEYWORD:
                continue
            if argument.kind is argument.VAR_POSITIONAL:
                raise TypeError(
                    f"{name}.__init__ takes *{argument.name}: a layer names each of its "
                    "hyperparameters in the signature of __init__ (as scikit-learn's "
                    "estimators do), so that get_config and repr can list them."
                )
            if not hasattr(self, argument.name):
                raise TypeError(
                    f"{name}.__init__ takes {argument.name!r} but the layer has no "
                    f"attribute {argument.name!r}: store each argument of __init__ "
                    f"under its own name (self.{argument.name} = {argument.name})."
                )
            config[argument.name] = getattr(self, argument.name)
        return config

    def get_params(self, deep=True):
        """The layer's hyperparameters, as scikit-learn's estimators give
        theirs (for ``clone`` and for an estimator's nested parameters).

        Parameters
        ----------
        deep : bool, default=True
            Also list the parameters of a hyperparameter that has them (an
            initializer object), as ``<param>__<its parameter>``.

        Returns
        -------
        dict
            :meth:`get_config`, and with ``deep`` the nested parameters.
        """
        params = self.get_config()
        if deep:
            for key, value in list(params.items()):
                if hasattr(value, "get_params") and not isinstance(value, type):
                    params.update((f"{key}__{sub_key}", sub_value)
                                  for sub_key, sub_value in value.get_params().items())
        return params

    def set_params(self, **params):
        """Set hyperparameters by name, as scikit-learn's estimators do.

        A built layer keeps its shapes and weights until it is built again;
        an estimator's fit builds copies of its layers, so set the layers
        it is given, or, better, its nested parameters
        (``estimator.set_params(dense__units=64)``).

        ``<param>__<its parameter>`` sets a parameter of a hyperparameter
        that has them, as scikit-learn's ``set_params`` does
        (``kernel_initializer__stddev``), on a copy of that object: an
        initializer shared with another layer is left as it was.

        Parameters
        ----------
        **params
            Hyperparameter name to new value.

        Returns
        -------
        self : Layer

        Raises
        ------
        ValueError
            If a name is not one of :meth:`get_config`'s, or a nested one
            goes through a value without parameters or is refused by it;
            nothing is set.
        """
        valid = self.get_config()
        own, nested = {}, {}
        for key, value in params.items():
            name, delimiter, sub_key = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for layer {self!r}. Valid parameters "
                    f"are: {sorted(valid)!r}."
                )
            if delimiter:
                nested.setdefault(name, {})[sub_key] = value
            else:
                own[name] = value
        for name, sub_params in nested.items():
            inner = own.get(name, valid[name])
            if not hasattr(inner, "set_params") or isinstance(inner, type):
                raise ValueError(
                    f"Invalid parameter {name}__{next(iter(sub_params))} for layer "
                    f"{self!r}: {name} is {inner!r}, which has no parameters to set."
                )
            own[name] = copy.deepcopy(inner).set_params(**sub_params)
        for key, value in own.items():
            setattr(self, key, value)
        return self

    def __repr__(self):
        try:
            config = self.get_config()
        except TypeError:  # a user layer get_config refuses: say so when built
            return f"{type(self).__name__}(...)"
        # name=None and the initializers at None (the layer's own draw) left
        # out where None is the default: the repr still makes the same layer,
        # and the messages that show it stay short
        arguments = inspect.signature(type(self).__init__).parameters
        for key in [key for key, value in config.items()
                    if (key == "name" or key.endswith("_initializer")) and value is None
                    and arguments[key].default is None]:
            del config[key]
        args = ", ".join(f"{k}={v!r}" for k, v in config.items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------ building
    def build(self, input_shape, dtype=np.float64):
        """Check that the layer fits ``input_shape`` and fix its output shape.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one input sample.
        dtype : {np.float32, np.float64}, default=np.float64
            Dtype of weights and buffers.

        Returns
        -------
        tuple of int
            Shape of one output sample.

        Raises
        ------
        ValueError
            If the hyperparameters are invalid or the layer cannot take
            inputs of this shape; the message names the layer and the shape.
        TypeError
            If :meth:`get_config` cannot list the hyperparameters.
        """
        self.get_config()  # a layer whose hyperparameters cannot be listed is refused
        input_shape = tuple(int(s) for s in input_shape)
        self.dtype = np.dtype(dtype)
        self.scratch = Scratch()
        self.output_shape = tuple(int(s) for s in self._build(input_shape))
        self.input_shape = input_shape
        return self.output_shape

    def _build(self, input_shape):
        """Subclass hook of :meth:`build`: validate, return the output shape."""
        raise NotImplementedError

    def _refuse(self, problem):
        """Raise a ValueError naming this layer and ``problem``."""
        raise ValueError(f"{self!r}: {problem}")

    def weight_specs(self):
        """The weights the built layer needs, in Keras's order.

        Returns
        -------
        list of WeightSpec
            Empty for a layer without weights. Trainable weights and those
            that do not train come in the order the layer chooses, which is
            that of :meth:`get_weights`.
        """
        return []

    def bind(self, weights, gradients):
        """Take views of the network's flat vectors as the layer's weights.

        Parameters
        ----------
        weights : list of ndarray
            One array per :meth:`weight_specs` entry, of its shape, trainable
            or not.
        gradients : list of ndarray or None, or None
            Where backward passes write each weight's gradient, one entry
            per weight: None for a weight that does not train, which has no
            gradient. None as a whole for a layer that only predicts.
        """
        self.weights = list(weights)
        self.gradients = None if gradients is None else list(gradients)

    def get_weights(self):
        """Copies of the layer's weights, in Keras's order and shapes.

        Returns
        -------
        list of ndarray
            One per :meth:`weight_specs` entry, weights that do not train
            included; empty for a layer without weights or one not yet
            built.
        """
        return [w.copy() for w in getattr(self, "weights", [])]

    def set_weights(self, weights):
        """Copy ``weights`` into the layer, all checked before any is copied.

        Parameters
        ----------
        weights : list of array-like
            In the order and shapes of :meth:`get_weights`.

        Raises
        ------
        ValueError
            If the number of arrays or any shape does not fit the layer, or
            an array holds other than finite real numbers; the layer is
            then left as it was.
        """
        targets = getattr(self, "weights", [])
        for target, source in zip(targets, checked_weights(weights, targets, self._refuse)):
            target[...] = source

    def initialize(self, random_state, factor=6.0):
        """Draw fresh weights: a no-op for a layer without weights.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            Source of randomness.
        factor : float, default=6.0
            Glorot's factor (see :func:`glorot_uniform`).
        """

    def check_input(self, x):
        """Refuse an input the layer cannot take, before any pass runs.

        A network calls it on the whole of ``X`` (reshaped to samples)
        for its first layer before it trains or predicts, so that a message
        can name a row of ``X`` rather than of a batch, and nothing is
        computed, nor any weight moved, for an input that will be refused.
        An ``Embedding`` refuses ids that are not integers of its
        vocabulary here. This one accepts everything.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Raises
        ------
        ValueError
            In a subclass, naming the layer, the row and the fix.
        """

    # ------------------------------------------------------------- passes
    def allocate(self, n_rows, needs_input_gradient=True):
        """Make per-batch buffers for batches of up to ``n_rows`` rows.

        Parameters
        ----------
        n_rows : int
            Largest batch to come.
        needs_input_gradient : bool, default=True
            Whether :meth:`backward` must return the gradient with respect
            to the input (False for the first layer).
        """
        self.scratch = Scratch()
        self._needs_input_gradient = needs_input_gradient

    def release_buffers(self):
        """Drop the training scratch and the gradient views: what a fitted
        model keeps is its weights, never its last batch.

        The layer still predicts; a network trains it again after
        :meth:`bind` and :meth:`allocate`.
        """
        self.scratch = Scratch()
        self.gradients = None

    def forward(self, x, rng=None):
        """Training pass over one batch, into the layer's buffers.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            The batch; kept for :meth:`backward`.
        rng : numpy.random.Generator, default=None
            Source of randomness for layers that draw (dropout); None runs
            them as at prediction time.

        Returns
        -------
        ndarray of shape (n,) + output_shape
            A buffer of the layer, valid until its next forward pass.

        Notes
        -----
        This is the one place where a layer updates its weights that do not
        train (a running statistic of its inputs, say).
        """
        raise NotImplementedError

    def backward(self, delta):
        """Backward pass of the last :meth:`forward` batch.

        Writes the gradient of each trainable weight into its entry of
        :attr:`gradients`.

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape
            Gradient of the objective with respect to the layer's output;
            the layer may overwrite it.

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
            Gradient with respect to the input, or None when
            :meth:`allocate` was told it is not needed.
        """
        raise NotImplementedError

    def predict(self, x):
        """The layer's output at prediction time, in a fresh array.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        raise NotImplementedError

    # ------------------------------------------------------------- masking
    def compute_mask(self, x, mask):
        """The mask of the layer's output, as Keras's ``compute_mask``.

        Parameters
        ----------
        x : ndarray of shape (n,) + input_shape
            The layer's input batch.
        mask : ndarray of bool of shape (n, timesteps), or None
            The mask of that input.

        Returns
        -------
        ndarray of bool or None
            Here, ``mask`` when :attr:`passes_mask` is True, else None. A
            layer that makes a mask (an embedding of ids, where 0 is
            padding) or changes it (a recurrent layer that returns only its
            last state) overrides this, and :meth:`onnx_mask` with it.
        """
        return mask if self.passes_mask else None

    def onnx_mask(self, graph, x, mask):
        """Write the mask of the layer's output into an ONNX graph, as
        :meth:`compute_mask` computes it.

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The layer's input tensor.
        mask : str or None
            The name of its input's mask, a boolean tensor of shape
            ``(n, timesteps)``, or None.

        Returns
        -------
        str or None
            Here, ``mask`` when :attr:`passes_mask` is True, else None.
        """
        return mask if self.passes_mask else None

    # -------------------------------------------------------------- export
    def to_onnx(self, graph, x):
        """Write the built layer's prediction into an ONNX graph.

        :mod:`skdl.onnx` calls this method of each layer in turn. Every
        built-in layer overrides it, so that a subclass exports as its
        parent unless it has a method of its own; a new layer class gives
        its ONNX form by overriding it, writing its output with
        ``graph.node(op_type, inputs, **attributes)``,
        ``graph.constant(value)`` and the other operations of
        :class:`skdl.onnx.OnnxGraph`.

        Parameters
        ----------
        graph : OnnxGraph
            Where the nodes go; ``graph.dtype`` is the model's float type.
        x : str
            The name of the input, channels-last, of shape
            ``(n, *input_shape)``.

        Returns
        -------
        str
            The name of the output, of shape ``(n, *output_shape)``.

        Raises
        ------
        TypeError
            Here, always: a layer class that does not override this method
            has no ONNX form. The message names the layer.
        """
        from ..onnx._network import missing_layer_form

        raise missing_layer_form(self)


    # --------------------------------------------------------------- Keras
    keras_class_name = None
    """Keras's class name of the layer in a ``.keras`` file
    (:mod:`skdl.keras`), or None: the layer has no Keras form. A layer
    class gives its Keras form by setting it, with
    :attr:`keras_arguments` and :attr:`keras_fixed`, and overrides the
    methods below where its form is not the plain one."""

    keras_arguments = {}
    """Keras's options that are the layer's arguments of the same name,
    each with the function that converts Keras's JSON value (None: taken
    as it is). Read-only."""

    keras_fixed = {}
    """Keras's options that the layer computes one way only, each with the
    values that mean that way, the one written first. Read-only."""

    keras_call_inputs = 1
    """How many arguments Keras's call of the layer takes, each the
    previous layer's output: 2 for self-attention (query and value)."""

    keras_adds_input = False
    """Whether the layer's Keras form is Keras's ``Add`` of its input and
    the output of its :meth:`keras_sublayers`, which Keras holds as layers
    of their own, called before it: a residual block's form."""

    def keras_config(self):
        """The layer's ``config`` in a ``.keras`` file: :attr:`keras_fixed`
        at the values written, and :attr:`keras_arguments` as the layer
        holds them (an ``activation`` by Keras's name of it).

        Returns
        -------
        dict
            JSON values in Keras's spelling; :mod:`skdl.keras` adds the
            layer's name and dtype.

        Raises
        ------
        ValueError
            If the layer has no Keras form, or an option (an activation)
            has none; the message names the layer.
        """
        if self.keras_class_name is None:
            raise ValueError(
                f"Layer {self.name!r} is a {type(self).__name__}, which has no Keras form "
                "(its class sets no keras_class_name), so it cannot be written to a "
                ".keras file: replace it by layers Keras has, or keep the model with "
                "pickle or skops, or export it to ONNX (the user guide's 'Saving and "
                "loading models')."
            )
        config = {key: values[0] for key, values in self.keras_fixed.items()}
        for key in self.keras_arguments:
            if key == "activation":
                config[key] = keras_activation(self, resolved_activation(self))
            else:
                config[key] = as_json(getattr(self, key))
        return config

    def keras_call_arguments(self):
        """The keyword arguments of Keras's call of the layer (beyond its
        inputs), which :meth:`from_keras_config` reads back with the
        config.

        Returns
        -------
        dict
            Here, none.
        """
        return {}

    @classmethod
    def from_keras_config(cls, config):
        """The layer of a ``.keras`` file's ``config`` entry, its call's
        keyword arguments merged in.

        Parameters
        ----------
        config : dict
            Keras's options of the layer.

        Returns
        -------
        Layer
            Unbuilt, named as in the file.

        Raises
        ------
        ValueError
            If an option is not one the layer has; the message names the
            layer and the option.
        """
        return cls(**read_keras_config(cls, config))

    def keras_sublayers(self):
        """The layers Keras holds as layers of their own in the layer's
        place, called in turn on its input before it (see
        :attr:`keras_adds_input`); their weights are the layer's.

        Returns
        -------
        list of Layer
            Here, none.
        """
        return []

    def keras_weight_groups(self):
        """Where the built layer's weights sit in a ``.keras`` weights file:
        each group's path under the layer's own group, with its arrays, in
        the order of :meth:`get_weights`.

        Returns
        -------
        list of (str, list of ndarray)
            Here, all weights in ``"vars"``.
        """
        return [("vars", self.get_weights())]


def checked_weights(weights, targets, refuse, owner="the layer"):
    """``weights`` as arrays of the ``targets``' shapes and dtypes, every one
    checked before the caller copies any, so that a refused call changes
    nothing.

    Parameters
    ----------
    weights : iterable of array-like
        The new values, in the order of ``targets``.
    targets : list of ndarray
        The arrays they will be copied into.
    refuse : callable
        Called with the problem's description; raises.
    owner : str, default="the layer"
        What the weights are for, in messages.

    Returns
    -------
    list of ndarray
        One array per target, converted to its dtype.
    """
    try:
        weights = list(weights)
    except TypeError:
        refuse(f"set_weights needs a list of arrays, got {type(weights).__name__}.")
    def refuse_shapes():
        shapes = [np.shape(np.asarray(w, dtype=object)) for w in weights]
        refuse(f"set_weights got arrays of shapes {shapes}, but {owner} needs "
               f"{[t.shape for t in targets]}.")

    if len(weights) != len(targets):
        refuse_shapes()
    arrays = []
    for i, (source, target) in enumerate(zip(weights, targets)):
        try:
            array = np.asarray(source)
        except ValueError as error:  # ragged nested lists
            refuse(f"set_weights: array {i} cannot be read as an array ({error}).")
        if array.dtype.kind not in "biuf":
            refuse(f"set_weights: array {i} has dtype {array.dtype}; weights must be real "
                   "numbers (bool, integer or float).")
        if array.shape != target.shape:
            refuse_shapes()
        with np.errstate(over="ignore"):
            array = array.astype(target.dtype)
        if not np.all(np.isfinite(array)):
            refuse(f"set_weights: array {i} holds values that are not finite in "
                   f"{target.dtype} (NaN, infinity, or beyond its range).")
        arrays.append(array)
    return arrays


def glorot_uniform(random_state, arrays, fan_in, fan_out, factor=6.0):
    """Fill ``arrays`` in turn from ``U(-b, b)`` with ``b = sqrt(factor /
    (fan_in + fan_out))``, as scikit-learn's MLP draws its weights (factor
    2 for layers feeding a sigmoid, 6 otherwise).

    Parameters
    ----------
    random_state : numpy.random.RandomState
    arrays : list of ndarray
        Filled in place, in order.
    fan_in, fan_out : int
    factor : float, default=6.0
    """
    bound = np.sqrt(factor / (fan_in + fan_out))
    for array in arrays:
        array[...] = random_state.uniform(-bound, bound, array.shape)


def bias_and_activation(z, bias, activation, out):
    """Add ``bias`` to the pre-activation ``z`` in place, then write
    ``activation(z)`` into ``out``; one fused routine does both, over ``z``
    itself, when the activation has one and does not need ``z`` for its
    derivative.

    Parameters
    ----------
    z : ndarray of shape (n, units)
    bias : ndarray of shape (units,)
    activation : Activation
    out : ndarray of shape (n, units)
        Where the output goes when no fused routine runs (may be ``z``).

    Returns
    -------
    ndarray
        The output: ``z`` when the fused routine ran, else ``out``.
    """
    if activation.fused_name is not None and not activation.needs_input:
        # X of another dtype than the weights gives z in the wider one
        dense_routines.bias_forward(z, np.asarray(bias, dtype=z.dtype), activation.fused_name)
        return z
    z += bias
    activation.forward(z, out)
    return out


def resolved_initializer(layer, argument):
    """The :class:`~skdl.initializers.Initializer` that ``layer``'s
    argument ``argument`` (``"kernel_initializer"``, say) names, None where
    it is None; an unknown one refused naming the layer and the argument.

    Parameters
    ----------
    layer : Layer
    argument : str

    Returns
    -------
    Initializer or None
    """
    value = getattr(layer, argument)
    if value is None:
        return None
    try:
        return get_initializer(value)
    except (TypeError, ValueError) as error:
        layer._refuse(f"{argument}: {error}")


def draw_weight(array, initializer, random_state):
    """Fill the weight ``array`` in place with a draw of ``initializer``.

    Parameters
    ----------
    array : ndarray
        A view of the weight (into the network's vectors).
    initializer : str or Initializer
        Anything :func:`skdl.initializers.get_initializer` takes.
    random_state : numpy.random.RandomState
    """
    array[...] = get_initializer(initializer)(array.shape, random_state, array.dtype)


def check_initializers(layer):
    """Refuse, naming ``layer``, any of its ``*_initializer`` arguments that
    is neither None nor an initializer (see :func:`resolved_initializer`).

    Parameters
    ----------
    layer : Layer
    """
    for argument in layer.get_config():
        if argument.endswith("_initializer"):
            resolved_initializer(layer, argument)


def drawn(layer, argument, array, random_state):
    """Fill ``array`` with a draw of the initializer ``layer``'s argument
    ``argument`` names, unless that argument is None.

    Parameters
    ----------
    layer : Layer
    argument : str
        ``"kernel_initializer"``, say.
    array : ndarray
        A view of the weight (or of a block of it), filled in place.
    random_state : numpy.random.RandomState

    Returns
    -------
    bool
        Whether it drew: False leaves ``array`` to the layer's own draw.

    Raises
    ------
    ValueError
        Naming the layer and the argument, for an initializer that cannot
        draw a weight of this shape (``"orthogonal"`` for a bias).
    """
    initializer = getattr(layer, argument)
    if initializer is None:
        return False
    try:
        draw_weight(array, initializer, random_state)
    except ValueError as error:
        layer._refuse(f"{argument}: {error}")
    return True


def resolved_activation(layer):
    """The :class:`~skdl.activations.Activation` of ``layer.activation``
    (None: the identity), an unknown one refused naming the layer."""
    try:
        return get_activation("identity" if layer.activation is None else layer.activation)
    except ValueError as error:
        layer._refuse(str(error))


def positive_int(layer, name, value):
    """``value`` as an int, refused unless a positive integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        layer._refuse(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def one_int(layer, name, value):
    """``value`` (an int, or a tuple of one, as Keras's 1-D layers take
    it) as a positive int."""
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    return positive_int(layer, name, value)


def int_pair(layer, name, value):
    """``value`` (an int or a pair of ints) as a pair of positive ints."""
    pair = (value, value) if isinstance(value, numbers.Integral) else value
    try:
        pair = tuple(pair)
    except TypeError:
        pair = None
    if pair is None or len(pair) != 2:
        layer._refuse(f"{name} must be a positive integer or a pair of them, got {value!r}.")
    return tuple(positive_int(layer, name, v) for v in pair)


def padding_option(layer, value, options=("valid", "same")):
    """``value`` checked to be one of ``options``."""
    if not (isinstance(value, str) and value in options):
        listed = ", ".join(repr(option) for option in options[:-1])
        layer._refuse(f"padding must be {listed} or {options[-1]!r}, got {value!r}.")
    return value

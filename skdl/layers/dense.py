"""The fully connected layer."""

import numpy as np
import scipy.sparse as sp

from ._keras_form import activation_from_keras
from .base import (
    Layer,
    WeightSpec,
    bias_and_activation,
    check_initializers,
    drawn,
    glorot_uniform,
    positive_int,
    resolved_activation,
)

__all__ = ["Dense"]


class Dense(Layer):
    """Fully connected layer: ``activation(x @ kernel + bias)``, over the
    last axis of its input, as Keras's.

    Parameters
    ----------
    units : int
        Number of outputs.
    activation : str, Activation or object, default=None
        Anything :func:`skdl.activations.get_activation` takes; None is the
        identity.
    kernel_initializer : str, Initializer or None, default=None
        Draws the kernel: a name such as ``"he_normal"`` or an object,
        anything :func:`skdl.initializers.get_initializer` takes. None
        draws it uniformly in ``+-sqrt(f / (n_inputs + units))``, as
        scikit-learn's MLP does, with ``f = 6`` (Keras's
        ``"glorot_uniform"``), or 2 where a sigmoid follows.
    bias_initializer : str, Initializer or None, default=None
        Draws the bias, as ``kernel_initializer`` the kernel. None draws it
        from the same uniform law as a kernel left at None, whatever the
        kernel's initializer: scikit-learn's start. Keras starts biases at
        ``"zeros"``; pass that to start as Keras does.
    name : str, default=None
        The layer's name in an estimator (:ref:`searching_layers`); None
        names it after its class.

    Attributes
    ----------
    kernel : ndarray of shape (n_inputs, units)
        Weights of the built layer (a view into the network's parameters);
        ``n_inputs`` is the last axis of the input.
    bias : ndarray of shape (units,)
    activation_ : Activation
        The resolved activation.

    Notes
    -----
    On input of more axes, such as a sequence ``(timesteps, n_inputs)``,
    the layer applies to each vector of the last axis alike, as Keras's
    Dense does: the output is ``(timesteps, units)``, the step's mask
    passes on, and a transformer's feed-forward part is two Dense layers.
    The output layer of a network must be flat: put
    :class:`~skdl.layers.Flatten` or a global pool before it. The first
    layer of a network also takes sparse input.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.layers import Dense
    >>> layer = Dense(3, activation="relu")
    >>> layer.build((4,))
    (3,)
    >>> [w.shape for w in layer.weight_specs()]
    [(4, 3), (3,)]
    >>> Dense(8).build((10, 4))
    (10, 8)
    """

    passes_mask = True

    keras_class_name = "Dense"
    keras_arguments = {"units": int, "activation": activation_from_keras}
    keras_fixed = {"use_bias": (True,)}

    def __init__(self, units, activation=None, kernel_initializer=None,
                 bias_initializer=None, name=None):
        self.units = units
        self.activation = activation
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.name = name

    def _build(self, input_shape):
        units = positive_int(self, "units", self.units)
        self.activation_ = resolved_activation(self)
        check_initializers(self)
        return (*input_shape[:-1], units)

    def weight_specs(self):
        """``[kernel (n_inputs, units), bias (units,)]``, kernel penalised.

        Returns
        -------
        list of WeightSpec
        """
        n_in, units = self.input_shape[-1], self.output_shape[-1]
        return [WeightSpec("kernel", (n_in, units), True), WeightSpec("bias", (units,), False)]

    def bind(self, weights, gradients):
        """Take ``[kernel, bias]`` views (see :meth:`Layer.bind`).

        Parameters
        ----------
        weights : list of ndarray
        gradients : list of ndarray or None
        """
        super().bind(weights, gradients)
        self.kernel, self.bias = self.weights

    def initialize(self, random_state, factor=6.0):
        """Draw the kernel, then the bias, each with its initializer or,
        where that is None, uniformly as scikit-learn's MLP does.

        Parameters
        ----------
        random_state : numpy.random.RandomState
        factor : float, default=6.0
            Glorot's factor: 2 for a layer feeding a sigmoid, 6 otherwise.
        """
        for array, argument in ((self.kernel, "kernel_initializer"),
                                (self.bias, "bias_initializer")):
            if not drawn(self, argument, array, random_state):
                glorot_uniform(random_state, [array], *self.kernel.shape, factor)

    def allocate(self, n_rows, needs_input_gradient=True):
        """Buffers for the pre-activation, the output (the pre-activation
        itself when the activation runs in place) and the input gradient,
        one row per vector of the last axis.

        Parameters
        ----------
        n_rows : int
        needs_input_gradient : bool, default=True
        """
        super().allocate(n_rows, needs_input_gradient)
        scratch = self.scratch
        n_vectors = n_rows * int(np.prod(self.input_shape[:-1], dtype=np.int64))
        scratch.z = np.empty((n_vectors, self.output_shape[-1]), dtype=self.dtype)
        scratch.a = np.empty_like(scratch.z) if self.activation_.needs_input else scratch.z
        self.scratch.dx = (
            np.empty((n_vectors, self.input_shape[-1]), dtype=self.dtype)
            if needs_input_gradient else None
        )
        self.scratch.ones = np.ones(n_vectors, dtype=self.dtype)

    def forward(self, x, rng=None, activate=True):
        """Training pass (see :meth:`Layer.forward`).

        Parameters
        ----------
        x : ndarray or sparse matrix of shape (n,) + input_shape
        rng : ignored
        activate : bool, default=True
            False returns the pre-activation (the network's output layer,
            whose activation goes with the loss).

        Returns
        -------
        ndarray of shape (n,) + output_shape
        """
        if x.ndim > 2:
            return self._on_vectors(self.forward, x, rng, activate)
        n = x.shape[0]
        self.scratch.x = x
        z = self.scratch.z[:n]
        _matmul_into(x, self.kernel, z)
        if not activate:
            z += self.bias
            return z
        return bias_and_activation(z, self.bias, self.activation_, self.scratch.a[:n])

    def _on_vectors(self, method, x, *args):
        """``method`` (a pass over rows) run on the vectors of the last
        axis of the N-D ``x``, its result given the leading axes back."""
        out = method(x.reshape(-1, x.shape[-1]), *args)
        return None if out is None else out.reshape(*x.shape[:-1], out.shape[-1])

    def backward(self, delta, from_logits=False):
        """Backward pass (see :meth:`Layer.backward`).

        Parameters
        ----------
        delta : ndarray of shape (n,) + output_shape
            Gradient with respect to the output, turned in place into the
            gradient with respect to the pre-activation.
        from_logits : bool, default=False
            ``delta`` is already with respect to the pre-activation.

        Returns
        -------
        ndarray of shape (n,) + input_shape or None
        """
        if delta.ndim > 2:
            return self._on_vectors(self.backward, delta, from_logits)
        n = delta.shape[0]
        if not from_logits:
            self.activation_.backward(delta, self.scratch.z[:n], self.scratch.a[:n])
        kernel_grad, bias_grad = self.gradients
        x = self.scratch.x
        _matmul_into(x.T, delta, kernel_grad)
        # column sums as a BLAS matrix-vector product: several times faster
        # than np.sum(axis=0) on these shapes
        np.dot(self.scratch.ones[:n], delta, out=bias_grad)
        if not self._needs_input_gradient:
            return None
        dx = self.scratch.dx[:n]
        np.matmul(delta, self.kernel.T, out=dx)
        return dx

    def predict(self, x, activate=True):
        """Output in a fresh array (see :meth:`Layer.predict`).

        Parameters
        ----------
        x : ndarray or sparse matrix of shape (n,) + input_shape
        activate : bool, default=True
            False returns the pre-activation.

        Returns
        -------
        ndarray of shape (n,) + output_shape
            In the wider of the dtypes of ``x`` and the weights.
        """
        if x.ndim > 2:
            return self._on_vectors(self.predict, x, activate)
        z = x @ self.kernel
        if not activate:
            z += self.bias
            return z
        out = np.empty_like(z) if self.activation_.needs_input else z
        return bias_and_activation(z, self.bias, self.activation_, out)

    def to_onnx(self, graph, x):
        """Write ``activation(x @ kernel + bias)`` into an ONNX graph (see
        :meth:`Layer.to_onnx`).

        Parameters
        ----------
        graph : OnnxGraph
        x : str
            The input, of shape ``(n,) + input_shape``: ``MatMul``
            broadcasts over the axes before the last.

        Returns
        -------
        str
            The output, of shape ``(n,) + output_shape``.
        """
        kernel, bias = self.get_weights()
        return graph.activation(self.activation_, graph.affine(x, kernel, bias))


def _matmul_into(a, b, out):
    if sp.issparse(a) or sp.issparse(b):
        out[...] = a @ b
    else:
        np.matmul(a, b, out=out)

"""The network of the MLPs: a stack of Dense layers, built from layer sizes,
whose weights read as scikit-learn's ``coefs_`` and ``intercepts_``.

:class:`~skdl.network.Network` knows layers only; this module holds what a
multi-layer perceptron adds on top of it: the sizes-and-activations way of
describing the stack, and the per-layer lists of kernels and biases that
scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` expose.
"""

import numbers

import numpy as np

from .activations import get_activation
from .layers import Dense, Dropout
from .network import Network, predict_layers

__all__ = ["MLPNetwork", "predict_dense"]


class MLPNetwork(Network):
    """A :class:`~skdl.network.Network` of Dense layers (each hidden one
    possibly followed by a Dropout layer), as scikit-learn's MLPs have.

    Parameters and attributes are those of :class:`~skdl.network.Network`;
    :meth:`from_sizes` builds one from layer sizes, and the properties below
    read its weights per Dense layer.
    """

    @classmethod
    def from_sizes(cls, layer_sizes, activations, dtype=np.float64, dropout=None):
        """A stack of Dense layers, as scikit-learn's MLPs have.

        Parameters
        ----------
        layer_sizes : sequence of int
            Units per layer, input first and output last.
        activations : sequence of Activation or str
            One per non-input layer: the hidden layers' then the output's.
        dtype : {np.float32, np.float64}, default=np.float64
        dropout : sequence of float, default=None
            Dropout rate of each hidden layer's outputs during training
            passes (a :class:`~skdl.layers.Dropout` layer after each hidden
            layer whose rate is not 0).

        Returns
        -------
        MLPNetwork

        Raises
        ------
        ValueError
            If there are fewer than two layers, a layer has no units, or the
            number of activations or dropout rates does not fit the layers.
        """
        sizes = list(layer_sizes)
        if len(sizes) < 2 or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1
            for n in sizes
        ):
            raise ValueError(
                "layer_sizes must hold at least two positive integers (input units, "
                f"then each layer's), got {sizes!r}."
            )
        activations = [get_activation(a) for a in activations]
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"Need {len(sizes) - 1} activations for layer sizes {sizes}, got "
                f"{len(activations)}."
            )
        n_hidden = len(sizes) - 2
        rates = [0.0] * n_hidden if dropout is None else [float(r) for r in dropout]
        if len(rates) != n_hidden or not all(0 <= r < 1 for r in rates):
            raise ValueError(
                f"Need one dropout rate in [0, 1) per hidden layer ({n_hidden}), "
                f"got {dropout!r}."
            )
        layers = []
        for i, (units, activation) in enumerate(zip(sizes[1:], activations)):
            layers.append(Dense(int(units), activation))
            if i < n_hidden and rates[i]:
                layers.append(Dropout(rates[i]))
        return cls(layers, (int(sizes[0]),), dtype)

    @property
    def dense_layers(self):
        """The :class:`~skdl.layers.Dense` layers, in order."""
        return [layer for layer in self.layers if isinstance(layer, Dense)]

    @property
    def layer_sizes(self):
        """Units of the Dense layers, input features first: the
        ``layer_sizes`` :meth:`from_sizes` takes."""
        return [self.n_features, *(layer.units for layer in self.dense_layers)]

    @property
    def activations(self):
        """Activations of the Dense layers, the output's last: the
        ``activations`` :meth:`from_sizes` takes."""
        return [layer.activation_ for layer in self.dense_layers]

    @property
    def coefs(self):
        """The Dense layers' kernels (views into ``params``), as scikit-learn's
        ``coefs_``."""
        return [layer.kernel for layer in self.dense_layers]

    @property
    def intercepts(self):
        """The Dense layers' biases (views into ``params``), as scikit-learn's
        ``intercepts_``."""
        return [layer.bias for layer in self.dense_layers]

    @property
    def coef_grads(self):
        """Views into ``grad`` of the Dense layers' kernels."""
        return [layer.gradients[0] for layer in self.dense_layers]

    @property
    def intercept_grads(self):
        """Views into ``grad`` of the Dense layers' biases."""
        return [layer.gradients[1] for layer in self.dense_layers]


def predict_dense(X, coefs, intercepts, activations, return_logits=False):
    """Outputs of a stack of Dense layers for ``X``, in fresh arrays.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    coefs, intercepts : list of ndarray
        Per-layer weights, as scikit-learn's ``coefs_`` and ``intercepts_``.
    activations : list of Activation
        One per layer after the input.
    return_logits : bool, default=False
        Also return the output layer's pre-activation.

    Returns
    -------
    out : ndarray of shape (n_samples, n_outputs)
    logits : ndarray, only when ``return_logits``

    Raises
    ------
    ValueError
        Before any computation, if ``X`` is not a 2-D array or sparse
        matrix of numbers with one column per row of ``coefs[0]``, or the
        layers do not chain: one intercept vector and one activation per
        coefficient matrix, each matrix with as many rows as the previous
        one has columns, each intercept vector with as many entries as its
        matrix has columns.
    """
    n_layers = len(coefs)
    if n_layers == 0 or len(intercepts) != n_layers or len(activations) != n_layers:
        raise ValueError(
            f"Need one intercept vector and one activation per coefficient matrix; got "
            f"{n_layers} matrices, {len(intercepts)} intercept vectors and "
            f"{len(activations)} activations."
        )
    shapes = [np.shape(c) for c in coefs]
    fan_in = shapes[0][0] if len(shapes[0]) == 2 else None
    layers = []
    for i, (shape, intercept, activation) in enumerate(zip(shapes, intercepts, activations)):
        if len(shape) != 2 or shape[0] != fan_in or np.shape(intercept) != shape[1:]:
            raise ValueError(
                f"The layers do not chain: coefs have shapes {shapes} and intercepts "
                f"{[np.shape(b) for b in intercepts]} (layer {i} needs coefs of shape "
                f"({fan_in}, n_out) and intercepts of shape (n_out,))."
            )
        layer = Dense(shape[1], activation)
        layer.build((fan_in,), np.result_type(coefs[i]))
        layer.bind([coefs[i], intercept], None)
        layers.append(layer)
        fan_in = shape[1]
    return predict_layers(layers, (shapes[0][0],), X, return_logits)

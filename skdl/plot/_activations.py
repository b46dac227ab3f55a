"""Activation functions and their derivatives, as the engine computes them."""

import numpy as np

from ..activations import get_activation
from ._figure import import_pyplot

BUILTIN_ACTIVATIONS = (
    "identity", "step", "sigmoid", "softmax", "tanh", "relu", "leaky_relu",
    "elu", "gelu", "softplus", "exp",
)
"""Every built-in activation by its canonical name (aliases left out)."""


def plot_activations(names=None, *, axes=None, z_range=(-4.0, 4.0)):
    """Plot activations and their derivatives, one small panel each.

    Each panel shows ``f(z)`` (solid) and ``f'(z)`` (dashed), both as the
    engine computes them: the derivative comes from the activation's own
    backward pass. For softmax, which acts on a vector, the panel shows the
    first component of ``softmax([z, 0])`` (the sigmoid) and its derivative
    with respect to ``z``.

    Parameters
    ----------
    names : list of str or Activation, default=None
        Activations to draw, by registry name or as objects (e.g.
        ``LeakyReLU(0.1)`` or your own); None draws every built-in one.
    axes : matplotlib.axes.Axes or sequence of Axes, default=None
        One axes per activation; a new figure with a grid of panels when None.
    z_range : (float, float), default=(-4.0, 4.0)
        Range of the pre-activation ``z``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the panels.

    Raises
    ------
    ValueError
        If ``names`` is empty or ``axes`` does not hold one axes per
        activation.
    """
    plt = import_pyplot()
    names = list(BUILTIN_ACTIVATIONS if names is None else names)
    if not names:
        raise ValueError(
            "names is empty: give at least one activation, or None to draw "
            "every built-in one."
        )
    if axes is None:
        n_cols = min(4, len(names))
        n_rows = -(-len(names) // n_cols)
        fig, grid = plt.subplots(n_rows, n_cols, figsize=(2.4 * n_cols, 2 * n_rows),
                                 squeeze=False, layout="constrained")
        axes = grid.ravel()
        for spare in axes[len(names):]:
            fig.delaxes(spare)
    else:
        axes = np.atleast_1d(axes).ravel()
        if len(axes) != len(names):
            raise ValueError(
                f"Got {len(axes)} axes for {len(names)} activations; pass one "
                "axes per activation."
            )
        fig = axes[0].figure
    z = np.linspace(*z_range, 401)
    for name, ax in zip(names, axes):
        value, derivative = _activation_curves(get_activation(name), z)
        ax.plot(z, value, label="f(z)")
        ax.plot(z, derivative, linestyle="--", label="f'(z)")
        ax.set_title(name if isinstance(name, str) else repr(name), fontsize="medium")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
    return fig


def _activation_curves(activation, z):
    """``f(z)`` and ``f'(z)`` of the first unit of ``activation([z, 0])``.

    For elementwise activations that is ``f`` itself; for softmax it is the
    first component. The derivative is the backward pass of the gradient
    ``[1, 0]``.
    """
    Z = np.column_stack([z, np.zeros_like(z)])
    A = np.empty_like(Z)
    activation.forward(Z, A)
    grad = np.column_stack([np.ones_like(z), np.zeros_like(z)])
    activation.backward(grad, Z, A)
    return A[:, 0], grad[:, 0]

"""The optimizers' routines over the flat parameter vector, checked here
and run by the active back-end: one SGD, Adam, RMSprop or Nadam step, the
L2 term on its own or fused into the SGD and Adam steps, and gradient
clipping.

Both back-ends sum the squares of the penalised parameters (and the
gradient norms of clipping) in their dtype, and again in float64 whenever
that sum overflows. numba fuses the SGD and Adam steps, the default path;
the other routines are NumPy's in both back-ends.
"""

from functools import partial

from ._checks import check_arrays, check_fit, check_n_penalized
from ._selection import routine

__all__ = [
    "sgd_step", "adam_step", "rmsprop_step", "nadam_step", "add_l2_gradient",
    "clip_by_norm", "clip_by_global_norm", "clip_by_value",
]

_routine = partial(routine, "optimizers")


def sgd_step(params, grad, velocity, learning_rate, momentum, nesterov, l2=0.0,
             n_penalized=0):
    """One SGD step with (Nesterov) momentum, in place.

    With ``g = grad + l2 * params`` on the first ``n_penalized`` entries
    (``grad`` itself elsewhere): ``velocity = momentum * velocity -
    learning_rate * g``, then ``params += velocity`` or, with Nesterov,
    ``params += momentum * velocity - learning_rate * g``.

    Parameters
    ----------
    params, grad, velocity : ndarray of shape (n_params,)
        ``params`` and ``velocity`` are updated in place.
    learning_rate, momentum : float
    nesterov : bool
    l2 : float, default=0.0
        Coefficient of the L2 gradient ``l2 * params``.
    n_penalized : int, default=0
        Number of leading entries of ``params`` the L2 term applies to.

    Returns
    -------
    float
        Sum of squares of the penalised entries before the step (0 when
        ``l2`` is 0), for the penalty's value; summed in the parameters'
        dtype, and again in float64 when that overflows.

    Raises
    ------
    ValueError
        If the vectors are not 1-D float32 or float64 arrays of one length
        and dtype, ``params`` or ``velocity`` is not C-contiguous and
        writeable, or ``n_penalized`` is not an integer in ``[0, n_params]``.
    """
    check_arrays("sgd_step", {"params": params, "grad": grad, "velocity": velocity},
                 ("params", "velocity"), ndim=1)
    check_n_penalized("sgd_step", n_penalized, params.size)
    return _routine("sgd_step")(params, grad, velocity, learning_rate, momentum, nesterov,
                                l2, n_penalized)


def adam_step(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch, l2=0.0,
              n_penalized=0):
    """One Adam step, in place.

    With ``g`` as in :func:`sgd_step`: ``m = b1 m + (1 - b1) g``; ``v = b2 v
    + (1 - b2) g^2``; ``params -= step * m / (sqrt(v) + epsilon)``, where
    ``step`` already holds the bias correction.

    Parameters
    ----------
    params, grad, m, v, scratch : ndarray of shape (n_params,)
        ``params`` and the moments ``m`` and ``v`` are updated in place;
        ``scratch`` is a buffer the back-end may overwrite.
    step : float
        Learning rate with the bias correction applied.
    beta_1, beta_2, epsilon : float
    l2 : float, default=0.0
        Coefficient of the L2 gradient, as in :func:`sgd_step`.
    n_penalized : int, default=0

    Returns
    -------
    float
        Sum of squares of the penalised entries before the step, summed as
        in :func:`sgd_step`.

    Raises
    ------
    ValueError
        As :func:`sgd_step`, for all five vectors (``params``, ``m``, ``v``
        and ``scratch`` are written).
    """
    check_arrays("adam_step",
                 {"params": params, "grad": grad, "m": m, "v": v, "scratch": scratch},
                 ("params", "m", "v", "scratch"), ndim=1)
    check_n_penalized("adam_step", n_penalized, params.size)
    return _routine("adam_step")(params, grad, m, v, step, beta_1, beta_2, epsilon, scratch,
                                 l2, n_penalized)


def rmsprop_step(params, grad, mean_square, mean_gradient, velocity, learning_rate, rho,
                 momentum, epsilon, scratch):
    """One RMSprop step of Keras's formula, in place.

    ``s = rho s + (1 - rho) g^2``; centered (``mean_gradient`` given), also
    ``a = rho a + (1 - rho) g`` and ``d = s - a^2 + epsilon``, else ``d = s
    + epsilon``; the increment is ``learning_rate * g / sqrt(d)``; with
    ``momentum`` (``velocity`` given), ``velocity = momentum * velocity +
    increment`` and ``params -= velocity``, else ``params -= increment``.
    ``epsilon`` sits under the root, as in Keras (torch adds it after).

    Parameters
    ----------
    params, grad, mean_square, scratch : ndarray of shape (n_params,)
        ``params`` and ``mean_square`` are updated in place; ``scratch`` is
        a buffer the back-end may overwrite.
    mean_gradient : ndarray of shape (n_params,) or None
        The centered variant's running mean of the gradient, updated in
        place; None for the plain variant.
    velocity : ndarray of shape (n_params,) or None
        The momentum buffer, updated in place; None without momentum.
    learning_rate, rho, momentum, epsilon : float

    Raises
    ------
    ValueError
        If the arrays are not 1-D float32 or float64 arrays of one length
        and dtype, or a written one is not C-contiguous and writeable.
    """
    arrays = {"params": params, "grad": grad, "mean_square": mean_square,
              "scratch": scratch}
    optional = {"mean_gradient": mean_gradient, "velocity": velocity}
    arrays.update((name, array) for name, array in optional.items() if array is not None)
    check_arrays("rmsprop_step", arrays,
                 tuple(name for name in arrays if name != "grad"), ndim=1)
    _routine("rmsprop_step")(params, grad, mean_square, mean_gradient, velocity,
                             learning_rate, rho, momentum, epsilon, scratch)


def nadam_step(params, grad, m, v, learning_rate, beta_1, beta_2, epsilon,
               momentum_weight, gradient_weight, v_correction, scratch):
    """One Nadam step of Keras's formula, in place.

    ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``; ``params -=
    learning_rate * (momentum_weight * m + gradient_weight * g) /
    (sqrt(v / v_correction) + epsilon)``. The caller computes the weights
    from Keras's momentum schedule ``u_t = b1 (1 - 0.5 * 0.96 ** t)``:
    ``momentum_weight = u_{t+1} / (1 - u_1 ... u_{t+1})``, ``gradient_weight
    = (1 - u_t) / (1 - u_1 ... u_t)``, and ``v_correction = 1 - b2 ** t``.

    Parameters
    ----------
    params, grad, m, v : ndarray of shape (n_params,)
        ``params`` and the moments ``m`` and ``v`` are updated in place.
    learning_rate, beta_1, beta_2, epsilon : float
    momentum_weight, gradient_weight, v_correction : float
    scratch : ndarray of shape (2, n_params)
        Buffers the back-end may overwrite.

    Raises
    ------
    ValueError
        As :func:`rmsprop_step`.
    """
    check_arrays("nadam_step", {"params": params, "grad": grad, "m": m, "v": v},
                 ("params", "m", "v"), ndim=1)
    check_arrays("nadam_step", {"scratch": scratch}, ("scratch",))
    check_fit("nadam_step", ("params", params), {"scratch": scratch},
              {"scratch": (2, params.size)})
    _routine("nadam_step")(params, grad, m, v, learning_rate, beta_1, beta_2, epsilon,
                           momentum_weight, gradient_weight, v_correction, scratch)


def add_l2_gradient(params, grad, scratch, l2, n_penalized):
    """Add the L2 gradient ``l2 * params`` to ``grad`` on the first
    ``n_penalized`` entries, in place, for the steps that take the gradient
    whole: clipping, weight decay, RMSprop and Nadam.

    Parameters
    ----------
    params, grad, scratch : ndarray of shape (n_params,)
        ``grad`` is updated in place; ``scratch`` is a buffer the back-end
        may overwrite.
    l2 : float
    n_penalized : int

    Returns
    -------
    float
        Sum of squares of the penalised entries, summed as in
        :func:`sgd_step` (0 when ``l2`` is 0).

    Raises
    ------
    ValueError
        As :func:`sgd_step`.
    """
    check_arrays("add_l2_gradient", {"params": params, "grad": grad, "scratch": scratch},
                 ("grad", "scratch"), ndim=1)
    check_n_penalized("add_l2_gradient", n_penalized, params.size)
    return _routine("add_l2_gradient")(params, grad, scratch, l2, n_penalized)


def clip_by_norm(grad, boundaries, clipnorm):
    """Scale each weight array's part of ``grad`` down to the L2 norm
    ``clipnorm`` where its norm is above it, in place (Keras's ``clipnorm``).

    A part whose norm is not finite is left as it is: the step that follows
    diverges, and the estimators say so.

    Parameters
    ----------
    grad : ndarray of shape (n_params,)
    boundaries : sequence of int
        Offsets in ``grad`` where each weight array starts, then
        ``n_params``: increasing, from 0.
    clipnorm : float
        Largest norm of one array's gradient (> 0).

    Raises
    ------
    ValueError
        If ``grad`` is not a 1-D, C-contiguous, writeable float32 or float64
        array, or ``boundaries`` does not run from 0 to its length.
    """
    check_arrays("clip_by_norm", {"grad": grad}, ("grad",), ndim=1)
    if len(boundaries) < 2 or boundaries[0] != 0 or boundaries[-1] != grad.size:
        raise ValueError(
            f"clip_by_norm: boundaries must run from 0 to the length of grad "
            f"({grad.size}); got {list(boundaries)}."
        )
    _routine("clip_by_norm")(grad, boundaries, clipnorm)


def clip_by_global_norm(grad, clipnorm):
    """Scale ``grad`` down to the L2 norm ``clipnorm`` when its norm is above
    it, in place (Keras's ``global_clipnorm``); a gradient whose norm is not
    finite is left as it is.

    Parameters
    ----------
    grad : ndarray of shape (n_params,)
    clipnorm : float
        Largest norm of the whole gradient (> 0).

    Raises
    ------
    ValueError
        As :func:`clip_by_norm`.
    """
    check_arrays("clip_by_global_norm", {"grad": grad}, ("grad",), ndim=1)
    _routine("clip_by_global_norm")(grad, clipnorm)


def clip_by_value(grad, clipvalue):
    """Clip each entry of ``grad`` to ``[-clipvalue, clipvalue]``, in place
    (Keras's ``clipvalue``); NaN stays NaN.

    Parameters
    ----------
    grad : ndarray of shape (n_params,)
    clipvalue : float
        Largest absolute value of an entry (> 0).

    Raises
    ------
    ValueError
        As :func:`clip_by_norm`.
    """
    check_arrays("clip_by_value", {"grad": grad}, ("grad",), ndim=1)
    _routine("clip_by_value")(grad, clipvalue)

"""The optimizers' routines: one SGD or Adam step over the flat parameter
vector, the L2 term included, checked here and run by the active back-end.

Both back-ends sum the squares of the penalised parameters in their dtype,
and again in float64 whenever that sum overflows.
"""

from functools import partial

from ._checks import check_arrays, check_n_penalized
from ._selection import routine

__all__ = ["sgd_step", "adam_step"]

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

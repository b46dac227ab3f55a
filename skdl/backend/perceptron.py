"""The classic perceptron rule's routines: :func:`shuffle_permutation` and
:func:`perceptron_epoch` do its per-sample work, rounding as scikit-learn's
compiled SGD loop does, so that both back-ends reach scikit-learn's
weights. The inputs are checked here before any row is trained.
"""

from functools import partial

import numpy as np
import scipy.sparse as sp

from ._checks import check_arrays
from ._selection import routine
from .numpy.perceptron import BAD_FEATURE, BAD_ROW

__all__ = ["shuffle_permutation", "perceptron_epoch"]

_routine = partial(routine, "perceptron")

_PENALTY_CODES = {None: 0, "l1": 1, "l2": 2, "elasticnet": 3}


def shuffle_permutation(n_samples, seed):
    """The reordering one shuffle applies to ``n_samples`` rows.

    A Fisher-Yates shuffle drawing from a 32-bit xorshift generator seeded
    with ``seed`` (0 counts as 1), as scikit-learn's SGD datasets shuffle.
    That shuffle swaps positions, whatever they hold, so an order shuffled
    again with the same seed is ``order[permutation]``.

    Parameters
    ----------
    n_samples : int
    seed : int
        Taken modulo 2**32.

    Returns
    -------
    ndarray of int64, shape (n_samples,)
    """
    if n_samples < 0:
        raise ValueError(f"n_samples must be >= 0, got {n_samples}.")
    return _routine("shuffle_permutation")(int(n_samples), int(seed) % 2**32)


def perceptron_epoch(coef, l1_applied, state, X, order, signs, sample_weight, *,
                     class_weight=(1.0, 1.0), skip=None, eta0=1.0, penalty=None,
                     alpha=0.0001, l1_ratio=0.0, fit_intercept=True,
                     intercept_decay=1.0, track_objective=True):
    """One epoch of the perceptron rule for one output, in place.

    For each row ``i`` of ``order`` not marked in ``skip``: the margin ``p =
    x_i . (wscale * coef) + intercept``; on a mistake (``signs[i] * p <=
    0``) a step of ``eta0 * signs[i]`` times the row's class weight and
    sample weight on ``coef`` and, damped by ``intercept_decay``, on the
    intercept. A penalty first shrinks the weights: L2 by scaling
    ``wscale`` by ``1 - (1 - l1_ratio) * eta0 * alpha`` at every row, L1 by
    cumulative truncation of the row's features (Tsuruoka et al., 2009).

    Parameters
    ----------
    coef : ndarray of shape (n_features,), float32 or float64
        Stored weights; the weights are ``wscale * coef``.
    l1_applied : ndarray like ``coef``
        L1 penalty applied so far to each weight (zeros at the start of a
        fit); unused without an L1 part.
    state : ndarray of float64, shape (5,)
        ``[wscale, squared L2 norm, L1 norm, intercept, L1 penalty
        accumulated]``, read and updated; start a fit with ``[1, |w|^2,
        |w|_1, b, 0]``.
    X : ndarray of shape (n_samples, n_features) or CSR matrix
        Rows in ``coef``'s dtype; a dense array must be C-contiguous.
    order : ndarray of int, shape (n_visits,)
        Rows in the order of their visit.
    signs : ndarray of float64, shape (n_samples,)
        Target of each row, -1 or +1.
    sample_weight : ndarray of shape (n_samples,), in ``coef``'s dtype
    class_weight : (float, float), default=(1.0, 1.0)
        Weights of the negative and of the positive rows.
    skip : ndarray of bool, shape (n_samples,), default=None
        Rows left out (a validation set).
    eta0 : float, default=1.0
    penalty : {None, "l2", "l1", "elasticnet"}, default=None
    alpha : float, default=0.0001
    l1_ratio : float, default=0.0
        Share of L1 in the penalty: 0 for "l2", 1 for "l1".
    fit_intercept : bool, default=True
    intercept_decay : float, default=1.0
    track_objective : bool, default=True
        Sum the losses and the objective (skipped for speed when False).

    Returns
    -------
    loss_sum : float
        Sum of the perceptron criterion ``max(0, -signs[i] * p)`` over the
        visited rows, each at its margin before its step (0 when not
        tracked).
    objective_sum : float
        The same plus the penalty at each visit.

    Raises
    ------
    ValueError
        When the arrays' shapes, lengths or dtypes do not fit together
        (checked before any row is trained), or a row or feature index is
        out of range (found before it is used, so the rows visited before
        it have been trained).
    """
    n_samples = _check_perceptron_inputs(coef, l1_applied, state, X, order, signs,
                                         sample_weight)
    if skip is None:
        skip = np.zeros(n_samples, dtype=bool)
    elif skip.shape != (n_samples,) or skip.dtype != bool:
        raise ValueError(f"skip must be a bool array of shape ({n_samples},).")
    if penalty not in _PENALTY_CODES:
        raise ValueError(f"Unknown penalty {penalty!r}; use one of {list(_PENALTY_CODES)}.")
    status, loss_sum, objective_sum = _routine("perceptron_epoch")(
        coef, l1_applied, state, X, order, signs, sample_weight, class_weight[0],
        class_weight[1], skip, eta0, alpha, l1_ratio, _PENALTY_CODES[penalty],
        fit_intercept, intercept_decay, track_objective,
    )
    if status == BAD_ROW:
        raise ValueError(
            f"order holds a row outside 0..{n_samples - 1}, or X's indptr is not a "
            "valid CSR index pointer."
        )
    if status == BAD_FEATURE:
        raise ValueError(f"X's indices hold a feature outside 0..{coef.size - 1}.")
    return loss_sum, objective_sum


def _check_perceptron_inputs(coef, l1_applied, state, X, order, signs, sample_weight):
    """Refuse what :func:`perceptron_epoch`'s loops would read or write past
    the end of; returns the number of samples."""
    check_arrays("perceptron_epoch", {"coef": coef, "l1_applied": l1_applied},
                 written=("coef", "l1_applied"), ndim=1)
    check_arrays("perceptron_epoch", {"state": state}, written=("state",), ndim=1)
    if state.shape != (5,) or state.dtype != np.float64:
        raise ValueError("state must be a float64 array of shape (5,).")
    if sp.issparse(X):
        if X.format != "csr" or X.indptr.size != X.shape[0] + 1:
            raise ValueError("A sparse X must be a CSR matrix.")
    elif not (isinstance(X, np.ndarray) and X.ndim == 2 and X.flags.c_contiguous):
        raise ValueError("X must be a 2-D C-contiguous array or a CSR matrix.")
    if X.shape[1] != coef.size:
        raise ValueError(f"X has {X.shape[1]} features, coef has {coef.size}.")
    if X.dtype != coef.dtype:
        raise ValueError(f"X's dtype {X.dtype} differs from coef's {coef.dtype}.")
    n_samples = X.shape[0]
    if signs.shape != (n_samples,) or signs.dtype != np.float64:
        raise ValueError(f"signs must be a float64 array of shape ({n_samples},).")
    if sample_weight.shape != (n_samples,) or sample_weight.dtype != coef.dtype:
        raise ValueError(
            f"sample_weight must be a {coef.dtype} array of shape ({n_samples},)."
        )
    if order.ndim != 1 or order.dtype.kind not in "iu":
        raise ValueError("order must be a 1-D integer array.")
    return n_samples

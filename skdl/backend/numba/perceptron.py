"""The numba back-end of the perceptron rule's routines (see
:func:`skdl.backend.perceptron.perceptron_epoch` and
:func:`skdl.backend.perceptron.shuffle_permutation`). Importing this module fails
without numba.

These loops are compiled without ``fastmath``: the rule has to round every
operation as scikit-learn's compiled loop does, in the weights' own dtype
where that loop uses it, so that both reach the same weights bit for bit.
The one exception is a dense row's margin, which may be summed in any order
(vectorised): that makes the rule about 1.4x faster, and the margin's last
bits never reach the weights, only its sign does, which differs only for a
margin within rounding of 0.
"""

import math

import numpy as np

from ..numpy import perceptron as reference
from ..numpy.perceptron import BAD_FEATURE, BAD_ROW, ELASTICNET, L1, L2, NO_PENALTY, OK
from ._jit import njit

_jit = njit(error_model="numpy")
# the epoch releases the GIL, so that threads can train outputs side by side
_jit_nogil = njit(error_model="numpy", nogil=True)


@njit(error_model="numpy", nogil=True, fastmath={"reassoc"})
def _dense_dot(w, x):
    """``w @ x`` summed in float64, in any order."""
    total = 0.0
    for j in range(x.size):
        total += w[j] * x[j]
    return total

shuffle_permutation = _jit(reference.shuffle_permutation)


@_jit_nogil
def _epoch(w, l1_applied, state, data, indices, indptr, n_features, order, signs,
           sample_weight, weight_neg, weight_pos, skip, eta0, alpha, l1_ratio, penalty,
           fit_intercept, intercept_decay, track_objective, wscale_floor):
    """One pass of the rule over the rows in ``order``; dense rows when
    ``indices`` is None (``data`` is then X raveled). Returns (status, loss
    sum, objective sum)."""
    cast = w.dtype.type
    # as scikit-learn's weight vector keeps them: the scale and the norms in
    # float64, the factor of each step and of each rescaling in w's dtype
    wscale = state[0]
    sq_norm = state[1]
    l1_norm = state[2]
    intercept = state[3]
    cumulative_l1 = state[4]
    decay = cast(max(0.0, 1.0 - (1.0 - l1_ratio) * eta0 * alpha))
    n_rows = signs.size
    loss_sum = 0.0
    objective_sum = 0.0
    for k in range(order.size):
        i = order[k]
        if i < 0 or i >= n_rows:
            return BAD_ROW, loss_sum, objective_sum
        if skip[i]:
            continue
        if indices is None:
            start = i * n_features
            stop = start + n_features
        else:
            start = indptr[i]
            stop = indptr[i + 1]
            if start < 0 or stop < start or stop > data.size:
                return BAD_ROW, loss_sum, objective_sum
            for j in range(start, stop):
                if indices[j] < 0 or indices[j] >= n_features:
                    return BAD_FEATURE, loss_sum, objective_sum
        x = data[start:stop]
        # the margin, summed in float64 from products in the weights' dtype
        total = 0.0
        if indices is None:
            total = _dense_dot(w, x)
        else:
            columns = indices[start:stop]
            for j in range(x.size):
                total += w[columns[j]] * x[j]
        p = np.float64(cast(total * wscale)) + intercept
        y = signs[i]
        margin = p * y
        if track_objective:
            loss = 0.0 - margin if margin <= 0.0 else 0.0
            loss_sum += loss
            objective_sum += loss
            if penalty != NO_PENALTY:
                norm = np.float64(cast(math.sqrt(sq_norm)))
                objective_sum += alpha * (
                    (1.0 - l1_ratio) * 0.5 * norm * norm + l1_ratio * l1_norm
                )
        update = eta0 * y if margin <= 0.0 else 0.0
        class_weight = weight_pos if y > 0.0 else weight_neg
        update *= class_weight * sample_weight[i]
        if penalty >= L2:
            wscale *= decay
            sq_norm *= decay * decay
            l1_norm *= abs(np.float64(decay))
            if wscale < wscale_floor:
                factor = cast(wscale)
                for j in range(w.size):
                    w[j] *= factor
                wscale = 1.0
        if update != 0.0:
            step = cast(update) / cast(wscale)
            if indices is None:
                for j in range(x.size):
                    w[j] = w[j] + np.float64(x[j]) * step
            else:
                for j in range(x.size):
                    w[columns[j]] = w[columns[j]] + np.float64(x[j]) * step
            if penalty != NO_PENALTY:
                # as scikit-learn keeps them: the norms of the entries just
                # touched (all of them for dense rows)
                squares = 0.0
                absolutes = 0.0
                for j in range(x.size):
                    f = j if indices is None else columns[j]
                    squares += w[f] * w[f]
                    absolutes += abs(np.float64(w[f]))
                step_scale = cast(wscale)
                sq_norm = squares * (step_scale * step_scale)
                l1_norm = absolutes * step_scale
            if fit_intercept:
                intercept += update * intercept_decay
        if penalty == L1 or penalty == ELASTICNET:
            cumulative_l1 += l1_ratio * eta0 * alpha
            scale = np.float64(wscale)
            for j in range(x.size):
                f = j if indices is None else columns[j]
                before = np.float64(w[f])
                if scale * before > 0.0:
                    after = before - (cumulative_l1 + l1_applied[f]) / scale
                    w[f] = after if after > 0.0 else 0.0
                elif scale * before < 0.0:
                    after = before + (cumulative_l1 - l1_applied[f]) / scale
                    w[f] = after if after < 0.0 else 0.0
                l1_applied[f] = l1_applied[f] + scale * (np.float64(w[f]) - before)
    state[0] = wscale
    state[1] = sq_norm
    state[2] = l1_norm
    state[3] = intercept
    state[4] = cumulative_l1
    return OK, loss_sum, objective_sum


def perceptron_epoch(w, l1_applied, state, X, order, signs, sample_weight, weight_neg,
                     weight_pos, skip, eta0, alpha, l1_ratio, penalty, fit_intercept,
                     intercept_decay, track_objective):
    """See :func:`skdl.backend.perceptron.perceptron_epoch`; returns the status code
    too."""
    cast = w.dtype.type
    floor = 1e-9 if w.dtype == np.float64 else 1e-6
    if isinstance(X, np.ndarray):
        data, indices, indptr = X.reshape(-1), None, None
    else:
        data, indices, indptr = X.data, X.indices, X.indptr
    return _epoch(
        w, l1_applied, state, data, indices, indptr, w.size, order, signs,
        sample_weight, cast(weight_neg), cast(weight_pos), skip, float(eta0),
        float(alpha), float(l1_ratio), penalty, bool(fit_intercept),
        float(intercept_decay), bool(track_objective), floor,
    )

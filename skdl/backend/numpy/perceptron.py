"""The NumPy back-end of the perceptron rule's routines (see
:func:`skdl.backend.perceptron.perceptron_epoch` and
:func:`skdl.backend.perceptron.shuffle_permutation`): a Python loop over the rows, each
row's work in NumPy.

Scalars are rounded to the weights' dtype wherever scikit-learn's compiled
loop keeps that dtype, so that float32 rounds as it does there. The margin
is summed in another order (BLAS's, or pairwise); the sums differ by a few
ulps at most, which reaches the weights only through the margin's sign, so
only for a margin that close to 0.
"""

import numpy as np

import scipy.sparse as sp

# status codes of perceptron_epoch, which skdl.backend.perceptron turns into errors
OK, BAD_ROW, BAD_FEATURE = 0, 1, 2
# penalty codes
NO_PENALTY, L1, L2, ELASTICNET = 0, 1, 2, 3

_MASK32 = 0xFFFFFFFF
_RAND_R_MAX = 0x7FFFFFFF


def shuffle_permutation(n, seed):
    """See :func:`skdl.backend.perceptron.shuffle_permutation` (plain integer code, which
    the numba back-end compiles as it is)."""
    order = np.arange(n)
    state = int(seed) & _MASK32
    for i in range(n - 1):
        if state == 0:
            state = 1
        state ^= (state << 13) & _MASK32
        state ^= state >> 17
        state ^= (state << 5) & _MASK32
        j = i + (state % (_RAND_R_MAX + 1)) % (n - i)
        order[i], order[j] = order[j], order[i]
    return order


def perceptron_epoch(w, l1_applied, state, X, order, signs, sample_weight, weight_neg,
                     weight_pos, skip, eta0, alpha, l1_ratio, penalty, fit_intercept,
                     intercept_decay, track_objective):
    """See :func:`skdl.backend.perceptron.perceptron_epoch`; returns the status code
    too."""
    cast = w.dtype.type
    n_features = w.size
    if sp.issparse(X):
        indptr, indices, data = X.indptr, X.indices, X.data
        if np.any(np.diff(indptr) < 0) or indptr[0] < 0 or indptr[-1] > data.size:
            return BAD_ROW, 0.0, 0.0
        if indices.size and (indices.min() < 0 or indices.max() >= n_features):
            return BAD_FEATURE, 0.0, 0.0
    if order.size and (order.min() < 0 or order.max() >= signs.size):
        return BAD_ROW, 0.0, 0.0
    dense = not sp.issparse(X)
    # each row's class weight times its sample weight, multiplied in w's
    # dtype as scikit-learn multiplies them
    row_weight = np.where(signs > 0.0, cast(weight_pos), cast(weight_neg)).astype(w.dtype)
    row_weight = (row_weight * sample_weight).tolist()
    sum_of_products = _sum_of_products(w.dtype)
    # as scikit-learn's weight vector keeps them: the scale and the norms in
    # float64, the factor of each step and of each rescaling in w's dtype
    wscale, sq_norm, l1_norm = float(state[0]), float(state[1]), float(state[2])
    intercept, cumulative_l1 = float(state[3]), float(state[4])
    decay = cast(max(0.0, 1.0 - (1.0 - l1_ratio) * eta0 * alpha))
    floor = 1e-9 if w.dtype == np.float64 else 1e-6
    columns = slice(None)
    loss_sum = objective_sum = 0.0
    signs, skip = signs.tolist(), skip.tolist()
    for i in order.tolist():
        if skip[i]:
            continue
        if dense:
            x = X[i]
        else:
            columns = indices[indptr[i]:indptr[i + 1]]
            x = data[indptr[i]:indptr[i + 1]]
        p = float(cast(sum_of_products(w[columns], x) * wscale)) + intercept
        y = signs[i]
        margin = p * y
        if track_objective:
            loss = 0.0 - margin if margin <= 0.0 else 0.0
            loss_sum += loss
            objective_sum += loss
            if penalty != NO_PENALTY:
                norm = float(cast(np.sqrt(sq_norm)))
                objective_sum += alpha * (
                    (1.0 - l1_ratio) * 0.5 * norm * norm + l1_ratio * l1_norm
                )
        update = eta0 * y * row_weight[i] if margin <= 0.0 else 0.0
        if penalty >= L2:
            wscale *= float(decay)
            sq_norm *= float(decay * decay)
            l1_norm *= abs(float(decay))
            if wscale < floor:
                w *= cast(wscale)
                wscale = 1.0
        if update != 0.0:
            # x times the step in float64, added to w with one rounding
            step = np.float64(cast(update) / cast(wscale))
            if dense:
                np.add(w, x * step, out=w, casting="unsafe")
            else:
                w[columns] = w[columns] + x * step
            if penalty != NO_PENALTY:
                touched = w[columns]
                step_scale = cast(wscale)
                sq_norm = sum_of_products(touched, touched) * float(step_scale * step_scale)
                l1_norm = np.abs(touched).sum(dtype=np.float64) * float(step_scale)
            if fit_intercept:
                intercept += update * intercept_decay
        if penalty in (L1, ELASTICNET):
            cumulative_l1 += l1_ratio * eta0 * alpha
            _truncate(w, l1_applied, columns, cumulative_l1, wscale)
    state[:] = (wscale, sq_norm, l1_norm, intercept, cumulative_l1)
    return OK, loss_sum, objective_sum


def _sum_of_products(dtype):
    """``a @ b`` as a float: BLAS's dot in float64; in float32, products
    rounded to float32 and summed in float64, as scikit-learn sums them."""
    if dtype == np.float64:
        return lambda a, b: float(np.dot(a, b))
    return lambda a, b: float(np.multiply(a, b).sum(dtype=np.float64))


def _truncate(w, l1_applied, columns, cumulative_l1, scale):
    """Clip the weights in ``columns`` towards zero by the L1 penalty not yet
    applied to them (Tsuruoka et al., 2009), in float64 as scikit-learn does."""
    before = w[columns].astype(np.float64)
    applied = l1_applied[columns].astype(np.float64)
    positive, negative = scale * before > 0.0, scale * before < 0.0
    after = before.copy()
    after[positive] = np.maximum(before - (cumulative_l1 + applied) / scale, 0.0)[positive]
    after[negative] = np.minimum(before + (cumulative_l1 - applied) / scale, 0.0)[negative]
    w[columns] = after
    l1_applied[columns] = applied + scale * (w[columns].astype(np.float64) - before)

"""Optimizers over a flat parameter vector, and an L-BFGS adapter.

Stochastic optimizers hold their own state (velocities, moments, step
count) and update a parameter vector in place from a gradient of the same
shape; they never keep a reference to the parameters, so a model can be
copied and its optimizer with it. ``iteration_ends`` is called once per
epoch and ``trigger_stopping`` when training stops improving.

This module knows nothing of scikit-learn.
"""

import numpy as np
import scipy.optimize

from .backend import optimizers as optimizer_routines
from .scratch import Scratch

__all__ = ["SGD", "Adam", "train_lbfgs"]


class SGD:
    """Stochastic gradient descent with momentum and learning-rate schedules.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    learning_rate_init : float, default=0.1
        Initial step size.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        ``"invscaling"`` divides the step by ``t ** power_t`` at each epoch
        end (``t`` counts samples seen); ``"adaptive"`` divides it by 5 when
        training stops improving, until it falls below 1e-6.
    momentum : float, default=0.9
        Momentum in [0, 1].
    nesterov : bool, default=True
        Use Nesterov's momentum.
    power_t : float, default=0.5
        Exponent of ``"invscaling"``.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init=0.1,
        learning_rate="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)

    def update(self, params, grad, l2=0.0, n_penalized=0):
        """Take one step: ``params`` is changed in place.

        Parameters
        ----------
        params, grad : ndarray of shape (n_params,)
        l2 : float, default=0.0
            Coefficient of an L2 gradient ``l2 * params`` added to ``grad``
            on the first ``n_penalized`` entries inside the same pass.
        n_penalized : int, default=0

        Returns
        -------
        float
            Sum of squares of the penalised entries before the step.
        """
        return optimizer_routines.sgd_step(
            params, grad, self.velocity, self.learning_rate, self.momentum, self.nesterov,
            l2, n_penalized,
        )

    def iteration_ends(self, time_step):
        """Update the learning rate at the end of an epoch.

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """
        if self.schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (
                (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """Decide whether to stop when training no longer improves.

        Returns
        -------
        bool
            True to stop; with the ``"adaptive"`` schedule, False after
            dividing the learning rate by 5 while it is still above 1e-6.
        """
        if self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + f" Setting learning rate to {self.learning_rate:f}")
        return False


class Adam:
    """Adam: stochastic optimization with bias-corrected moment estimates.

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    learning_rate_init : float, default=0.001
        Step size.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the first and second moment estimates.
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)
        self.scratch = Scratch()

    def update(self, params, grad, l2=0.0, n_penalized=0):
        """Take one step: ``params`` is changed in place (see :meth:`SGD.update`)."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        if not hasattr(self.scratch, "step"):
            self.scratch.step = np.empty_like(self.m)
        return optimizer_routines.adam_step(
            params, grad, self.m, self.v, self.learning_rate, b1, b2, self.epsilon,
            self.scratch.step, l2, n_penalized,
        )

    def iteration_ends(self, time_step):
        """Adam keeps no per-epoch schedule."""

    def trigger_stopping(self, msg, verbose):
        """Always stop when training no longer improves."""
        if verbose:
            print(msg + " Stopping.")
        return True


def train_lbfgs(
    network, X, Y, loss, *, alpha=0.0, sample_weight=None, max_iter=200,
    max_fun=15000, tol=1e-4, verbose=False, on_iteration=None,
):
    """Fit a network's weights with L-BFGS-B over the whole data set.

    The network's flat parameter vector is the optimisation variable; it
    holds the solution on return.

    Parameters
    ----------
    network : Network
        Starts from its current weights.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        Encoded targets.
    loss : Loss
    alpha : float, default=0.0
        L2 penalty.
    sample_weight : ndarray of shape (n_samples,), default=None
    max_iter, max_fun : int, default=200, 15000
        Caps on iterations and objective evaluations.
    tol : float, default=1e-4
        Projected-gradient tolerance.
    verbose : bool, default=False
        Print the objective after each iteration.
    on_iteration : callable, default=None
        Called with the objective after each iteration; returning True stops.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
    curve : list of float
        Objective after each iteration.
    """
    curve = []

    def record(intermediate_result):
        curve.append(float(intermediate_result.fun))
        if verbose:
            print("Iteration %d, loss = %.8f" % (len(curve), curve[-1]))
        if on_iteration is None:
            return
        try:
            stop = on_iteration(curve[-1])
        except StopIteration as error:
            # SciPy reads StopIteration as "stop"; from the hook it is an error
            raise RuntimeError(
                "The iteration hook raised StopIteration, which L-BFGS would take "
                "for a request to stop; return True to stop training instead."
            ) from error
        if stop:
            raise StopIteration

    result = scipy.optimize.minimize(
        network.objective,
        network.params.astype(np.float64),
        args=(X, Y, loss, alpha, sample_weight),
        method="L-BFGS-B",
        jac=True,
        options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol},
        callback=record,
    )
    network.params[:] = result.x
    return result, curve

"""Optimizers over a flat parameter vector, with Keras 3's names,
arguments and defaults, and an L-BFGS adapter.

An optimizer is a set of hyperparameters first: it is made without knowing
the network (``AdamW(learning_rate=3e-3, weight_decay=1e-2)``), it clones
(``sklearn.base.clone``), its parameters, a schedule's included, can be
searched through an estimator (``solver__weight_decay``), and it pickles.
Training builds it on a parameter vector (:meth:`Optimizer.build`), which
gives it its state (moments, velocities) and the step count
``iterations``; :meth:`Optimizer.update` then takes one step in place. The
estimators train a copy of the one they are given and keep it, with its
state, as ``optimizer_``.

Every step runs in Keras's order: the gradient (with the estimators'
coupled L2 term ``alpha``), clipped (``clipnorm``, ``global_clipnorm`` or
``clipvalue``); the weights decayed (``weight_decay``, decoupled from the
gradient, on every trainable weight); then the optimizer's own update at
the learning rate of the step, a float or a schedule of ``iterations``
(:mod:`skdl.schedules`). Weights that do not train live in another vector
(see :class:`~skdl.network.Network`), which no optimizer sees.

Which formula each optimizer follows, where Keras's and torch's differ:
SGD, Adam, RMSprop and Nadam follow Keras's (Adam's is also scikit-learn's);
AdamW follows torch's ``torch.optim.AdamW`` (Keras's AdamW adds epsilon to
the root of the uncorrected second moment, torch to the corrected one).

This module knows nothing of scikit-learn.
"""

import math
import numbers

import numpy as np
import scipy.optimize

from ._params import HyperParameters, check_flag, check_number
from .backend import optimizers as optimizer_routines
from .schedules import LearningRateSchedule
from .scratch import Scratch

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Nadam", "train_lbfgs"]

CLIPPING = ("clipnorm", "global_clipnorm", "clipvalue")
"""The gradient-clipping parameters, of which one at most is set."""


class Optimizer(HyperParameters):
    """Base class of the optimizers: learning rate, weight decay, clipping
    and the step count.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule
        Step size (>= 0), or a schedule of the step (:mod:`skdl.schedules`).
    weight_decay : float or None, default=None
        Decoupled weight decay (>= 0): before each update every trainable
        weight ``w`` becomes ``w - learning_rate * weight_decay * w``, with
        the learning rate of the step, as Keras and torch decay.
    clipnorm : float or None, default=None
        Clip the gradient of each weight array to this L2 norm (> 0).
    clipvalue : float or None, default=None
        Clip each entry of the gradient to ``[-clipvalue, clipvalue]`` (> 0).
    global_clipnorm : float or None, default=None
        Clip the whole gradient to this L2 norm (> 0). One clipping
        parameter at most may be set.

    Attributes
    ----------
    iterations : int
        Steps taken since :meth:`build` (Keras's name); a schedule is
        evaluated at it.
    current_learning_rate : float
        The learning rate of the next step.
    weight_boundaries : tuple of int or None
        Where each weight array starts in the parameter vector, then its
        length, as :meth:`build` was given them.

    Notes
    -----
    A subclass takes its own parameters after ``learning_rate``, stores
    each as the attribute of its name, checks them in ``_check_params``
    (extending this class's), makes its state in ``_build_state(n_params,
    dtype)`` and takes its update in ``_step(params, grad, learning_rate,
    l2, n_penalized)``, which adds the L2 gradient ``l2 * params`` on the
    first ``n_penalized`` entries (or leaves that to
    :func:`~skdl.backend.optimizers.add_l2_gradient`) and returns the
    penalised sum of squares before the step.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = 0
        self.weight_boundaries = None
        self.scratch = Scratch()

    @property
    def learning_rate(self):
        """The learning rate: a float, or a schedule of :attr:`iterations`.

        Assigning a new one (a float or a schedule) at any time, from a
        callback between epochs for instance, sets the rate of the steps
        that follow.
        """
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        owner = type(self).__name__
        if not isinstance(value, LearningRateSchedule):
            if not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise TypeError(
                    f"{owner}: learning_rate must be a number >= 0 or a schedule of "
                    f"skdl.schedules; got {value!r}."
                )
            check_number(owner, "learning_rate", value, minimum=0.0)
        self._learning_rate = value

    @property
    def current_learning_rate(self):
        """The learning rate of the next step (float): :attr:`learning_rate`,
        a schedule evaluated at :attr:`iterations`."""
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            return rate(self.iterations)
        return float(rate)

    def _check_params(self):
        owner = type(self).__name__
        check_number(owner, "weight_decay", self.weight_decay, minimum=0.0, none_ok=True)
        for name in CLIPPING:
            check_number(owner, name, getattr(self, name), minimum=0.0,
                         include_minimum=False, none_ok=True)
        chosen = {name: getattr(self, name) for name in CLIPPING
                  if getattr(self, name) is not None}
        if len(chosen) > 1:
            raise ValueError(
                f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be "
                f"set; got {chosen}."
            )

    def build(self, params, weight_boundaries=None):
        """Make the state of an optimizer that starts on ``params``, at step 0.

        Parameters
        ----------
        params : ndarray of shape (n_params,)
            The parameter vector the optimizer will update (float32 or
            float64); only its length and dtype are read.
        weight_boundaries : sequence of int, default=None
            Offsets where each weight array starts in ``params``, then
            ``n_params`` (a :class:`~skdl.network.Network`'s
            ``weight_boundaries``), for ``clipnorm``; None: one array.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``params`` is not a 1-D float32 or float64 array, or the
            boundaries do not increase from 0 to its length.
        """
        if not (isinstance(params, np.ndarray) and params.ndim == 1
                and params.dtype in (np.float32, np.float64)):
            raise ValueError(
                f"{type(self).__name__}.build: params must be a 1-D float32 or float64 "
                f"array; got {params!r}."
            )
        bounds = (0, params.size) if weight_boundaries is None else tuple(weight_boundaries)
        if (len(bounds) < 2 or bounds[0] != 0 or bounds[-1] != params.size
                or any(b < a for a, b in zip(bounds, bounds[1:]))):
            raise ValueError(
                f"{type(self).__name__}.build: weight_boundaries must increase from 0 "
                f"to the length of params ({params.size}); got {weight_boundaries!r}."
            )
        self.iterations = 0
        self.weight_boundaries = tuple(int(b) for b in bounds)
        self.scratch = Scratch()
        self._build_state(params.size, params.dtype)
        return self

    def release_buffers(self):
        """Drop the per-step buffers; the next :meth:`update` makes them
        anew. The estimators call this when a fit ends, with the network's
        ``release_buffers``."""
        self.scratch = Scratch()

    def is_built_for(self, params):
        """Whether :meth:`build` made this optimizer's state for vectors
        like ``params`` (its length and dtype).

        Parameters
        ----------
        params : ndarray

        Returns
        -------
        bool
        """
        return (self.weight_boundaries is not None
                and self.weight_boundaries[-1] == params.size
                and self._state_dtype() == params.dtype)

    def update(self, params, grad, l2=0.0, n_penalized=0):
        """Take one step: ``params`` changes in place, and ``grad`` may be
        overwritten (with the L2 term added and clipped).

        Parameters
        ----------
        params, grad : ndarray of shape (n_params,)
        l2 : float, default=0.0
            Coefficient of a coupled L2 gradient ``l2 * params`` added to
            ``grad`` on the first ``n_penalized`` entries, before clipping.
        n_penalized : int, default=0

        Returns
        -------
        float
            Sum of squares of the penalised entries before the step.

        Raises
        ------
        ValueError
            If the optimizer was not built, the learning rate of the step
            (a user's schedule) is negative or not finite, or the arrays do
            not fit its state.
        """
        if self.weight_boundaries is None:
            raise ValueError(
                f"{type(self).__name__} has no state yet: call build(params) first."
            )
        rate = self._learning_rate
        if isinstance(rate, LearningRateSchedule):
            rate = rate(self.iterations)
        if not 0.0 <= rate < math.inf:
            raise ValueError(
                f"{type(self).__name__}: the learning rate at step {self.iterations} is "
                f"{rate!r}; it must be a finite number >= 0."
            )
        if (self.clipnorm is None and self.global_clipnorm is None
                and self.clipvalue is None and not self.weight_decay):
            # the plain step, the L2 term fused into it where the back-end can
            squares = self._step(params, grad, rate, l2, n_penalized)
        else:
            squares = optimizer_routines.add_l2_gradient(
                params, grad, self._buffer("penalty", params), l2, n_penalized)
            self._clip(grad)
            if self.weight_decay:
                params *= 1.0 - rate * self.weight_decay
            self._step(params, grad, rate, 0.0, 0)
        self.iterations += 1
        return squares

    def _clip(self, grad):
        if self.clipnorm is not None:
            optimizer_routines.clip_by_norm(grad, self.weight_boundaries, self.clipnorm)
        elif self.global_clipnorm is not None:
            optimizer_routines.clip_by_global_norm(grad, self.global_clipnorm)
        elif self.clipvalue is not None:
            optimizer_routines.clip_by_value(grad, self.clipvalue)

    def _buffer(self, name, like, rows=None):
        """A scratch buffer shaped as ``like`` (``rows`` of it if given),
        made at its first use after a build, a copy or a pickle."""
        buffer = getattr(self.scratch, name, None)
        if buffer is None:
            shape = like.shape if rows is None else (rows, *like.shape)
            buffer = np.empty(shape, dtype=like.dtype)
            setattr(self.scratch, name, buffer)
        return buffer

    def _build_state(self, n_params, dtype):
        raise NotImplementedError(f"{type(self).__name__} must define _build_state.")

    def _state_dtype(self):
        """The dtype of the state arrays."""
        raise NotImplementedError(f"{type(self).__name__} must define _state_dtype.")

    def _step(self, params, grad, learning_rate, l2, n_penalized):
        raise NotImplementedError(f"{type(self).__name__} must define _step.")


def _check_beta(owner, name, value):
    check_number(owner, name, value, minimum=0.0, maximum=1.0, include_maximum=False)


def _check_epsilon(owner, value):
    check_number(owner, "epsilon", value, minimum=0.0, include_minimum=False)


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum, as Keras's
    ``SGD`` (and scikit-learn's MLP's ``solver="sgd"``).

    ``velocity = momentum * velocity - learning_rate * g``; then ``w +=
    velocity``, or with Nesterov ``w += momentum * velocity - learning_rate
    * g``.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default=0.01
        Step size (>= 0), or a schedule of the step.
    momentum : float, default=0.0
        Momentum in [0, 1].
    nesterov : bool, default=False
        Use Nesterov's momentum.
    weight_decay, clipnorm, clipvalue, global_clipnorm : float or None, default=None
        See :class:`Optimizer`.

    Attributes
    ----------
    velocity : ndarray of shape (n_params,)
        The momentum buffer (after :meth:`~Optimizer.build`).
    iterations : int
        Steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.optimizers import SGD
    >>> optimizer = SGD(learning_rate=0.1).build(np.zeros(2))
    >>> weights = np.array([1.0, -2.0])
    >>> _ = optimizer.update(weights, np.array([1.0, 1.0]))
    >>> weights, optimizer.iterations
    (array([ 0.9, -2.1]), 1)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm)
        self.momentum = momentum
        self.nesterov = nesterov
        self._check_params()

    def _check_params(self):
        super()._check_params()
        owner = type(self).__name__
        check_number(owner, "momentum", self.momentum, minimum=0.0, maximum=1.0)
        check_flag(owner, "nesterov", self.nesterov)

    def _build_state(self, n_params, dtype):
        self.velocity = np.zeros(n_params, dtype=dtype)

    def _state_dtype(self):
        return self.velocity.dtype

    def _step(self, params, grad, learning_rate, l2, n_penalized):
        return optimizer_routines.sgd_step(
            params, grad, self.velocity, learning_rate, self.momentum, self.nesterov, l2,
            n_penalized,
        )


class Adam(Optimizer):
    """Adam, as Keras's ``Adam`` (and scikit-learn's MLP's ``solver="adam"``).

    With ``t = iterations + 1``: ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 -
    b2) g^2``, ``w -= learning_rate * sqrt(1 - b2^t) / (1 - b1^t) * m /
    (sqrt(v) + epsilon)``: epsilon is added to the root of the uncorrected
    ``v`` (Kingma and Ba's "epsilon hat"; torch adds it to the corrected
    one).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default=0.001
        Step size (>= 0), or a schedule of the step.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float, default=1e-7
        Numerical-stability constant (> 0).
    weight_decay, clipnorm, clipvalue, global_clipnorm : float or None, default=None
        See :class:`Optimizer`.

    Attributes
    ----------
    m, v : ndarray of shape (n_params,)
        First and second moment estimates (after :meth:`~Optimizer.build`).
    iterations : int
        Steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.optimizers import Adam
    >>> optimizer = Adam(learning_rate=0.1).build(np.zeros(2))
    >>> weights = np.array([1.0, -2.0])
    >>> _ = optimizer.update(weights, np.array([0.5, -3.0]))
    >>> np.round(weights, 4)  # a first step moves every weight by about the rate
    array([ 0.9, -1.9])
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._check_params()

    def _check_params(self):
        super()._check_params()
        owner = type(self).__name__
        _check_beta(owner, "beta_1", self.beta_1)
        _check_beta(owner, "beta_2", self.beta_2)
        _check_epsilon(owner, self.epsilon)

    def _build_state(self, n_params, dtype):
        self.m = np.zeros(n_params, dtype=dtype)
        self.v = np.zeros(n_params, dtype=dtype)

    def _state_dtype(self):
        return self.m.dtype

    def _step(self, params, grad, learning_rate, l2, n_penalized):
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        # scikit-learn's expression, for its weights to the last bit
        step = learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        return optimizer_routines.adam_step(
            params, grad, self.m, self.v, step, b1, b2, self.epsilon,
            self._buffer("step", params), l2, n_penalized,
        )


class AdamW(Adam):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW``, with
    Keras's ``AdamW`` arguments and defaults.

    Each step first decays every trainable weight, biases included: ``w -=
    learning_rate * weight_decay * w``; then, with ``t = iterations + 1``,
    ``m`` and ``v`` as :class:`Adam`'s and ``w -= learning_rate / (1 - b1^t)
    * m / (sqrt(v / (1 - b2^t)) + epsilon)``: epsilon is added to the root
    of the bias-corrected ``v``, as torch adds it (Keras's AdamW adds it as
    its :class:`Adam` does).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default=0.001
        Step size (>= 0), or a schedule of the step.
    weight_decay : float, default=0.004
        Decoupled weight decay (>= 0).
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float, default=1e-7
        Numerical-stability constant (> 0).
    clipnorm, clipvalue, global_clipnorm : float or None, default=None
        See :class:`Optimizer`.

    Attributes
    ----------
    m, v : ndarray of shape (n_params,)
        First and second moment estimates (after :meth:`~Optimizer.build`).
    iterations : int
        Steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.optimizers import AdamW
    >>> optimizer = AdamW(learning_rate=0.1, weight_decay=0.5).build(np.zeros(1))
    >>> weights = np.array([2.0])
    >>> _ = optimizer.update(weights, np.array([0.0]))  # no gradient: decay alone
    >>> weights
    array([1.9])
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, clipnorm=None, clipvalue=None, global_clipnorm=None):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay, clipnorm,
                         clipvalue, global_clipnorm)

    def _check_params(self):
        check_number(type(self).__name__, "weight_decay", self.weight_decay, minimum=0.0)
        super()._check_params()

    def _step(self, params, grad, learning_rate, l2, n_penalized):
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        root_correction = math.sqrt(1 - b2**t)
        # torch's step, with the correction of v moved out of the root:
        # m / (sqrt(v) / c + eps) == c * m / (sqrt(v) + c * eps)
        return optimizer_routines.adam_step(
            params, grad, self.m, self.v, learning_rate / (1 - b1**t) * root_correction,
            b1, b2, self.epsilon * root_correction, self._buffer("step", params), l2,
            n_penalized,
        )


class RMSprop(Optimizer):
    """RMSprop, as Keras's ``RMSprop``.

    ``s = rho s + (1 - rho) g^2``; the increment is ``learning_rate * g /
    sqrt(s + epsilon)`` (centered: ``sqrt(s - a^2 + epsilon)`` with ``a =
    rho a + (1 - rho) g``); with ``momentum``, ``velocity = momentum *
    velocity + increment`` and ``w -= velocity``, else ``w -= increment``.
    Epsilon sits under the root, as in Keras (torch adds it after the root,
    and applies the learning rate after the momentum).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default=0.001
        Step size (>= 0), or a schedule of the step.
    rho : float, default=0.9
        Decay rate of the mean square, in [0, 1).
    momentum : float, default=0.0
        Momentum in [0, 1).
    epsilon : float, default=1e-7
        Numerical-stability constant (> 0).
    centered : bool, default=False
        Divide by the gradient's estimated variance rather than its mean
        square.
    weight_decay, clipnorm, clipvalue, global_clipnorm : float or None, default=None
        See :class:`Optimizer`.

    Attributes
    ----------
    mean_square : ndarray of shape (n_params,)
        Running mean of the squared gradient (after
        :meth:`~Optimizer.build`).
    mean_gradient : ndarray of shape (n_params,) or None
        Running mean of the gradient (centered only).
    velocity : ndarray of shape (n_params,) or None
        The momentum buffer (with momentum only).
    iterations : int
        Steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.optimizers import RMSprop
    >>> optimizer = RMSprop(learning_rate=0.1).build(np.zeros(1))
    >>> weights = np.array([10.0])
    >>> _ = optimizer.update(weights, weights.copy())  # Keras's example
    >>> np.round(weights, 6)
    array([9.683772])
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._check_params()

    def _check_params(self):
        super()._check_params()
        owner = type(self).__name__
        _check_beta(owner, "rho", self.rho)
        _check_beta(owner, "momentum", self.momentum)
        _check_epsilon(owner, self.epsilon)
        check_flag(owner, "centered", self.centered)

    def _build_state(self, n_params, dtype):
        self.mean_square = np.zeros(n_params, dtype=dtype)
        self.mean_gradient = np.zeros(n_params, dtype=dtype) if self.centered else None
        self.velocity = np.zeros(n_params, dtype=dtype) if self.momentum > 0 else None

    def _state_dtype(self):
        return self.mean_square.dtype

    def _step(self, params, grad, learning_rate, l2, n_penalized):
        squares = optimizer_routines.add_l2_gradient(
            params, grad, self._buffer("step", params), l2, n_penalized)
        # centered or momentum switched on after the build start from zero
        if self.centered and self.mean_gradient is None:
            self.mean_gradient = np.zeros_like(self.mean_square)
        if self.momentum > 0 and self.velocity is None:
            self.velocity = np.zeros_like(self.mean_square)
        optimizer_routines.rmsprop_step(
            params, grad, self.mean_square, self.mean_gradient if self.centered else None,
            self.velocity if self.momentum > 0 else None, learning_rate, self.rho,
            self.momentum, self.epsilon, self._buffer("step", params),
        )
        return squares


NADAM_MOMENTUM_DECAY = 0.96
"""Base of Nadam's momentum schedule ``u_t = beta_1 (1 - 0.5 * 0.96 ** t)``,
Keras's constant (torch's ``NAdam`` raises it to ``momentum_decay * t``
instead of ``t``; ``momentum_decay=1`` is Keras's schedule)."""


class Nadam(Adam):
    """Nadam (Adam with Nesterov momentum), as Keras's ``Nadam``; it takes
    :class:`Adam`'s arguments and defaults.

    With ``t = iterations + 1``, the momentum schedule ``u_t = b1 (1 - 0.5 *
    0.96^t)`` and ``P_t = u_1 ... u_t``: ``m`` and ``v`` as :class:`Adam`'s,
    then ``w -= learning_rate * (u_{t+1} m / (1 - P_{t+1}) + (1 - u_t) g /
    (1 - P_t)) / (sqrt(v / (1 - b2^t)) + epsilon)``. torch's ``NAdam`` is
    the same with ``momentum_decay=1`` (its default, 0.004, slows the
    schedule).

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default=0.001
        Step size (>= 0), or a schedule of the step.
    beta_1, beta_2 : float, default=0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float, default=1e-7
        Numerical-stability constant (> 0).
    weight_decay, clipnorm, clipvalue, global_clipnorm : float or None, default=None
        See :class:`Optimizer`.

    Attributes
    ----------
    m, v : ndarray of shape (n_params,)
        First and second moment estimates (after :meth:`~Optimizer.build`).
    u_product : float
        ``P_t``, the product of the momentum schedule so far.
    iterations : int
        Steps taken.

    Examples
    --------
    >>> import numpy as np
    >>> from skdl.optimizers import Nadam
    >>> optimizer = Nadam(learning_rate=0.1).build(np.zeros(2))
    >>> weights = np.array([1.0, -2.0])
    >>> _ = optimizer.update(weights, np.array([0.5, -3.0]))
    >>> np.round(weights, 4)
    array([ 0.8937, -1.8937])
    """

    def _build_state(self, n_params, dtype):
        super()._build_state(n_params, dtype)
        self.u_product = 1.0

    def _step(self, params, grad, learning_rate, l2, n_penalized):
        t = self.iterations + 1
        b1 = self.beta_1
        u_now = b1 * (1.0 - 0.5 * NADAM_MOMENTUM_DECAY**t)
        u_next = b1 * (1.0 - 0.5 * NADAM_MOMENTUM_DECAY ** (t + 1))
        product = self.u_product * u_now
        squares = optimizer_routines.add_l2_gradient(
            params, grad, self._buffer("step", params, rows=2)[0], l2, n_penalized)
        optimizer_routines.nadam_step(
            params, grad, self.m, self.v, learning_rate, b1, self.beta_2, self.epsilon,
            u_next / (1.0 - product * u_next), (1.0 - u_now) / (1.0 - product),
            1.0 - self.beta_2**t, self._buffer("step", params, rows=2),
        )
        self.u_product = product
        return squares


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

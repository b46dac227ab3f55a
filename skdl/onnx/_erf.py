"""The error function out of operators ONNX Runtime runs in float64.

ONNX's ``Erf`` has no float64 implementation in ONNX Runtime, and casting to
float32 would lose the precision a float64 model promises. So a float64
GELU evaluates erf as a table of Taylor polynomials: ``|x|`` in [0, 6] is
cut into pieces of width 1/4, each with the degree-14 Taylor polynomial of
erf about its centre, and ``|x|`` is clipped at 6, where erf is 1 in
float64 (``erfc(6) < 3e-17``). Over
[-7, 7] the largest error against :func:`scipy.special.erf` is below 1e-15.
"""

import math

import numpy as np
from scipy.special import erf

__all__ = ["erf_to_onnx", "taylor_table"]

PIECE_WIDTH = 0.25
N_PIECES = 24
DEGREE = 14
SATURATION = PIECE_WIDTH * N_PIECES


def taylor_table(n_pieces=N_PIECES, width=PIECE_WIDTH, degree=DEGREE):
    """Taylor coefficients of erf about the centre of each piece.

    Uses ``erf^(k)(c) = 2/sqrt(pi) * (-1)^(k-1) * H_(k-1)(c) * exp(-c^2)``
    for ``k >= 1``, with the physicists' Hermite polynomials ``H``.

    Parameters
    ----------
    n_pieces : int, default=24
    width : float, default=0.25
    degree : int, default=14

    Returns
    -------
    centres : ndarray of shape (n_pieces,)
    table : ndarray of shape (degree + 1, n_pieces)
        ``table[k, i]`` is the coefficient of ``(x - centres[i]) ** k``.
    """
    centres = (np.arange(n_pieces) + 0.5) * width
    table = np.empty((degree + 1, n_pieces))
    for i, c in enumerate(centres):
        hermite = [1.0, 2.0 * c]
        for n in range(1, degree):
            hermite.append(2.0 * c * hermite[n] - 2.0 * n * hermite[n - 1])
        table[0, i] = erf(c)
        scale = 2.0 / math.sqrt(math.pi) * math.exp(-c * c)
        for k in range(1, degree + 1):
            table[k, i] = scale * (-1) ** (k - 1) * hermite[k - 1] / math.factorial(k)
    return centres, table


def erf_to_onnx(graph, x):
    """Write ``erf(x)`` into ``graph`` with Gather, Mul and Add.

    Parameters
    ----------
    graph : OnnxGraph
    x : str
        The tensor's name.

    Returns
    -------
    str
    """
    centres, table = taylor_table()
    magnitude = graph.node("Min", [graph.node("Abs", [x]), graph.constant(SATURATION)])
    scaled = graph.node("Mul", [magnitude, graph.constant(1.0 / PIECE_WIDTH)])
    last_piece = graph.constant(N_PIECES - 1)
    piece = graph.node("Cast", [graph.node("Floor", [graph.node("Min", [scaled, last_piece])])], to=7)
    offset = graph.node("Sub", [magnitude, graph.node("Gather", [graph.constant(centres), piece])])
    value = graph.node("Gather", [graph.constant(table[-1]), piece])
    for coefficients in table[-2::-1]:
        value = graph.node("Mul", [value, offset])
        value = graph.node("Add", [value, graph.node("Gather", [graph.constant(coefficients), piece])])
    return graph.node("Mul", [value, graph.node("Sign", [x])])

"""What the ONNX tests share: convert a fitted model and run it in ONNX
Runtime, in this process or in a child one, and the tolerances skdl
promises per float type."""

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime
from sklearn.base import is_classifier

from skdl.onnx import to_onnx

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-9}
"""Largest difference allowed between ONNX Runtime's and skdl's outputs of
order one (probabilities): absolute, and relative for larger values."""


def assert_close(actual, expected):
    """``actual`` within ``TOLERANCE`` of ``expected`` for its dtype:
    ``|actual - expected| <= tol * (1 + |expected|)``; so probabilities are
    within ``tol`` and unbounded scores and values within ``tol`` relative. ``actual``'s dtype sets ``tol``."""
    tol = TOLERANCE[actual.dtype.type]
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


class Softsign:
    """A user activation with its ONNX form: z / (1 + |z|)."""

    def value(self, z):
        return z / (1 + np.abs(z))

    def derivative(self, z, a):
        return 1 / (1 + np.abs(z)) ** 2

    def to_onnx(self, graph, z):
        one_plus = graph.node("Add", [graph.node("Abs", [z]), graph.constant(1.0)])
        return graph.node("Div", [z, one_plus])


def session(onx):
    """An ONNX Runtime session on the CPU for a model proto."""
    return onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def run_onnx(model, X, options=None):
    """Convert ``model`` for ``X``'s dtype (without ZipMap unless
    ``options`` say otherwise) and return ONNX Runtime's outputs on ``X``."""
    if options is None:
        options = {"zipmap": False} if is_classifier(model) else {}
    onx = to_onnx(model, X, options=options)
    sess = session(onx)
    return sess.run(None, {sess.get_inputs()[0].name: X})


def op_types(onx):
    """The operator types of a model's graph, in order, each node's
    followed by those of its subgraphs (an ``If``'s branches, a ``Scan``'s
    body)."""
    return _op_types(onx.graph)


def _op_types(graph):
    types = []
    for node in graph.node:
        types.append(node.op_type)
        for attribute in node.attribute:
            for subgraph in [attribute.g, *attribute.graphs]:
                types += _op_types(subgraph)
    return types


_CHILD = """
import pickle, sys
from pathlib import Path
import onnxruntime
folder = Path(sys.argv[1])
for key, model, batches in pickle.loads((folder / "jobs.pkl").read_bytes()):
    print("job:", key, file=sys.stderr, flush=True)  # the job running, should it abort
    sess = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outputs = [sess.run(None, {name: X}) for X in batches]
    (folder / f"{key}.pkl").write_bytes(pickle.dumps(outputs))
"""
"""Runs each job of ``jobs.pkl`` (a key, a serialised model and its input
batches) and writes the outputs of every batch to ``<key>.pkl``."""


def run_in_child(jobs):
    """Run ONNX models in a child process, where a crash of ONNX Runtime
    (an abort, not an exception) cannot end the test session.

    Parameters
    ----------
    jobs : dict
        Key (a str usable as a file name) to ``(model, batches)``: an
        ``onnx.ModelProto`` and a list of input arrays.

    Returns
    -------
    dict
        Key to the list of each batch's outputs, or to a message saying
        how the child ended (its exit status and last line of error output)
        for the model during which it failed; the models after it run in a
        new child.
    """
    pending = [(key, onx.SerializeToString(), batches) for key, (onx, batches) in jobs.items()]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        while pending:
            (folder / "jobs.pkl").write_bytes(pickle.dumps(pending))
            child = subprocess.run([sys.executable, "-c", _CHILD, str(folder)],
                                   capture_output=True, text=True)
            done = [key for key, _, _ in pending if (folder / f"{key}.pkl").exists()]
            for key in done:
                results[key] = pickle.loads((folder / f"{key}.pkl").read_bytes())
            pending = [job for job in pending if job[0] not in results]
            if child.returncode == 0:
                continue
            started = [line[5:] for line in child.stderr.splitlines() if line.startswith("job: ")]
            if not started or started[-1] not in {job[0] for job in pending}:
                raise RuntimeError(f"The child process failed:\n{child.stderr}")
            results[started[-1]] = (f"the child process ended with exit status "
                                    f"{child.returncode}: {child.stderr.strip().splitlines()[-1]}")
            pending = [job for job in pending if job[0] != started[-1]]
    return results

"""
Activation functions and their derivatives
==========================================

Every built-in activation of :mod:`skdl.activations`, one panel each:
``f(z)`` (solid) and ``f'(z)`` (dashed) as skdl's engine computes them, the
derivative coming from the activation's own backward pass.
"""

# %%
# :func:`skdl.plot.plot_activations` draws the activations it is given by
# name, one per axes. Softmax acts on a vector, so its panel shows the first
# component of ``softmax([z, 0])``, which is ``sigmoid(z)``.
import matplotlib.pyplot as plt

from skdl.plot import BUILTIN_ACTIVATIONS, plot_activations

print(f"{len(BUILTIN_ACTIVATIONS)} activations: {', '.join(BUILTIN_ACTIVATIONS)}")

fig, axes = plt.subplots(3, 4, figsize=(8.5, 5.6), layout="constrained", num="activations")
used = axes.ravel()[: len(BUILTIN_ACTIVATIONS)]
plot_activations(BUILTIN_ACTIVATIONS, axes=used)
for ax in used:
    ax.set_xticks([-4, -2, 0, 2, 4])
for ax in axes[-1, :3]:
    ax.set_xlabel("z")
for spare in axes.ravel()[len(BUILTIN_ACTIVATIONS):]:
    spare.remove()
fig.suptitle("skdl's activations: f(z) solid, f'(z) dashed")

# %%
# The step function's derivative is zero wherever it exists: gradient
# descent learns nothing through it, which is why only the perceptron rule
# trains it. The sigmoid's and tanh's derivatives vanish for large ``|z|``
# (saturation), while ReLU's is 1 for every positive input; leaky ReLU, ELU
# and GELU also let some gradient through for negative inputs.
plt.show()

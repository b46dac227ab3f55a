"""What the attention tests share: a plain-loop reference of multi-head
self-attention written from the definitions (one head, one query at a
time), and padded sequences, whose all-zero steps
:class:`padding_mask.PadMask` marks as padding."""

import numpy as np

def attention(x, weights, heads, mask=None, causal=False, use_bias=True):
    """Self-attention of ``x`` ``(n, T, d)`` with Keras's weights: each
    query's softmax over the keys it may see; a query that may see none
    (a padding step) weighs all keys alike."""
    if not use_bias:
        weights = [weights[0], 0, weights[1], 0, weights[2], 0, weights[3], 0]
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    n, steps, _ = x.shape
    key_dim = wq.shape[-1]
    out = np.zeros(x.shape)
    for s in range(n):
        heads_out = []
        for head in range(heads):
            q = x[s] @ wq[:, head] + (bq[head] if use_bias else 0)
            k = x[s] @ wk[:, head] + (bk[head] if use_bias else 0)
            v = x[s] @ wv[:, head] + (bv[head] if use_bias else 0)
            rows = []
            for t in range(steps):
                seen = np.ones(steps, bool)
                if mask is not None:
                    seen &= mask[s] & mask[s, t]
                if causal:
                    seen &= np.arange(steps) <= t
                scores = k @ q[t] / np.sqrt(key_dim)
                if not seen.any():
                    p = np.full(steps, 1.0 / steps)
                else:
                    p = np.where(seen, np.exp(scores - scores[seen].max()), 0.0)
                    p /= p.sum()
                rows.append(p @ v)
            heads_out.append(np.array(rows))
        out[s] = np.concatenate(heads_out, axis=1) @ wo.reshape(-1, x.shape[2]) + bo
    return out


def padded_sequences(n, steps, features, seed=0):
    """Random sequences, each padded with zero steps at its end after a
    random length (at least one step of data)."""
    rs = np.random.RandomState(seed)
    x = rs.normal(size=(n, steps, features))
    lengths = rs.randint(1, steps + 1, size=n)
    for s, length in enumerate(lengths):
        x[s, length:] = 0
    return x

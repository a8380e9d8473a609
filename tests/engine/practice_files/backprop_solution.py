"""A learner's correct backprop solution, written the way the assignment's notebooks do it.

The practice tests grade this file and variants of it with one known mistake each (made by replacing
one marked line), so every line marked ``# MISTAKE-…`` must stay exactly as it is.
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(x, y, w):
    part = w[0] * x[0] + w[1] * x[1]  # MISTAKE-plus
    exp = np.exp(part * part + w[5])
    tanh = np.tanh(exp + w[6])
    sig = sigmoid(np.sin(w[2] * x[2]) * (w[3] * x[3] + w[4] * x[4]) + w[7])
    y_pred = tanh + w[8] * sig
    loss = (y - y_pred) ** 2
    dl = -2 * (y - y_pred)  # MISTAKE-dl-sign
    return {"exp": exp, "tanh": tanh, "sigmoid": sig, "loss": loss, "dl": dl}


def backward_propagation(x, w, d):
    dl = d["dl"]  # MISTAKE-loss-upstream
    part = w[0] * x[0] + w[1] * x[1]
    d_tanh_in = dl * (1 - d["tanh"] ** 2)  # MISTAKE-tanh
    d_exp_in = d_tanh_in * d["exp"]
    d_part = d_exp_in * 2 * part
    inner = np.sin(w[2] * x[2])
    linear = w[3] * x[3] + w[4] * x[4]
    d_sig_in = dl * w[8] * d["sigmoid"] * (1 - d["sigmoid"])
    return {
        "dw1": d_part * x[0],
        "dw2": d_part * x[1],
        "dw3": d_sig_in * linear * np.cos(w[2] * x[2]) * x[2],
        "dw4": d_sig_in * inner * x[3],
        "dw5": d_sig_in * inner * x[4],
        "dw6": d_exp_in,
        "dw7": d_tanh_in,
        "dw8": d_sig_in,
        "dw9": dl * d["sigmoid"],  # MISTAKE-dw9
    }


def gradient_checking(x, y, w):
    eps = 1e-7
    analytic = backward_propagation(x, w, forward_propagation(x, y, w))
    approx = []
    for i in range(len(w)):
        w_plus = w.copy()  # MISTAKE-alias
        w_plus[i] += eps
        w_minus = w.copy()
        w_minus[i] -= eps
        plus = forward_propagation(x, y, w_plus)["loss"]
        minus = forward_propagation(x, y, w_minus)["loss"]
        approx.append((plus - minus) / (2 * eps))
    grad = np.array([analytic["dw" + str(i + 1)] for i in range(len(w))])
    approx = np.array(approx)
    return np.linalg.norm(grad - approx) / (np.linalg.norm(grad) + np.linalg.norm(approx))  # MISTAKE-ratio


def sgd_update(w, g, lr):
    return w - lr * g


def momentum_update(w, g, v, lr, mu=0.9):
    v = mu * v - lr * g
    return w + v, v


def adam_update(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def train_adam(w, gradient, rows, epochs, lr=0.001):
    m = np.zeros(len(w))
    v = np.zeros(len(w))
    step = 0
    for epoch in range(1, epochs + 1):  # noqa: B007 (a mistake variant reads it)
        for r in range(rows):
            step += 1
            w, m, v = adam_update(w, gradient(w, r), m, v, step, lr)  # MISTAKE-epoch
    return w

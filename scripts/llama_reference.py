#!/usr/bin/env python3
"""Independent reference forward of a checkpoint, written from transformers' LlamaForCausalLM math.

Standard library only, so the tests can run it on any machine with python3: it reads config.json and
model.safetensors (its own reader, not ours) and computes the logits of one token sequence the way
transformers does — RMSNorm with fp32 statistics, RoPE in the "rotate_half" layout (first half / second half
of each head, inverse frequencies theta^(-2i/d)), causal softmax attention scaled by 1/sqrt(head_dim), SwiGLU
MLP, untied LM head. Agreement with the C# model checks the tensor names, the layouts and the RoPE convention.
Slow (pure Python): meant for tiny test models.

Usage: llama_reference.py CHECKPOINT_DIR TOKEN_ID [TOKEN_ID ...]   → JSON [[logit, ...] per position]
"""
import json
import math
import os
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{name}: only F32 checkpoints are supported by this reference")
        begin, end = info["data_offsets"]
        count = (end - begin) // 4
        flat = struct.unpack_from(f"<{count}f", data, base + begin)
        shape = info["shape"]
        if len(shape) == 1:
            tensors[name] = list(flat)
        else:
            rows, cols = shape
            tensors[name] = [list(flat[r * cols:(r + 1) * cols]) for r in range(rows)]
    return tensors


def linear(x, weight):  # weight [out][in]; y = x W^T
    return [sum(a * b for a, b in zip(x, row)) for row in weight]


def rms_norm(x, weight, eps):
    variance = sum(v * v for v in x) / len(x)
    scale = 1.0 / math.sqrt(variance + eps)
    return [w * v * scale for w, v in zip(weight, x)]


def rotate(vec, position, head_dim, theta):
    half = head_dim // 2
    out = [0.0] * head_dim
    for i in range(half):
        inv_freq = 1.0 / (theta ** (2 * i / head_dim))
        angle = position * inv_freq
        c, s = math.cos(angle), math.sin(angle)
        x1, x2 = vec[i], vec[i + half]
        # x*cos + rotate_half(x)*sin with rotate_half(x) = [-x2, x1]
        out[i] = x1 * c - x2 * s
        out[i + half] = x2 * c + x1 * s
    return out


def forward(directory, ids):
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(directory, "model.safetensors"))
    d = cfg["hidden_size"]
    heads = cfg["num_attention_heads"]
    hd = d // heads
    eps = cfg["rms_norm_eps"]
    theta = cfg["rope_theta"]
    h = [list(w["model.embed_tokens.weight"][t]) for t in ids]
    T = len(ids)
    for layer in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        normed = [rms_norm(x, w[p + "input_layernorm.weight"], eps) for x in h]
        q = [linear(x, w[p + "self_attn.q_proj.weight"]) for x in normed]
        k = [linear(x, w[p + "self_attn.k_proj.weight"]) for x in normed]
        v = [linear(x, w[p + "self_attn.v_proj.weight"]) for x in normed]
        attended = [[0.0] * d for _ in range(T)]
        for head in range(heads):
            sl = slice(head * hd, (head + 1) * hd)
            qh = [rotate(q[t][sl], t, hd, theta) for t in range(T)]
            kh = [rotate(k[t][sl], t, hd, theta) for t in range(T)]
            for t in range(T):
                scores = [sum(a * b for a, b in zip(qh[t], kh[j])) / math.sqrt(hd) for j in range(t + 1)]
                m = max(scores)
                exps = [math.exp(s - m) for s in scores]
                z = sum(exps)
                for j in range(t + 1):
                    weight = exps[j] / z
                    vj = v[j][sl]
                    for i in range(hd):
                        attended[t][head * hd + i] += weight * vj[i]
        o = [linear(x, w[p + "self_attn.o_proj.weight"]) for x in attended]
        h = [[a + b for a, b in zip(x, y)] for x, y in zip(h, o)]
        normed = [rms_norm(x, w[p + "post_attention_layernorm.weight"], eps) for x in h]
        out = []
        for x in normed:
            gate = linear(x, w[p + "mlp.gate_proj.weight"])
            up = linear(x, w[p + "mlp.up_proj.weight"])
            act = [g / (1.0 + math.exp(-g)) * u for g, u in zip(gate, up)]
            out.append(linear(act, w[p + "mlp.down_proj.weight"]))
        h = [[a + b for a, b in zip(x, y)] for x, y in zip(h, out)]
    h = [rms_norm(x, w["model.norm.weight"], eps) for x in h]
    return [linear(x, w["lm_head.weight"]) for x in h]


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    print(json.dumps(forward(sys.argv[1], [int(t) for t in sys.argv[2:]])))

#!/usr/bin/env python3
"""Plain PyTorch decode of a Llama-style model: the reference that `bench decode` is compared with (GPU checks).

Same shapes as the engine's `bench decode`: random weights of a preset's shape (vocabulary 125), B sequences whose
caches already hold FILL positions, decoding NEW tokens each, greedily. The model is written the way a fast PyTorch
decoder is (gpt-fast's recipe): a static KV cache [B, heads, CTX, dim] per layer, q/k/v and gate/up as one matrix
product each, scaled_dot_product_attention. Two loops are timed per batch size:
  eager       each step attends over the positions filled so far (the cache narrowed to them);
  cuda-graph  one step captured as a CUDA graph and replayed (shapes must be static, so every step attends over the
              whole CTX with a mask, as gpt-fast does), CUDA devices only.
Prints one line per (loop, batch): decode tokens/s, the median of ROUNDS rounds.

Usage: torch_decode_reference.py --hidden 1024 --layers 18 --heads 16 --inter 2752 [--vocab 125] [--ctx 2048]
       [--fill 1024] [--new 128] [--batches 1,64,256] [--rounds 3] [--device cuda:0] [--dtype bf16|fp32]
On a CPU device it runs the eager loop only and says so (fp32 by default there).
"""
import argparse
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vocab", type=int, default=125)
    p.add_argument("--hidden", type=int, required=True)
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--inter", type=int, required=True)
    p.add_argument("--ctx", type=int, default=2048, help="positions each sequence's cache holds")
    p.add_argument("--fill", type=int, default=1024, help="positions already cached when decoding starts")
    p.add_argument("--new", type=int, default=128, help="tokens decoded per sequence")
    p.add_argument("--batches", default="1,64,256")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--dtype", choices=["bf16", "fp32"], default=None, help="default: bf16 on CUDA, fp32 on the CPU")
    p.add_argument("--theta", type=float, default=10000.0)
    args = p.parse_args()
    if args.fill < 1 or args.fill + args.new > args.ctx:
        p.error(f"--fill {args.fill} + --new {args.new} must fit --ctx {args.ctx} (and fill be at least 1)")
    if args.hidden % args.heads:
        p.error("--hidden must be a multiple of --heads")
    return args


class Decoder:
    """Weights of every layer and the static caches of one batch size; `step` decodes one token per row."""

    def __init__(self, args, batch, device, dtype):
        self.heads, self.dim = args.heads, args.hidden // args.heads
        self.inter, self.ctx = args.inter, args.ctx
        g = torch.Generator(device="cpu").manual_seed(1)

        def weight(rows, cols):
            return (torch.randn(rows, cols, generator=g) * 0.02).to(device, dtype)

        h = args.hidden
        self.embed = weight(args.vocab, h)
        self.head = weight(args.vocab, h)
        self.norm = torch.ones(h, device=device, dtype=dtype)
        self.layers = [dict(attn_norm=torch.ones(h, device=device, dtype=dtype), wqkv=weight(3 * h, h), wo=weight(h, h),
                            mlp_norm=torch.ones(h, device=device, dtype=dtype), w13=weight(2 * args.inter, h),
                            w2=weight(h, args.inter)) for _ in range(args.layers)]
        # Random keys and values stand for the FILL positions a prefill would have cached.
        shape = (batch, self.heads, args.ctx, self.dim)
        self.k = [torch.randn(shape, generator=g).to(device, dtype) for _ in range(args.layers)]
        self.v = [torch.randn(shape, generator=g).to(device, dtype) for _ in range(args.layers)]
        inv_freq = 1.0 / (args.theta ** (torch.arange(0, self.dim, 2, dtype=torch.float32) / self.dim))
        angles = torch.outer(torch.arange(args.ctx, dtype=torch.float32), inv_freq)
        angles = torch.cat([angles, angles], dim=-1)
        self.cos, self.sin = angles.cos().to(device, dtype), angles.sin().to(device, dtype)
        self.positions = torch.arange(args.ctx, device=device)

    @staticmethod
    def rms_norm(x, weight, eps=1e-5):
        h = x.float()
        return weight * (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)

    @staticmethod
    def rotate(x, cos, sin):
        half = x.shape[-1] // 2
        return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin

    @staticmethod
    def attend(q, k, v, mask):
        if hasattr(F, "scaled_dot_product_attention"):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        # torch < 2.0 (e.g. a distribution's CPU build): the same math, spelled out.
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        return scores.softmax(-1) @ v

    def step(self, tokens, position, keys):
        """tokens [B, 1] at `position` (a 0-dim tensor); attends over `keys` positions (an int: the eager loop, or None:
        the whole cache, masked past `position`, for a graph). Returns the next tokens [B, 1]."""
        b = tokens.shape[0]
        x = F.embedding(tokens, self.embed)
        cos, sin = self.cos[position], self.sin[position]
        index = position.view(1)
        mask = None if keys is not None else (self.positions <= position).view(1, 1, 1, -1)
        for layer, w in enumerate(self.layers):
            qkv = F.linear(self.rms_norm(x, w["attn_norm"]), w["wqkv"]).view(b, 1, 3, self.heads, self.dim)
            q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))
            q, k = self.rotate(q, cos, sin), self.rotate(k, cos, sin)
            self.k[layer].index_copy_(2, index, k)
            self.v[layer].index_copy_(2, index, v)
            ks = self.k[layer] if keys is None else self.k[layer][:, :, :keys]
            vs = self.v[layer] if keys is None else self.v[layer][:, :, :keys]
            attended = self.attend(q, ks, vs, mask).transpose(1, 2).reshape(b, 1, -1)
            x = x + F.linear(attended, w["wo"])
            gate, up = F.linear(self.rms_norm(x, w["mlp_norm"]), w["w13"]).split(self.inter, dim=-1)
            x = x + F.linear(F.silu(gate) * up, w["w2"])
        logits = F.linear(self.rms_norm(x, self.norm), self.head)
        return logits.argmax(-1)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def eager_rate(decoder, batch, args, device):
    tokens = torch.ones(batch, 1, dtype=torch.long, device=device)
    # Every step's position made up front: a host-to-device copy inside the loop could wait for the device.
    positions = torch.arange(args.fill, args.fill + args.new, device=device)
    synchronize(device)
    start = time.perf_counter()
    for t in range(args.new):
        tokens = decoder.step(tokens, positions[t], keys=args.fill + t + 1)
    synchronize(device)
    return batch * args.new / (time.perf_counter() - start)


def graph_rate(decoder, batch, args, device):
    tokens = torch.ones(batch, 1, dtype=torch.long, device=device)
    position = torch.tensor(args.fill, device=device)

    def step():
        # Self-feeding: the sampled tokens and the next position are written where the next replay reads them.
        tokens.copy_(decoder.step(tokens, position, keys=None))
        position.add_(1)

    # Warm-up on a side stream before capture, as CUDA graph capture requires.
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(3):
            step()
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    position.fill_(args.fill)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(args.new):
        graph.replay()
    synchronize(device)
    return batch * args.new / (time.perf_counter() - start)


def main():
    args = parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"torch_decode_reference: {args.device} requested, but this torch ({torch.__version__}) sees no CUDA device")
    dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype or ("bf16" if device.type == "cuda" else "fp32")]
    batches = [int(b) for b in args.batches.split(",")]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} torch threads"
    print(f"torch reference decode: torch {torch.__version__}, {name}, {dtype}, hidden {args.hidden}, layers {args.layers}, "
          f"heads {args.heads}, inter {args.inter}, vocab {args.vocab}, ctx {args.ctx}, fill {args.fill}, new {args.new}, "
          f"rounds {args.rounds}")
    loops = [("eager", eager_rate)]
    if device.type == "cuda":
        loops.append(("cuda-graph", graph_rate))
    else:
        print("torch reference decode: CUDA graphs not run (they need a CUDA device); eager only")
    with torch.no_grad():  # not inference_mode: CUDA graph capture wants ordinary tensors
        for batch in batches:
            decoder = Decoder(args, batch, device, dtype)
            for loop, rate in loops:
                rate(decoder, batch, args, device)  # warm-up: allocations, kernel selection, capture
                rates = [rate(decoder, batch, args, device) for _ in range(args.rounds)]
                print(f"reference {loop:10s} batch {batch:4d}: decode {statistics.median(rates):9.0f} tok/s "
                      f"(median of {args.rounds}: {', '.join(f'{r:.0f}' for r in rates)})", flush=True)
            del decoder
            if device.type == "cuda":
                torch.cuda.empty_cache()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The baseline of the GPU check: one KV-cached DALL-E decode step written as plain PyTorch eager code.

Same step as the C# model (src/DalleOrleans.Model/Transformer): per layer a pre-norm block,
x + proj(attn(LN(x))) then x + fc_out(gelu(fc(LN(x)))), with one fused QKV projection, a preallocated
(B, H, T, Dh) key/value cache written in place at each row's position, scaled-dot-product attention over
the first Tk cached positions with an additive mask row, then the final norm and the image head. Random
weights in the chosen dtype, built directly on the device.

The mask is a causal additive row for every layer: an additive mask costs the same whatever its pattern
(the C# side's dense-vs-sparse rows show that), so the pattern does not change what is timed here.

Prints one JSON object (and writes it to --json): the torch version, the device and, per batch, the median
step time in milliseconds. Exit code 0 on success; 3 when the requested device is not usable.
"""
import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--dtype", default="bf16", choices=["bf16", "fp16", "fp32"])
    p.add_argument("--layers", type=int, default=64)
    p.add_argument("--model-dim", type=int, default=3968)
    p.add_argument("--heads", type=int, default=62)
    p.add_argument("--mlp-ratio", type=int, default=4)
    p.add_argument("--image-vocab", type=int, default=8192)
    p.add_argument("--sequence", type=int, default=1280, help="positions in the KV cache")
    p.add_argument("--position", type=int, default=769, help="input position of the timed step")
    p.add_argument("--batches", default="1,8,32")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads on CPU (0 = torch's default)")
    p.add_argument("--json", default="")
    return p.parse_args()


DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


class Layer:
    """One pre-norm transformer layer's weights: norms, fused QKV, attention output, MLP."""

    def __init__(self, d, hidden, dtype, device):
        def w(o, i):
            return torch.randn(o, i, dtype=dtype, device=device) * 0.02

        def z(n):
            return torch.zeros(n, dtype=dtype, device=device)

        def one(n):
            return torch.ones(n, dtype=dtype, device=device)

        self.ln1 = (one(d), z(d))
        self.qkv = (w(3 * d, d), z(3 * d))
        self.proj = (w(d, d), z(d))
        self.ln2 = (one(d), z(d))
        self.fc = (w(hidden, d), z(hidden))
        self.fc_out = (w(d, hidden), z(d))


def attention(x, layer, keys, values, write_index, mask_rows, key_length, heads):
    """x (B, 1, C) → (B, 1, C); writes this step's key and value into the cache rows in place."""
    B, _, C = x.shape
    dh = C // heads
    q, k, v = F.linear(x, *layer.qkv).view(B, 1, 3, heads, dh).permute(2, 0, 3, 1, 4)  # each (B, H, 1, Dh)
    keys.scatter_(2, write_index, k)
    values.scatter_(2, write_index, v)
    kk, vv = keys[:, :, :key_length], values[:, :, :key_length]
    if hasattr(F, "scaled_dot_product_attention"):
        y = F.scaled_dot_product_attention(q, kk, vv, attn_mask=mask_rows)
    else:  # torch < 2.0 (e.g. Debian's python3-torch): the same arithmetic spelled out
        scores = (q @ kk.transpose(-1, -2)) / (dh ** 0.5) + mask_rows
        y = scores.softmax(-1) @ vv
    return F.linear(y.transpose(1, 2).reshape(B, 1, C), *layer.proj)


def step(x, layers, caches, write_index, mask_rows, key_length, heads, ln_final, head):
    for layer, (keys, values) in zip(layers, caches):
        C = x.shape[-1]
        x = x + attention(F.layer_norm(x, (C,), *layer.ln1), layer, keys, values, write_index, mask_rows, key_length, heads)
        x = x + F.linear(F.gelu(F.linear(F.layer_norm(x, (C,), *layer.ln2), *layer.fc)), *layer.fc_out)
    C = x.shape[-1]
    return F.linear(F.layer_norm(x.squeeze(1), (C,), *ln_final), *head)  # (B, K)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    a = parse()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(json.dumps({"error": f"{a.device} requested but torch {torch.__version__} sees no CUDA device"}))
        return 3
    dtype = DTYPES[a.dtype]
    d, heads, dh = a.model_dim, a.heads, a.model_dim // a.heads
    batches = [int(b) for b in a.batches.split(",") if b]
    rows = max(batches)
    if not 0 <= a.position < a.sequence:
        raise SystemExit(f"--position {a.position} must be in 0..{a.sequence - 1}")

    with torch.inference_mode():
        torch.manual_seed(1)
        layers = [Layer(d, d * a.mlp_ratio, dtype, device) for _ in range(a.layers)]
        ln_final = (torch.ones(d, dtype=dtype, device=device), torch.zeros(d, dtype=dtype, device=device))
        head = (torch.randn(a.image_vocab, d, dtype=dtype, device=device) * 0.02,
                torch.zeros(a.image_vocab, dtype=dtype, device=device))
        caches = [(torch.randn(rows, heads, a.sequence, dh, dtype=dtype, device=device),
                   torch.randn(rows, heads, a.sequence, dh, dtype=dtype, device=device)) for _ in range(a.layers)]
        weight_bytes = sum(t.numel() * t.element_size()
                           for layer in layers for pair in vars(layer).values() for t in pair)
        weight_bytes += sum(t.numel() * t.element_size() for t in (*ln_final, *head))

        key_length = a.position + 1
        results = []
        for B in batches:
            x = torch.randn(B, 1, d, dtype=dtype, device=device)
            write_index = torch.full((B, heads, 1, dh), a.position, dtype=torch.long, device=device)
            mask_rows = torch.zeros(B, 1, 1, key_length, dtype=dtype, device=device)  # causal: every key up to the position
            views = [(k[:B], v[:B]) for k, v in caches]
            times = []
            for i in range(a.warmup + a.reps):
                sync(device)
                t0 = time.perf_counter()
                logits = step(x, layers, views, write_index, mask_rows, key_length, heads, ln_final, head)
                sync(device)
                if i >= a.warmup:
                    times.append((time.perf_counter() - t0) * 1000)
            assert logits.shape == (B, a.image_vocab)
            results.append({"batch": B, "median_ms": statistics.median(times), "min_ms": min(times), "reps": len(times)})

    out = {
        "torch": torch.__version__, "device": str(device), "dtype": a.dtype, "layers": a.layers, "model_dim": d,
        "heads": heads, "position": a.position, "key_length": key_length, "weight_bytes": weight_bytes,
        "threads": torch.get_num_threads(), "results": results,
    }
    text = json.dumps(out)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

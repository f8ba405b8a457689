"""The array-API kernels on numpy and, when one is installed with a GPU, on a GPU array library (a benchmark).

Run: .venv/bin/python benchmarks/bench_kernels.py
Times initdyn.kernels.jacobian_singular_values (width 1000, depth 128) and log_norm_trajectory (n = 1000,
10,000 steps) on numpy; then on CuPy or PyTorch (CUDA) if either is installed and sees a GPU, with the
weights drawn by numpy's seeded generator and moved to the device, and the largest singular values compared.
Otherwise it says that the GPU part was skipped and why.
"""

import importlib

import numpy as np

from initdyn import kernels
from _timing import best_of  # benchmarks/_timing.py (this folder is on sys.path when run as a script)


def draws(width=1000, depth=128, seed=0):
    gen = np.random.default_rng(seed)
    W = gen.standard_normal((depth, width, width)) * np.sqrt(1.05 / width)
    return W, 0.05 * gen.standard_normal((depth, width)), gen.standard_normal(width)


def gpu_library():
    for name in ("cupy", "torch"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if name == "cupy" and mod.cuda.runtime.getDeviceCount() > 0:
            return name, mod.asarray, lambda: mod.cuda.Device().synchronize()
        if name == "torch" and mod.cuda.is_available():
            return name, lambda a: mod.asarray(a, device="cuda"), mod.cuda.synchronize
    return None


def main():
    W, b, x = draws()
    t_np, s_np = best_of(lambda: kernels.jacobian_singular_values(W, b, x, activation="tanh"), repeat=2)
    A = W[0] / np.sqrt(1.05)
    t_rec, _ = best_of(lambda: kernels.log_norm_trajectory(A, x, 10_000), repeat=2)
    print(f"numpy: Jacobian spectrum (1000 x 1000, depth 128) {t_np:.2f} s; "
          f"log-norm trajectory (n = 1000, 10,000 steps) {t_rec:.2f} s")
    found = gpu_library()
    if found is None:
        print("GPU part skipped: neither CuPy nor PyTorch with CUDA is installed and sees a GPU")
        return
    name, to_device, sync = found

    def on_gpu(fn):
        out = fn()
        sync()
        return out

    Wd, bd, xd, Ad = (to_device(v) for v in (W, b, x, A))
    t_gpu, s_gpu = best_of(lambda: on_gpu(lambda: kernels.jacobian_singular_values(Wd, bd, xd, activation="tanh")),
                           repeat=2)
    t_grec, _ = best_of(lambda: on_gpu(lambda: kernels.log_norm_trajectory(Ad, xd, 10_000)), repeat=2)
    top = np.asarray(s_gpu.get() if hasattr(s_gpu, "get") else s_gpu.cpu())[:5]
    print(f"{name}: Jacobian spectrum {t_gpu:.2f} s ({t_np / t_gpu:.1f}x), trajectory {t_grec:.2f} s "
          f"({t_rec / t_grec:.1f}x); largest singular values agree to {np.max(np.abs(top / s_np[:5] - 1)):.1e}")


if __name__ == "__main__":
    main()

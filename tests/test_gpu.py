"""On a GPU, where there is one: Chapter 5's model trains there, and the estimators take
the chapters' CPU generators. Skipped without CUDA (the course's pinned torch is the CPU
build; ``test_devices.py`` checks the same logic on the CPU).

The CPU and GPU runs start from the same weights and make the same draws (a CPU
generator drives both), so they differ only by floating-point rounding: float32 matrix
products are summed in another order on a GPU.
"""

import math

import pytest
import torch

from lectures import (
    VAE,
    elbo,
    iwae_bound,
    load_digits,
    log_importance_weights,
    reparameterize,
    train_vae,
)
from tests.helpers import close

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device (torch.cuda.is_available())"
)
F32 = torch.float32


def digits_model(device: str) -> tuple[VAE, object]:
    """Chapter 5's VAE(64, 128, 10) and its data, seeded as the chapter, in float32."""
    data = load_digits(test_fraction=0.2, seed=0, dtype=F32, device=device)
    gen = torch.Generator().manual_seed(1)
    return VAE(64, 128, 10, generator=gen, device=device, dtype=F32), data


def train(device: str, epochs: int = 4):
    model, data = digits_model(device)
    history = train_vae(
        model,
        data.train_x,
        data.test_x,
        epochs=epochs,
        batch_size=64,
        lr=3e-3,
        generator=torch.Generator().manual_seed(
            2
        ),  # a CPU generator, as in the chapter
    )
    return model, history


def test_a_gpu_model_is_float32_by_default():
    model = VAE(64, 128, 10, generator=torch.Generator().manual_seed(1), device="cuda")
    assert all(p.is_cuda and p.dtype == F32 for p in model.parameters())
    assert load_digits(device="cuda").train_x.dtype == F32


def test_chapter_5_model_trains_on_the_gpu_as_on_the_cpu():
    _, cpu = train("cpu")
    model, gpu = train("cuda")
    assert next(model.parameters()).is_cuda
    assert all(math.isfinite(v) for v in gpu.train + gpu.test)
    assert gpu.train[-1] < gpu.train[0]
    close(gpu.train, cpu.train, rtol=1e-3, atol=0)
    close(gpu.test, cpu.test, rtol=1e-3, atol=0)


def test_cpu_data_is_moved_to_the_model():
    model, data = digits_model("cuda")
    cpu_data = load_digits(dtype=torch.float64)  # CPU and float64: moved and converted
    history = train_vae(model, cpu_data.train_x, cpu_data.test_x, epochs=1)
    assert math.isfinite(history.train[0]) and math.isfinite(history.test[0])


def test_estimators_take_a_cpu_generator_on_a_gpu_model():
    (on_cpu, data), (on_gpu, _) = digits_model("cpu"), digits_model("cuda")
    x = data.test_x[:100]

    def both(fn, *args):
        a = fn(on_cpu, x, *args, generator=torch.Generator().manual_seed(3))
        b = fn(on_gpu, x.cuda(), *args, generator=torch.Generator().manual_seed(3))
        assert b.is_cuda
        return a, b.cpu()

    with torch.no_grad():
        for fn, args in [
            (elbo, (10,)),
            (iwae_bound, (50,)),
            (log_importance_weights, (5,)),
        ]:
            a, b = both(fn, *args)
            close(b, a, rtol=1e-4, atol=1e-4)


def test_reparameterize_with_a_cpu_generator_gives_the_cpu_draw():
    mu, logvar = torch.zeros(1000, 10), torch.zeros(1000, 10)
    a = reparameterize(mu, logvar, torch.Generator().manual_seed(4))
    b = reparameterize(mu.cuda(), logvar.cuda(), torch.Generator().manual_seed(4))
    assert b.is_cuda and torch.equal(a, b.cpu())

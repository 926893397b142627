"""Devices and dtypes, on the CPU: every draw is made where its generator is, then
moved.

A CUDA device is not needed here: the ``meta`` device (shapes without values) stands in
for "a device other than the generator's", and a spy on ``torch.randn`` and
``torch.randperm`` records where each draw is made. ``test_gpu.py`` runs the same code
on a GPU where there is one.
"""

import re
from pathlib import Path

import pytest
import torch

import lectures._numerics as numerics
from lectures import VAE, load_digits, reparameterize, train_vae
from lectures._numerics import default_dtype, randn, randperm
from tests.helpers import F64

SRC = Path(__file__).resolve().parents[1] / "src" / "lectures"


@pytest.fixture
def spy(monkeypatch):
    """Record the ``device`` of every torch.randn / torch.randperm the package makes."""
    calls = []
    for name in ("randn", "randperm"):
        real = getattr(torch, name)

        def recording(*args, _real=real, _name=name, **kwargs):
            out = _real(*args, **kwargs)
            calls.append((_name, out.device.type))
            return out

        monkeypatch.setattr(numerics.torch, name, recording)
    return calls


def test_randn_on_the_cpu_is_torch_randn_bit_for_bit():
    like = torch.zeros(3, 4, dtype=torch.float32)
    ours = randn((5, 4), like=like, generator=torch.Generator().manual_seed(1))
    theirs = torch.randn(
        (5, 4), generator=torch.Generator().manual_seed(1), dtype=torch.float32
    )
    assert torch.equal(ours, theirs) and ours.dtype == torch.float32


def test_randn_draws_on_the_generators_device_and_moves_to_the_data(spy):
    like = torch.empty(2, 3, dtype=torch.float32, device="meta")
    eps = randn((2, 3), like=like, generator=torch.Generator().manual_seed(0))
    assert spy == [("randn", "cpu")]  # drawn where the generator is
    assert eps.device.type == "meta" and eps.dtype == torch.float32  # then moved


def test_randn_without_a_generator_draws_on_the_data_device(spy):
    randn((2, 3), like=torch.empty(2, 3, device="meta"))
    assert spy == [("randn", "meta")]


def test_randperm_draws_on_the_generators_device_and_moves(spy):
    order = randperm(10, torch.device("meta"), torch.Generator().manual_seed(0))
    assert spy == [("randperm", "cpu")] and order.device.type == "meta"
    cpu = randperm(10, torch.device("cpu"), torch.Generator().manual_seed(0))
    assert torch.equal(
        cpu, torch.randperm(10, generator=torch.Generator().manual_seed(0))
    )


def test_reparameterize_with_a_cpu_generator_on_another_device(spy):
    mu = torch.zeros(4, 2, device="meta")
    z = reparameterize(mu, torch.zeros(4, 2, device="meta"), torch.Generator())
    assert spy == [("randn", "cpu")] and z.device.type == "meta" and z.shape == (4, 2)


def test_vae_weights_are_drawn_on_the_generators_device_then_moved():
    cpu = VAE(6, 5, 2, generator=torch.Generator().manual_seed(3))
    meta = VAE(6, 5, 2, generator=torch.Generator().manual_seed(3), device="meta")
    assert all(p.device.type == "meta" for p in meta.parameters())
    assert [p.shape for p in meta.parameters()] == [p.shape for p in cpu.parameters()]


def test_default_dtype_is_float32_off_the_cpu_and_torchs_default_on_it():
    previous = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)  # as the chapters set it
        assert default_dtype(None) == default_dtype("cpu") == torch.float64
        assert (
            default_dtype("meta")
            == default_dtype(torch.device("meta"))
            == torch.float32
        )
        assert next(VAE(4, 3, 2).parameters()).dtype == torch.float64
        assert next(VAE(4, 3, 2, device="meta").parameters()).dtype == torch.float32
        assert load_digits().train_x.dtype == torch.float64
        assert load_digits(device="meta").train_x.device.type == "meta"
        assert load_digits(device="meta").train_x.dtype == torch.float32
    finally:
        torch.set_default_dtype(previous)


def test_an_explicit_dtype_wins():
    model = VAE(4, 3, 2, device="meta", dtype=F64)
    assert next(model.parameters()).dtype == F64
    assert load_digits(dtype=F64, device="meta").test_x.dtype == F64


def test_cpu_training_is_unchanged_by_the_device_logic():
    # the same run, with the model placed on the CPU explicitly and not at all
    def run(**where):
        data = load_digits(dtype=F64)
        g = torch.Generator().manual_seed(2)
        model = VAE(64, 16, 3, generator=torch.Generator().manual_seed(1), **where)
        return train_vae(
            model.double(),
            data.train_x[:256],
            data.test_x[:64],
            epochs=2,
            batch_size=64,
            lr=3e-3,
            generator=g,
        )

    a, b = run(), run(device="cpu")
    assert a.train == b.train and a.test == b.test


def test_every_random_draw_of_the_package_goes_through_numerics():
    draw = re.compile(r"torch\.(randn|rand|randint|randperm|multinomial|normal)\(")
    for path in SRC.glob("*.py"):
        if path.name != "_numerics.py":
            assert not draw.search(path.read_text(encoding="utf-8")), path.name

"""Tests of ``load_mnist(binarize=...)``: MNIST as the likelihood literature uses it.

* small synthetic IDX files written by the test, whose checksums are put in place of
  MNIST's for the test's duration (``load_mnist`` reads only files it can verify), so
  these run everywhere;
* the real files in ``$MNIST`` (the Makefile names the folder; skipped, saying why,
  where it is absent).

What is tested: binarised values are exactly 0 and 1; the threshold rule is
``v / 255 > ½`` (``v >= 128``), at the edge values 127 and 128 too; a stochastic pixel
is 1 with probability equal to its grey level (within 4 standard errors, level by
level); a seeded generator gives the same images twice, in any dtype, and another seed
other images; training and test images get different draws; the labels are untouched;
a bad option is a ``ValueError`` that names it. Nothing here touches the internet.
"""

import gzip
import hashlib
import math
import struct

import numpy as np
import pytest
import torch

from lectures import MNIST_SHA256, load_mnist, read_idx
from tests.helpers import mnist_or_skip

# grey levels of the synthetic images: blank, full, the threshold's two sides, and a
# few in between
LEVELS = np.array([0, 1, 51, 127, 128, 200, 254, 255], dtype=np.uint8)
N_TRAIN, N_TEST, SIDE = 600, 200, 4  # 600 training images of 4 × 4 pixels


def write_idx_gz(path, array):
    """``array`` (uint8) as a gzip-compressed IDX file."""
    raw = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    path.write_bytes(gzip.compress(raw + array.astype(">u1").tobytes()))


@pytest.fixture
def synthetic(tmp_path, monkeypatch):
    """A folder of four small IDX files that ``load_mnist`` accepts; yields it.

    Every image holds each of the eight ``LEVELS`` twice, in a random order, so each
    level has ``2 N`` pixels; the labels are 0..9 in turn.
    """
    rng = np.random.default_rng(0)
    files = {}
    for part, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        pixels = np.tile(LEVELS, (n, 2))  # (n, 16)
        images = rng.permuted(pixels, axis=1).reshape(n, SIDE, SIDE)
        files[f"{part}-images-idx3-ubyte.gz"] = images
        files[f"{part}-labels-idx1-ubyte.gz"] = (np.arange(n) % 10).astype(np.uint8)
    for name, array in files.items():
        write_idx_gz(tmp_path / name, array)
        digest = hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        monkeypatch.setitem(MNIST_SHA256, name, digest)  # restored after the test
    return tmp_path


def raw_images(root, part):
    """The pixel values 0..255 of a file, ``(N, D)`` int64, read directly."""
    a = read_idx(root / f"{part}-images-idx3-ubyte.gz")
    return torch.as_tensor(a.reshape(len(a), -1).astype(np.int64))


def test_grey_levels_are_unchanged_by_default(synthetic):
    split = load_mnist(synthetic, dtype=torch.float64)
    torch.testing.assert_close(
        split.train_x * 255,
        raw_images(synthetic, "train").double(),
        rtol=0,
        atol=1e-12,
    )


def test_threshold_is_grey_above_half(synthetic):
    grey = load_mnist(synthetic, dtype=torch.float64)
    binary = load_mnist(synthetic, dtype=torch.float64, binarize="threshold")
    for x, g in ((binary.train_x, grey.train_x), (binary.test_x, grey.test_x)):
        assert set(x.unique().tolist()) == {0.0, 1.0}
        assert torch.equal(x, (g > 0.5).double())
    v = raw_images(synthetic, "train")
    assert torch.equal(binary.train_x[v == 127], torch.zeros((v == 127).sum().item()))
    assert torch.equal(binary.train_x[v == 128], torch.ones((v == 128).sum().item()))
    assert torch.equal(binary.test_y, grey.test_y)  # the labels are untouched


def test_stochastic_values_are_exactly_zero_and_one(synthetic):
    split = load_mnist(
        synthetic,
        dtype=torch.float32,
        binarize="stochastic",
        generator=torch.Generator().manual_seed(0),
    )
    for x in (split.train_x, split.test_x):
        assert x.dtype == torch.float32
        assert set(x.unique().tolist()) == {0.0, 1.0}
    v = raw_images(synthetic, "train")
    assert (split.train_x[v == 0] == 0).all() and (split.train_x[v == 255] == 1).all()


def test_stochastic_mean_is_the_grey_level(synthetic):
    """Level by level, the share of ones is v / 255 within 4 standard errors."""
    x = load_mnist(
        synthetic,
        dtype=torch.float64,
        binarize="stochastic",
        generator=torch.Generator().manual_seed(1),
    ).train_x
    v = raw_images(synthetic, "train")
    for level in LEVELS[(LEVELS > 0) & (LEVELS < 255)]:
        p = level / 255
        ones = x[v == int(level)]  # 2 N_TRAIN pixels
        se = math.sqrt(p * (1 - p) / ones.numel())
        z = (ones.mean().item() - p) / se
        assert abs(z) < 4, f"grey level {level}: {ones.mean():.4f} vs {p:.4f}, z = {z}"


def test_stochastic_is_seeded_and_dtype_free(synthetic):
    def draw(seed, dtype):
        return load_mnist(
            synthetic,
            dtype=dtype,
            binarize="stochastic",
            generator=torch.Generator().manual_seed(seed),
        )

    a, b = draw(2, torch.float64), draw(2, torch.float64)
    assert torch.equal(a.train_x, b.train_x) and torch.equal(a.test_x, b.test_x)
    # the draws are made in float64 whatever the dtype: the same images in float32
    assert torch.equal(draw(2, torch.float32).train_x.double(), a.train_x)
    assert not torch.equal(draw(3, torch.float64).train_x, a.train_x)
    # test images are drawn after the training images, from the same generator
    assert not torch.equal(a.test_x, a.train_x[:N_TEST])


def test_stochastic_draws_train_then_test(synthetic):
    """The documented order: one uniform per training pixel, then per test pixel."""
    g = torch.Generator().manual_seed(4)
    split = load_mnist(synthetic, binarize="stochastic", generator=g)
    g_again = torch.Generator().manual_seed(4)
    u_train = torch.rand((N_TRAIN, SIDE * SIDE), generator=g_again, dtype=torch.float64)
    u_test = torch.rand((N_TEST, SIDE * SIDE), generator=g_again, dtype=torch.float64)
    for u, part, x in (
        (u_train, "train", split.train_x),
        (u_test, "t10k", split.test_x),
    ):
        expected = (u < raw_images(synthetic, part).double() / 255).to(x.dtype)
        assert torch.equal(x, expected)


@pytest.mark.parametrize("bad", ["bernoulli", "Threshold", True, 0.5])
def test_bad_rule_is_rejected(synthetic, bad):
    with pytest.raises(ValueError, match="binarize must be None, 'stochastic' or"):
        load_mnist(synthetic, binarize=bad)


@pytest.mark.parametrize("rule", [None, "threshold"])
def test_generator_without_stochastic_is_rejected(synthetic, rule):
    with pytest.raises(ValueError, match="generator is used only by"):
        load_mnist(synthetic, binarize=rule, generator=torch.Generator().manual_seed(0))


def test_rule_is_checked_before_the_files(tmp_path):
    """A bad option is named even where no file exists (no FileNotFoundError first)."""
    with pytest.raises(ValueError, match="binarize must be"):
        load_mnist(tmp_path, binarize="stochastically")


# --- the real MNIST files
# ------------------------------------------------------------------------


def test_real_mnist_binarised():
    mnist = mnist_or_skip()
    grey_test = read_idx(mnist / "t10k-images-idx3-ubyte.gz").reshape(10000, -1) / 255
    stochastic = load_mnist(
        mnist,
        dtype=torch.float32,
        binarize="stochastic",
        generator=torch.Generator().manual_seed(0),
    )
    threshold = load_mnist(mnist, dtype=torch.float32, binarize="threshold")
    for split in (stochastic, threshold):
        assert split.train_x.shape == (60000, 784)
        assert split.test_x.shape == (10000, 784)
        assert set(split.test_x.unique().tolist()) == {0.0, 1.0}
    # the share of ink: the grey mean (the pixels are independent draws given it)
    ink, p = stochastic.test_x.double().mean().item(), grey_test.mean()
    se = math.sqrt((grey_test * (1 - grey_test)).sum()) / grey_test.size
    assert abs(ink - p) < 4 * se, f"{ink:.6f} vs {p:.6f} ± {se:.6f}"
    np.testing.assert_array_equal(threshold.test_x.numpy(), grey_test > 0.5)

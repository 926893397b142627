"""Tests of :mod:`lectures.data`: scikit-learn's digits, the IDX reader, and MNIST with
checksums.

* the real MNIST files in ``$MNIST`` (the Makefile names the folder; skipped, saying
  why, where it is absent): their SHA-256 by an independent ``hashlib`` pass, shapes,
  scaling and the class counts of the README;
* a tiny IDX file written by the test, gzip-compressed and not, several IDX types;
* every failure: a missing file, a corrupt file, a file that is not IDX, a truncated
  one;
* the download path against a local HTTP server on 127.0.0.1 (an ephemeral port): a good
  download, a corrupt one (rejected, nothing left behind), an unreachable file.
Nothing here touches the internet.
"""

import functools
import gzip
import hashlib
import shutil
import struct
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets
import torch

from lectures import MNIST_SHA256, Split, load_digits, load_mnist, read_idx
from tests.helpers import mnist_or_skip


@pytest.fixture(scope="module")
def mnist() -> Path:
    return mnist_or_skip()


def write_idx(path: Path, array: np.ndarray, code: int = 0x08) -> Path:
    """Write ``array`` as IDX (big-endian), gzip-compressed if the name ends in .gz."""
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[code]
    raw = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    raw += array.astype(dtype).tobytes()
    path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
    return path


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1; yields (folder, base URL)."""
    folder = tmp_path / "server"
    folder.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


# --- digits
# -------------------------------------------------------------------------------------


def test_digits_split_is_a_seeded_partition():
    split = load_digits(test_fraction=0.2, seed=0)
    assert isinstance(split, Split)
    assert split.train_x.shape == (1438, 64) and split.test_x.shape == (359, 64)
    assert (
        split.train_x.dtype == torch.get_default_dtype()
        and split.train_y.dtype == torch.int64
    )
    # the two parts together are the whole of scikit-learn's data, each image once
    bunch = sklearn.datasets.load_digits()
    together = torch.cat([split.train_x, split.test_x]) * 16
    ours = sorted(map(tuple, together.round().long().tolist()))
    assert ours == sorted(map(tuple, bunch.data.astype(int).tolist()))
    again = load_digits(test_fraction=0.2, seed=0)
    assert torch.equal(again.test_x, split.test_x) and torch.equal(
        again.test_y, split.test_y
    )
    assert not torch.equal(load_digits(seed=1).test_x, split.test_x)


def test_digits_scaled_to_unit_interval():
    x = load_digits(dtype=torch.float64).train_x
    assert x.dtype == torch.float64 and x.min() == 0 and x.max() == 1
    torch.testing.assert_close(
        x * 16, (x * 16).round(), rtol=0, atol=0
    )  # v / 16 exactly


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_digits_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits(test_fraction=fraction)


# --- IDX
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tiny-idx3-ubyte", "tiny-idx3-ubyte.gz"])
def test_read_idx_tiny_images(tmp_path, rng, name):
    images = rng.integers(0, 256, size=(3, 2, 4), dtype=np.uint8)
    out = read_idx(write_idx(tmp_path / name, images))
    assert out.dtype == np.uint8 and out.shape == (3, 2, 4)
    np.testing.assert_array_equal(out, images)


@pytest.mark.parametrize(
    "code, values", [(0x0C, [-2, 0, 70000]), (0x0D, [0.5, -1.25, 3.0])]
)
def test_read_idx_other_types_big_endian(tmp_path, code, values):
    out = read_idx(write_idx(tmp_path / "t.gz", np.array(values), code))
    np.testing.assert_array_equal(out, values)


def test_read_idx_rejects_bad_magic(tmp_path):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(b"\x01\x00\x08\x01\x00\x00\x00\x01\x07")
    with pytest.raises(ValueError, match="bad-idx1-ubyte is not an IDX file"):
        read_idx(path)


def test_read_idx_rejects_truncated(tmp_path):
    path = write_idx(tmp_path / "cut-idx3-ubyte", np.zeros((2, 3, 3), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match="cut-idx3-ubyte has 33 bytes; .* implies 34"):
        read_idx(path)
    path.write_bytes(path.read_bytes()[:6])
    with pytest.raises(ValueError, match="too few for an IDX header"):
        read_idx(path)


# --- MNIST from the real files
# -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MNIST_SHA256))
def test_real_files_have_the_published_checksums(mnist, name):
    assert hashlib.sha256((mnist / name).read_bytes()).hexdigest() == MNIST_SHA256[name]


def test_load_mnist_real_files(mnist):
    split = load_mnist(mnist, dtype=torch.float32)
    assert split.train_x.shape == (60000, 784) and split.test_x.shape == (10000, 784)
    assert split.train_x.dtype == torch.float32 and split.test_y.dtype == torch.int64
    assert split.train_x.min() == 0 and split.train_x.max() == 1
    # the README's format check: the familiar normalisation constant, the class counts
    assert abs(split.train_x.double().mean().item() - 0.130660) < 1e-6
    assert torch.bincount(split.test_y).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    first = read_idx(mnist / "train-images-idx3-ubyte.gz")[
        0
    ]  # the raw bytes of image 0
    torch.testing.assert_close(
        split.train_x[0] * 255, torch.as_tensor(first.reshape(-1), dtype=torch.float32)
    )


def test_load_mnist_names_the_missing_file(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match="train-images-idx3-ubyte.gz is missing; pass download=True",
    ):
        load_mnist(tmp_path)


def test_load_mnist_names_the_corrupt_file(mnist, tmp_path):
    for name in MNIST_SHA256:
        (tmp_path / name).symlink_to(mnist / name)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    data = bytearray((mnist / "train-labels-idx1-ubyte.gz").read_bytes())
    data[100] ^= 0xFF  # one flipped byte
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz is corrupt"):
        load_mnist(tmp_path)


# --- the download path, against a local server
# ----------------------------------------------------


def test_download_from_local_server(mnist, tmp_path, served):
    folder, url = served
    for name in MNIST_SHA256:
        shutil.copy(mnist / name, folder / name)
    root = tmp_path / "new" / "mnist"  # does not exist yet
    split = load_mnist(root, download=True, base_url=url, dtype=torch.float32)
    assert split.train_x.shape == (60000, 784) and split.test_y.shape == (10000,)
    assert sorted(p.name for p in root.iterdir()) == sorted(
        MNIST_SHA256
    )  # no .part left behind
    assert torch.equal(split.test_x, load_mnist(mnist, dtype=torch.float32).test_x)


def test_download_rejects_corrupt_file(mnist, tmp_path, served):
    folder, url = served
    root = tmp_path / "root"
    root.mkdir()
    for name in MNIST_SHA256:
        if name != "t10k-labels-idx1-ubyte.gz":
            (root / name).symlink_to(mnist / name)
    data = bytearray((mnist / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data[-10] ^= 0x01
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz.part is corrupt"):
        load_mnist(root, download=True, base_url=url)
    assert not any(
        p.name.startswith("t10k-labels") for p in root.iterdir()
    )  # nothing kept


def test_download_reports_unreachable_file(tmp_path, served):
    _, url = served  # an empty folder: every request is a 404
    with pytest.raises(
        OSError, match="could not download .*train-images-idx3-ubyte.gz"
    ):
        load_mnist(tmp_path / "root", download=True, base_url=url)
    assert not any((tmp_path / "root").iterdir())

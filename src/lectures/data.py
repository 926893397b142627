"""Data sets: scikit-learn's digits (bundled) and MNIST from its IDX files (Chapters 5,
6).

Both loaders return a :class:`Split` of flattened images scaled to ``[0, 1]`` (grey
levels, the targets of a Bernoulli decoder) and integer labels. Shapes: ``(N, D)``
images with ``D = 64`` (digits, 8×8) or ``D = 784`` (MNIST, 28×28), ``(N,)`` labels.
MNIST can also be loaded **binarised**, as the likelihood literature uses it: each pixel
drawn from a Bernoulli of its grey level (``binarize="stochastic"``), or set to 1 where
the grey level exceeds one half (``binarize="threshold"``).

**Device and dtype.** The images are made on the CPU and moved to ``device`` (default
the CPU). Their dtype, unless ``dtype`` is given, is float32 on a GPU and torch's
default dtype on the CPU (float64 in the chapters, which set it), the rule of
:class:`~lectures.VAE` too, so that data and model agree.

MNIST is read from the four original gzip-compressed IDX files. Each file's SHA-256 is
checked against :data:`MNIST_SHA256` before it is parsed, so a truncated or altered file
is an error that names the file, never a silently different data set.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import torch

from ._numerics import default_dtype, rand

__all__ = [
    "Split",
    "load_digits",
    "load_mnist",
    "read_idx",
    "MNIST_SHA256",
    "MNIST_URL",
]

#: SHA-256 of the four original MNIST files, as published by TensorFlow Datasets, Keras.
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",  # noqa: E501
}
#: The mirror torchvision downloads MNIST from (the original site is often unreachable).
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"

# IDX type codes (the magic number's third byte) and their NumPy dtypes, big-endian
_IDX_DTYPES = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


class Split(NamedTuple):
    """A train/test split: images ``(N, D)`` in ``[0, 1]``, labels ``(N,)`` (int64)."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor


def load_digits(
    test_fraction: float = 0.2,
    seed: int = 0,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
) -> Split:
    """scikit-learn's 1797 handwritten digits (8×8, bundled), split at random.

    Parameters
    ----------
    test_fraction : float
        Share of the images held out for testing, in ``(0, 1)``; rounded to a whole
        number of images.
    seed : int
        Seed of the permutation that splits the data: the same seed gives the same split
        everywhere.
    dtype, device : optional
        Floating dtype and device of the images; see the module docstring.

    Returns
    -------
    Split
        ``train_x (N_train, 64)``, ``test_x (N_test, 64)`` with pixel values ``v / 16``
        in ``[0, 1]`` (the originals are counts 0..16), and labels 0..9.

    Raises
    ------
    ValueError
        If ``test_fraction`` is not strictly between 0 and 1.

    Examples
    --------
    >>> split = load_digits()
    >>> split.train_x.shape, split.test_x.shape, float(split.train_x.max())
    (torch.Size([1438, 64]), torch.Size([359, 64]), 1.0)

    Used in Chapter 5, section "The data".
    """
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"test_fraction must be strictly between 0 and 1; got {test_fraction!r}"
        )
    # imported here: only this loader needs scikit-learn
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    dtype = dtype or default_dtype(device)
    x = torch.as_tensor(bunch.data / 16.0, dtype=dtype)  # (1797, 64)
    y = torch.as_tensor(bunch.target, dtype=torch.int64)
    order = torch.as_tensor(np.random.default_rng(seed).permutation(len(y)))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    split = Split(x[train], y[train], x[test], y[test])
    return Split(*(t.to(device) for t in split)) if device is not None else split


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse one IDX file (gzip-compressed if its name ends in ``.gz``) into an array.

    The IDX format (LeCun's MNIST page): two zero bytes, a type code, the number of axes
    ``k``, then ``k`` big-endian int32 sizes, then the values row-major.

    Raises
    ------
    ValueError
        If the file does not start with a valid IDX header or its data size does not
        match the header; the message names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = p.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 255]))
    >>> read_idx(p)
    array([  7,   0, 255], dtype=uint8)
    """
    path = Path(path)
    raw = (
        gzip.decompress(path.read_bytes())
        if path.suffix == ".gz"
        else path.read_bytes()
    )
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path.name} is not an IDX file "
            f"(bad magic number {raw[:4].hex() or 'empty'})"
        )
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path.name} has {len(raw)} bytes, "
            f"too few for an IDX header of {ndim} sizes"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">i4"))
    expected = header + dtype.itemsize * int(np.prod(shape))
    if len(raw) != expected:
        raise ValueError(
            f"{path.name} has {len(raw)} bytes; "
            f"its IDX header {shape} implies {expected}"
        )
    return (
        np.frombuffer(raw, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, expected: str) -> None:
    """Raise ValueError naming ``path`` unless its SHA-256 is ``expected``."""
    actual = _sha256(path)
    if actual != expected:
        raise ValueError(
            f"{path} is corrupt or not the original file: "
            f"SHA-256 {actual}, expected {expected}"
        )


def _download(url: str, target: Path, expected: str) -> None:
    """Fetch ``url`` to ``target``; only a file with the expected SHA-256 is kept."""
    partial = target.with_name(target.name + ".part")
    try:
        urllib.request.urlretrieve(url, partial)
    except (urllib.error.URLError, OSError) as err:
        partial.unlink(missing_ok=True)
        raise OSError(f"could not download {url}: {err}") from err
    try:
        _check(partial, expected)
    except ValueError:
        partial.unlink()
        raise
    partial.replace(
        target
    )  # atomic: a reader never sees a half-written file under the real name


#: The values of ``load_mnist(binarize=...)``.
Binarize = Literal[None, "stochastic", "threshold"]
_BINARIZE_RULES = (None, "stochastic", "threshold")


def _binarize(
    counts: np.ndarray, rule: Binarize, generator: torch.Generator | None
) -> torch.Tensor:
    """Pixel values ``v`` in 0..255, shape ``(N, D)`` → 0/1 images (bool, on the CPU).

    ``"threshold"``: 1 where ``v / 255 > ½``, that is ``v >= 128`` (no ``v / 255`` is ½
    exactly). ``"stochastic"``: 1 where a uniform draw ``u`` (float64, on the CPU, from
    ``generator``) is below ``v / 255`` in float64, so that pixel ``d`` is 1 with
    probability ``v_d / 255``, to float64 precision, whatever the images' dtype.
    """
    v = torch.as_tensor(counts)
    if rule == "threshold":
        return v >= 128
    p = v.to(torch.float64) / 255
    return rand(p.shape, like=p, generator=generator) < p


def load_mnist(
    root: str | os.PathLike,
    download: bool = False,
    base_url: str = MNIST_URL,
    dtype: torch.dtype | None = None,
    device: torch.device | str | None = None,
    binarize: Binarize = None,
    generator: torch.Generator | None = None,
) -> Split:
    """MNIST's 60,000 training and 10,000 test images, from four IDX files in ``root``.

    Parameters
    ----------
    root : path
        Folder holding ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``.
    download : bool
        If true, a missing file is fetched from ``base_url`` into ``root`` (created if
        needed). Off by default: nothing leaves the machine unless the reader allows it.
    base_url : str
        Where to download from; the file name is appended. Default :data:`MNIST_URL`.
    dtype, device : optional
        Floating dtype and device of the images; see the module docstring.
    binarize : {None, "stochastic", "threshold"}
        ``None`` (default): grey levels ``v / 255``. ``"stochastic"``: each pixel of
        each image is drawn once, independently, as 1 with probability ``v / 255`` and
        0 otherwise (the training images first, then the test images, in row-major
        order; a fixed binarisation, not a new one per epoch). ``"threshold"``: 1 where
        ``v / 255 > 0.5`` (``v >= 128``), else 0; no draw.
    generator : torch.Generator, optional
        The source of the stochastic binarisation (a CPU generator: the draws are
        made on the CPU, in float64, whatever ``dtype`` and ``device`` are); only with
        ``binarize="stochastic"``. Without one, torch's global generator is used.

    Returns
    -------
    Split
        ``train_x (60000, 784)``, ``test_x (10000, 784)`` with grey levels ``v / 255``
        in ``[0, 1]`` (or exactly 0 and 1 when binarised), and labels 0..9.

    Raises
    ------
    FileNotFoundError
        If a file is missing and ``download`` is false (the message names it).
    ValueError
        If a file's SHA-256 differs from :data:`MNIST_SHA256` (the message names it), a
        file is not valid IDX, ``binarize`` is not one of the three values, or
        ``generator`` is given without ``binarize="stochastic"`` or is not on the CPU.
    OSError
        If a download fails.

    Shown in Chapter 5, section "The data"; binarised in Chapter 6, section "MNIST as
    the literature uses it"; used by ``bench/vae_mnist.py`` and ``bench/iwae_mnist.py``.
    """
    if binarize not in _BINARIZE_RULES:
        raise ValueError(
            f"binarize must be None, 'stochastic' or 'threshold'; got {binarize!r}"
        )
    if generator is not None and binarize != "stochastic":
        raise ValueError(
            "generator is used only by binarize='stochastic'; "
            f"got binarize={binarize!r}"
        )
    if generator is not None and generator.device.type != "cpu":
        raise ValueError(
            "the binarisation is drawn on the CPU: pass a CPU generator; "
            f"got one on {generator.device}"
        )
    root = Path(root)
    arrays = {}
    for name, sha in MNIST_SHA256.items():
        path = root / name
        if not path.exists():
            if not download:
                raise FileNotFoundError(
                    f"MNIST file {path} is missing; pass download=True to fetch it"
                )
            root.mkdir(parents=True, exist_ok=True)
            _download(base_url.rstrip("/") + "/" + name, path, sha)
        _check(path, sha)
        arrays[name] = read_idx(path)
    dtype = dtype or default_dtype(device)

    def images(name: str) -> torch.Tensor:
        a = arrays[name].reshape(len(arrays[name]), -1)  # (N, 784), values 0..255
        if binarize is not None:
            return _binarize(a, binarize, generator).to(dtype=dtype, device=device)
        grey = torch.as_tensor(a, dtype=dtype) / 255
        return grey.to(device)  # divided on the CPU: the same values on any device

    def labels(name: str) -> torch.Tensor:
        return torch.as_tensor(arrays[name], dtype=torch.int64).to(device)

    return Split(
        images("train-images-idx3-ubyte.gz"),
        labels("train-labels-idx1-ubyte.gz"),
        images("t10k-images-idx3-ubyte.gz"),
        labels("t10k-labels-idx1-ubyte.gz"),
    )

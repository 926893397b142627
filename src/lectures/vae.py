r"""The variational autoencoder: Gaussian KL to the prior, reparameterisation, model, loss, ELBO and IWAE estimators, training (Chapters 4 and 5).

Shapes use the course's letters: ``B`` batch, ``D`` data dimension (pixels), ``H`` hidden units,
``J`` latent dimension, ``L`` Monte Carlo samples, ``K`` importance samples. Every loss and bound is
in **nats per image**: summed over pixels and latent dimensions, never averaged over them.

The model is the one of Kingma & Welling (2013), Appendix C, with a Bernoulli decoder:
:math:`q_\phi(z\mid x) = \mathcal N(\mu_\phi(x), \operatorname{diag}\sigma^2_\phi(x))`,
:math:`p(z) = \mathcal N(0, I)`, :math:`p_\theta(x\mid z) = \prod_d \mathrm{Bernoulli}(x_d;
\operatorname{sigmoid}(\ell_\theta(z)_d))`, with logits :math:`\ell`. Grey-level targets
:math:`x_d \in [0, 1]` are used as the pytorch/examples VAE does (binary cross entropy with a soft
target). An estimate of the ELBO always samples :math:`z`, in training and in evaluation; the
generator is an argument so that evaluation is reproducible.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # the text bar on stderr: no widget, nothing that varies but the timings

from ._validate import ArrayLike, as_finite, as_probability, same_shape
from .gaussian import LOG_2PI

__all__ = [
    "gaussian_kl",
    "reparameterize",
    "VAE",
    "negative_elbo",
    "elbo",
    "log_importance_weights",
    "iwae_bound",
    "train_vae",
    "History",
]

def gaussian_kl(mu: ArrayLike, logvar: ArrayLike) -> torch.Tensor:
    r"""KL divergence of a diagonal Gaussian from the standard normal prior, in nats.

    .. math:: D_{\mathrm{KL}}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2)\,\|\,\mathcal N(0, I)\big)
              = -\tfrac12 \sum_{j=1}^{J} \big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big)

    Parameters
    ----------
    mu, logvar : array_like or Tensor, shape (..., J)
        Means and log-variances :math:`\log\sigma_j^2` of the encoder's Gaussian; leading axes are a batch.

    Returns
    -------
    Tensor, shape (...)
        The divergence, summed over the last (latent) axis; ``>= 0``, and 0 exactly at
        ``mu = 0, logvar = 0``. Differentiable: :math:`\partial/\partial\mu_j = \mu_j`,
        :math:`\partial/\partial\log\sigma_j^2 = \tfrac12(\sigma_j^2 - 1)`.

    Raises
    ------
    ValueError
        If an entry is NaN or infinite, or the shapes differ.

    Examples
    --------
    >>> gaussian_kl([0.0, 0.0], [0.0, 0.0])             # q is the prior
    tensor(0., dtype=torch.float64)
    >>> gaussian_kl([[1.0, 0.0]], [[0.0, 0.0]])         # one unit shift: μ²/2
    tensor([0.5000], dtype=torch.float64)

    Derived in Chapter 4, section "The KL term in closed form".
    """
    mu, logvar = as_finite(mu, "mu"), as_finite(logvar, "logvar")
    same_shape(mu, logvar, "mu and logvar")
    var = logvar.exp()
    per_dim = -0.5 * (1 + logvar - mu.pow(2) - var)  # (..., J), each term >= 0 since 1 + u <= e^u
    return per_dim.sum(-1)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Draw :math:`z = \mu + \sigma \odot \varepsilon`, :math:`\varepsilon \sim \mathcal N(0, I)`, differentiably in ``mu``, ``logvar``.

    Parameters
    ----------
    mu, logvar : Tensor, shape (..., J)
        Mean and log-variance of each coordinate. For ``L`` draws per data point, expand first:
        ``mu.unsqueeze(-2).expand(B, L, J)``.
    generator : torch.Generator, optional
        Source of :math:`\varepsilon`; pass one to make the draw reproducible.

    Returns
    -------
    Tensor, shape (..., J)
        One draw from :math:`\mathcal N(\mu, \operatorname{diag}\sigma^2)` per row.

    Examples
    --------
    >>> z = reparameterize(torch.zeros(100_000, 1), torch.full((100_000, 1), math.log(4.0)),
    ...                    generator=torch.Generator().manual_seed(0))
    >>> round(z.std().item(), 2)                       # σ = 2
    2.0

    Derived in Chapter 4, section "Reparameterisation: a gradient through a random draw".
    """
    # the encoder predicts log σ² so that σ = exp(½ log σ²) is positive without a constraint
    std = torch.exp(0.5 * logvar)
    # z = μ + σ ⊙ ε: the randomness no longer depends on φ, so gradients flow through μ and σ
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + std * eps


class VAE(nn.Module):
    r"""A multilayer-perceptron VAE with a Gaussian encoder and a Bernoulli decoder.

    Encoder ``D → H → (μ, log σ²)`` with a ReLU; decoder ``J → H → D`` logits with a ReLU. With
    ``D, H, J = 784, 400, 20`` it is the pytorch/examples VAE.

    Parameters
    ----------
    data_dim, hidden_dim, latent_dim : int
        ``D``, ``H`` and ``J``.
    generator : torch.Generator, optional
        If given, the weights are drawn from it (with torch's default ``Linear`` initialisation,
        uniform on :math:`\pm 1/\sqrt{\text{fan-in}}`), so the model is reproducible.

    Shapes: ``encode: (B, D) → (B, J), (B, J)``; ``decode: (..., J) → (..., D)`` logits;
    ``forward: (B, D) → (B, D) logits, (B, J), (B, J)``.

    Defined in Chapter 4, section "The model: an autoencoder that outputs distributions"; trained in
    Chapter 5.
    """

    def __init__(self, data_dim: int, hidden_dim: int, latent_dim: int, generator: torch.Generator | None = None):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(data_dim, hidden_dim), nn.ReLU())
        self.to_mu = nn.Linear(hidden_dim, latent_dim)
        self.to_logvar = nn.Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, data_dim))
        if generator is not None:
            for layer in self.modules():
                if isinstance(layer, nn.Linear):
                    bound = 1 / math.sqrt(layer.in_features)
                    nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
                    nn.init.uniform_(layer.bias, -bound, bound, generator=generator)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and log-variance of :math:`q_\\phi(z\\mid x)`, each ``(B, J)``."""
        h = self.encoder(x)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits of the Bernoulli pixels of :math:`p_\\theta(x\\mid z)`: ``(..., J) → (..., D)``."""
        return self.decoder(z)

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode, draw one ``z`` per image, decode: returns ``(x_logits, mu, logvar)``."""
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, generator)), mu, logvar


def negative_elbo(
    x: torch.Tensor, x_logits: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    r"""The VAE loss: binary cross entropy plus KL to the prior, a one-sample estimate of :math:`-\mathcal L`.

    .. math:: -\mathcal L(x) \approx \underbrace{\textstyle\sum_d \mathrm{BCE}(x_d, \operatorname{sigmoid}\ell_d)}_{-\log p_\theta(x\mid z)}
              + D_{\mathrm{KL}}\big(q_\phi(z\mid x)\,\|\,\mathcal N(0, I)\big)

    with :math:`\ell` the decoder's logits at one :math:`z \sim q_\phi(z\mid x)`.

    Parameters
    ----------
    x : Tensor, shape (B, D)
        Targets in ``[0, 1]`` (binary or grey levels).
    x_logits : Tensor, shape (B, D)
        Decoder logits at the sampled ``z``.
    mu, logvar : Tensor, shape (B, J)
        The encoder's output.
    reduction : {"mean", "sum", "none"}
        Over the batch: ``"mean"`` gives nats per image, ``"sum"`` nats per batch, ``"none"`` the
        ``(B,)`` values. Pixels and latent dimensions are always **summed**.

    Returns
    -------
    Tensor, shape () or (B,)
        Nats per image (or per batch for ``"sum"``).

    Raises
    ------
    ValueError
        If ``x`` is outside ``[0, 1]``, a shape differs, or ``reduction`` is unknown.

    Examples
    --------
    >>> x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    >>> zeros = torch.zeros(1, 2, dtype=torch.float64)  # p = ½ per pixel, q = prior
    >>> negative_elbo(x, zeros, zeros, zeros)           # 2 · log 2 + 0
    tensor(1.3863, dtype=torch.float64)

    Derived in Chapter 4, section "The loss in code".
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'reduction must be "mean", "sum" or "none"; got {reduction!r}')
    x = as_probability(x, "x")
    same_shape(x, x_logits, "x and x_logits")
    # −log p(x|z) = Σ_d BCE(x_d, sigmoid(ℓ_d)), computed from logits without overflow
    reconstruction = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none").sum(-1)  # (B,)
    per_image = reconstruction + gaussian_kl(mu, logvar)  # (B,)
    return {"mean": per_image.mean, "sum": per_image.sum, "none": lambda: per_image}[reduction]()


def _log_likelihood(model: VAE, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """log p_θ(x | z) summed over pixels: ``x (B, D)``, ``z (L, B, J)`` → ``(L, B)``."""
    logits = model.decode(z)  # (L, B, D)
    return -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)


def elbo(model: VAE, x: torch.Tensor, n_samples: int = 1, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Monte Carlo estimate of the ELBO of each image, in nats: closed-form KL, ``L`` samples for the rest.

    .. math:: \hat{\mathcal L}(x) = -D_{\mathrm{KL}}\big(q_\phi(z\mid x)\|p(z)\big)
              + \frac1L \sum_{l=1}^{L} \log p_\theta(x\mid z^{(l)}), \qquad z^{(l)} = \mu + \sigma\odot\varepsilon^{(l)}

    Unbiased for :math:`\mathcal L(x)` for every ``L``; its variance falls like ``1/L``.

    Parameters
    ----------
    model : VAE
    x : Tensor, shape (B, D)
    n_samples : int
        ``L``, the number of draws of ``z`` per image.
    generator : torch.Generator, optional

    Returns
    -------
    Tensor, shape (B,)
        One estimate per image (differentiable; wrap in ``torch.no_grad()`` to evaluate).

    Derived in Chapter 4, section "The Monte Carlo estimate of the reconstruction term"; used in
    Chapter 5.
    """
    mu, logvar = model.encode(x)
    z = reparameterize(mu.expand(n_samples, *mu.shape), logvar.expand(n_samples, *mu.shape), generator)  # (L, B, J)
    return _log_likelihood(model, x, z).mean(0) - gaussian_kl(mu, logvar)


def log_importance_weights(
    model: VAE, x: torch.Tensor, k: int, generator: torch.Generator | None = None, chunk: int = 20_000
) -> torch.Tensor:
    r"""Log importance weights :math:`\log w_k = \log p_\theta(x\mid z_k) + \log p(z_k) - \log q_\phi(z_k\mid x)`, :math:`z_k \sim q_\phi(z\mid x)`.

    Each weight is an unbiased estimate of :math:`p_\theta(x)`: :math:`\mathbb E_q[w] = \int p_\theta(x, z)\,dz`.

    Parameters
    ----------
    model : VAE
    x : Tensor, shape (B, D)
    k : int
        ``K``, draws per image.
    generator : torch.Generator, optional
    chunk : int
        At most this many ``(draw, image)`` pairs are decoded at once (memory), default 20,000.

    Returns
    -------
    Tensor, shape (K, B)
        In nats.

    Derived in Chapter 5, section "The ELBO gap, measured".
    """
    mu, logvar = model.encode(x)
    per_chunk = max(1, chunk // len(x))
    log_w = []
    for start in range(0, k, per_chunk):
        n = min(per_chunk, k - start)
        z = reparameterize(mu.expand(n, *mu.shape), logvar.expand(n, *mu.shape), generator)  # (n, B, J)
        eps2 = (z - mu).pow(2) / logvar.exp()  # ε², the standardised draw squared
        log_prior = -0.5 * (LOG_2PI + z.pow(2)).sum(-1)  # log N(z; 0, I), (n, B)
        log_q = -0.5 * (LOG_2PI + logvar + eps2).sum(-1)  # log N(z; μ, σ²), (n, B)
        log_w.append(_log_likelihood(model, x, z) + log_prior - log_q)
    return torch.cat(log_w)


def iwae_bound(
    model: VAE, x: torch.Tensor, k: int, generator: torch.Generator | None = None, chunk: int = 20_000
) -> torch.Tensor:
    r"""The importance-weighted bound :math:`\mathcal L_K` of Burda et al. (2015) on :math:`\log p_\theta(x)`, in nats.

    .. math:: \mathcal L_K(x) = \log \frac1K \sum_{k=1}^{K} w_k, \qquad
              w_k = \frac{p_\theta(x\mid z_k)\,p(z_k)}{q_\phi(z_k\mid x)}, \quad z_k \sim q_\phi(z\mid x)

    In expectation :math:`\mathcal L = \mathbb E\,\mathcal L_1 \le \mathbb E\,\mathcal L_K \le
    \mathbb E\,\mathcal L_{K+1} \le \log p_\theta(x)`, and :math:`\mathcal L_K \to \log p_\theta(x)`
    as :math:`K \to \infty`.

    Parameters
    ----------
    model : VAE
    x : Tensor, shape (B, D)
    k : int
        ``K``, importance samples per image.
    generator : torch.Generator, optional
    chunk : int
        Passed to :func:`log_importance_weights`.

    Returns
    -------
    Tensor, shape (B,)
        One estimate per image.

    Derived in Chapter 5, section "The ELBO gap, measured".
    """
    return torch.logsumexp(log_importance_weights(model, x, k, generator, chunk), dim=0) - math.log(k)


@dataclass
class History:
    """Per-epoch record of :func:`train_vae`: losses in nats per image, wall seconds."""

    train: list[float] = field(default_factory=list)
    test: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def train_vae(
    model: VAE,
    train_x: torch.Tensor,
    test_x: torch.Tensor | None = None,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = 1e-3,
    generator: torch.Generator | None = None,
    progress: bool = False,
    optimizer: torch.optim.Optimizer | None = None,
) -> History:
    """Train ``model`` with Adam on :func:`negative_elbo` (summed over each batch), shuffling every epoch.

    Parameters
    ----------
    model : VAE
    train_x, test_x : Tensor, shape (N, D)
        Images in ``[0, 1]``; the test set (optional) is evaluated after every epoch.
    epochs, batch_size, lr : int, int, float
        Passes over the data, images per step, Adam's learning rate.
    generator : torch.Generator, optional
        Drives the shuffling and every draw of ``z``: with a seeded generator (and a seeded model)
        two runs give the same losses.
    progress : bool
        Show a tqdm bar over the epochs (on stderr).
    optimizer : torch.optim.Optimizer, optional
        Pass one (over ``model.parameters()``) to continue training across calls with its state;
        default: a new Adam with learning rate ``lr``.

    Returns
    -------
    History
        ``train``: the epoch's average training loss (each batch's loss taken as it was trained on,
        as pytorch/examples reports it); ``test``: a one-sample :math:`-\\hat{\\mathcal L}` of the
        test set after the epoch; both in nats per image; ``seconds``: wall time of each epoch's training.

    Used in Chapter 5, section "Training", and by ``bench/vae_mnist.py``.
    """
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = History()
    for _ in tqdm(range(epochs), disable=not progress, desc="epochs", unit="epoch"):
        model.train()
        start, total = time.perf_counter(), 0.0
        for idx in torch.randperm(len(train_x), generator=generator).split(batch_size):
            x = train_x[idx]
            # nats per batch: the sum's gradient is what pytorch/examples steps on (Adam's ε = 1e-8
            # makes its step depend slightly on the loss's scale, so "mean" would train a bit slower)
            loss = negative_elbo(x, *model(x, generator), reduction="sum")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.seconds.append(time.perf_counter() - start)
        history.train.append(total / len(train_x))
        if test_x is not None:
            model.eval()  # no dropout to switch off here; z is still sampled (an ELBO estimate samples)
            with torch.no_grad():
                history.test.append(negative_elbo(test_x, *model(test_x, generator)).item())
    return history

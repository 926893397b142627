r"""The variational autoencoder: KL to the prior, reparameterisation, model, loss, and
ELBO and IWAE estimators (Chapters 4 and 5). Training is :mod:`lectures.training`.

Conventions, the same for every function here:

* shapes use the course's letters: ``B`` batch, ``D`` data dimension (pixels), ``H``
  hidden units, ``J`` latent dimension, ``L`` Monte Carlo samples, ``K`` importance
  samples; several draws per image are stacked in front, ``(L, B, J)`` or ``(K, B)``;
* every loss and bound is in **nats per image**: summed over pixels and latent
  dimensions, never averaged over them;
* an estimate of the ELBO always samples :math:`z`, in training and in evaluation; the
  ``generator`` is an argument, so that evaluation is reproducible. The draws are made
  on the generator's device and moved to the model's (a CPU generator drives a GPU model
  with the same numbers);
* the estimators take a :class:`VAE` and images ``x`` of shape ``(B, D)`` on the model's
  device, and return tensors that are differentiable (wrap them in ``torch.no_grad()``
  to evaluate).

The model has a Gaussian encoder and a Bernoulli decoder:
:math:`q_\phi(z\mid x) = \mathcal N(\mu_\phi(x), \operatorname{diag}\sigma^2_\phi(x))`,
:math:`p(z) = \mathcal N(0, I)`,
:math:`p_\theta(x\mid z) = \prod_d \mathrm{Bernoulli}(x_d;
\operatorname{sigmoid}(\ell_\theta(z)_d))`,
with logits :math:`\ell`, as in Kingma & Welling (2013), Appendix C. Grey-level targets
:math:`x_d \in [0, 1]` are used as the pytorch/examples VAE does (binary cross entropy
with a soft target).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from ._linear import Linear
from ._numerics import LOG_2PI, check_reduction, diagonal_normal_kl, randn, reduce
from ._numerics import default_dtype as _default_dtype
from ._validate import ArrayLike, as_finite, as_probability, same_shape

__all__ = [
    "gaussian_kl",
    "reparameterize",
    "VAE",
    "negative_elbo",
    "elbo",
    "log_importance_weights",
    "iwae_bound",
]


def gaussian_kl(mu: ArrayLike, logvar: ArrayLike) -> torch.Tensor:
    r"""KL divergence of a diagonal Gaussian from the standard normal prior, in nats.

    .. math:: D_{\mathrm{KL}}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2)\,\|\,
              \mathcal N(0, I)\big)
              = \tfrac12 \sum_{j=1}^{J}
                \big(\sigma_j^2 - 1 - \log\sigma_j^2 + \mu_j^2\big)

    :func:`lectures.normal_kl` with :math:`\mu_p = 0`, :math:`\log\sigma_p^2 = 0`,
    through the same code, so the two agree bit for bit;
    :math:`\sigma^2 - 1 - \log\sigma^2` is computed as ``expm1(logvar) - logvar``,
    accurate where it is tiny.

    Parameters
    ----------
    mu, logvar : array_like or Tensor, shape (..., J)
        Means and log-variances :math:`\log\sigma_j^2` of the encoder's Gaussian.

    Returns
    -------
    Tensor, shape (...)
        Summed over the last (latent) axis; ``>= 0``, and 0 exactly at ``mu = 0,
        logvar = 0``. Its gradient: :math:`\partial/\partial\mu_j = \mu_j`,
        :math:`\partial/\partial\log\sigma_j^2 = \tfrac12(\sigma_j^2 - 1)`.

    Raises
    ------
    ValueError
        If an entry is NaN or infinite, or the shapes differ.

    Examples
    --------
    >>> gaussian_kl([[1.0, 0.0]], [[0.0, 0.0]])         # one unit shift: μ²/2
    tensor([0.5000], dtype=torch.float64)
    >>> f"{gaussian_kl([0.0], [1e-9]).item():.3g}"      # ½ (e^d − 1 − d) ≈ d²/4
    '2.5e-19'

    Derived in Chapter 4, section "The KL term in closed form".
    """
    mu, logvar = as_finite(mu, "mu"), as_finite(logvar, "logvar")
    same_shape(mu, logvar, "mu and logvar")
    # normal_kl's terms at μ_p = 0, σ_p = 1, exactly: (μ − 0)²/1 = μ², log σ² − 0
    return diagonal_normal_kl(mu.pow(2), logvar)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Draw :math:`z = \mu + \sigma \odot \varepsilon` with a standard normal ``eps``.

    Differentiable in ``mu`` and ``logvar``.

    Parameters
    ----------
    mu, logvar : Tensor, shape (..., J)
        Mean and log-variance of each coordinate. For ``L`` draws per image, expand
        first: ``mu.expand(L, B, J)``.
    generator : torch.Generator, optional
        Source of :math:`\varepsilon`; pass one to make the draw reproducible. It may
        live on another device than ``mu``: :math:`\varepsilon` is drawn there and
        moved.

    Returns
    -------
    Tensor, shape (..., J)
        One draw from :math:`\mathcal N(\mu, \operatorname{diag}\sigma^2)` per row.

    Examples
    --------
    >>> mu, logvar = torch.zeros(100_000, 1), torch.full((100_000, 1), math.log(4.0))
    >>> z = reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    >>> round(z.std().item(), 2)                       # σ = 2
    2.0

    Derived in Chapter 4, section "Reparameterisation: a gradient through a random
    draw".
    """
    # the encoder predicts log σ²: then σ = exp(½ log σ²) is positive, unconstrained
    std = torch.exp(0.5 * logvar)
    # z = μ + σ ⊙ ε: the randomness no longer depends on φ; gradients flow to μ and σ
    eps = randn(mu.shape, like=mu, generator=generator)
    return mu + std * eps


class VAE(nn.Module):
    r"""A multilayer-perceptron VAE with a Gaussian encoder and a Bernoulli decoder.

    Encoder ``D → H → (μ, log σ²)`` with a ReLU; decoder ``J → H → D`` logits with a
    ReLU. With ``D, H, J = 784, 400, 20`` it is the pytorch/examples VAE (trained there
    with Adam). Kingma & Welling's MNIST experiments used the same shape of network with
    tanh hidden units, 500 of them, and Adagrad.

    The layers have names: ``encoder.hidden``, ``to_mu``, ``to_logvar``,
    ``decoder.hidden`` and ``decoder.output`` (``encoder`` and ``decoder`` are
    ``nn.Sequential``, so ``decoder[2]`` is ``decoder.output`` too).

    Parameters
    ----------
    data_dim, hidden_dim, latent_dim : int
        ``D``, ``H`` and ``J``.
    generator : torch.Generator, optional
        If given, the weights are drawn from it (with torch's default ``Linear``
        initialisation, uniform on :math:`\pm 1/\sqrt{\text{fan-in}}`), in the order of
        the layers above, so the model is reproducible. The draws are made on the
        generator's device, in torch's default dtype.
    device : torch.device or str, optional
        Where the model lives; default the generator's device, or the CPU without one.
    dtype : torch.dtype, optional
        Default: float32 on a GPU, torch's default dtype on the CPU (float64 in the
        chapters).

    Shapes: ``encode: (B, D) → (B, J), (B, J)``; ``decode: (..., J) → (..., D)`` logits;
    ``forward: (B, D) → (B, D) logits, (B, J), (B, J)``.

    Defined in Chapter 4, section "The model: an autoencoder that outputs
    distributions"; trained in Chapter 5.
    """

    def __init__(
        self,
        data_dim: int,
        hidden_dim: int,
        latent_dim: int,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ):
        super().__init__()
        # registration order = initialisation order: encoder, to_mu, to_logvar, decoder.
        # Linear: nn.Linear, with float32 CPU products by oneDNN (see lectures._linear)
        self.encoder = nn.Sequential(
            OrderedDict(hidden=Linear(data_dim, hidden_dim), relu=nn.ReLU())
        )
        self.to_mu = Linear(hidden_dim, latent_dim)
        self.to_logvar = Linear(hidden_dim, latent_dim)
        self.decoder = nn.Sequential(
            OrderedDict(
                hidden=Linear(latent_dim, hidden_dim),
                relu=nn.ReLU(),
                output=Linear(hidden_dim, data_dim),
            )
        )
        if generator is not None:
            self._initialise(generator)
        if device is None:
            device = generator.device if generator is not None else torch.device("cpu")
        self.to(device=device, dtype=dtype or _default_dtype(device))

    def _initialise(self, generator: torch.Generator) -> None:
        """Draw each weight and bias from ``generator``, where it is, layer by layer."""
        self.to(generator.device)  # the draws are made where the generator is
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
        """Pixel logits of :math:`p_\\theta(x\\mid z)`: ``(..., J) → (..., D)``."""
        return self.decoder(z)

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode, draw one ``z`` per image, decode: ``(x_logits, mu, logvar)``."""
        mu, logvar = self.encode(x)
        return self.decode(reparameterize(mu, logvar, generator)), mu, logvar


def negative_elbo(
    x: torch.Tensor,
    x_logits: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""The VAE loss: binary cross entropy plus KL to the prior, a one-sample −ELBO.

    .. math:: -\mathcal L(x) \approx
              \underbrace{\textstyle\sum_d
              \mathrm{BCE}(x_d, \operatorname{sigmoid}\ell_d)}
              _{-\log p_\theta(x\mid z)}
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
        Over the batch: ``"mean"`` gives nats per image, ``"sum"`` nats per batch,
        ``"none"`` the ``(B,)`` values. Pixels and latent dimensions are always
        **summed**.

    Returns
    -------
    Tensor, shape () or (B,)
        Nats per image (or per batch for ``"sum"``).

    Raises
    ------
    ValueError
        If ``x`` is outside ``[0, 1]``, ``mu`` or ``logvar`` is NaN or infinite, a shape
        differs, ``reduction`` is unknown, or for the mean of an empty batch.

    Examples
    --------
    >>> x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    >>> zeros = torch.zeros(1, 2, dtype=torch.float64)  # p = ½ per pixel, q = prior
    >>> negative_elbo(x, zeros, zeros, zeros)           # 2 · log 2 + 0
    tensor(1.3863, dtype=torch.float64)

    Derived in Chapter 4, section "The loss in code".
    """
    x = as_probability(x, "x")
    check_reduction(reduction, x.numel())
    same_shape(x, x_logits, "x and x_logits")
    # −log p(x|z) = Σ_d BCE(x_d, sigmoid(ℓ_d)), computed from logits without overflow
    bce = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")
    per_image = bce.sum(-1) + gaussian_kl(mu, logvar)  # (B,)
    return reduce(per_image, reduction)


def _log_likelihood(model: VAE, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """log p_θ(x | z) summed over pixels: ``x (B, D)``, ``z (L, B, J)`` → ``(L, B)``."""
    logits = model.decode(z)  # (L, B, D)
    bce = F.binary_cross_entropy_with_logits(
        logits, x.expand_as(logits), reduction="none"
    )
    return -bce.sum(-1)


def _draws(
    mu: torch.Tensor, logvar: torch.Tensor, n: int, generator: torch.Generator | None
) -> torch.Tensor:
    """``n`` reparameterised draws per image, stacked in front: ``(B,J) → (n,B,J)``."""
    return reparameterize(
        mu.expand(n, *mu.shape), logvar.expand(n, *mu.shape), generator
    )


def elbo(
    model: VAE,
    x: torch.Tensor,
    n_samples: int = 1,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""Monte Carlo estimate of each image's ELBO: closed-form KL, ``L`` samples for the

    .. math:: \hat{\mathcal L}(x) = -D_{\mathrm{KL}}\big(q_\phi(z\mid x)\|p(z)\big)
              + \frac1L \sum_{l=1}^{L} \log p_\theta(x\mid z^{(l)}),
              \qquad z^{(l)} = \mu + \sigma\odot\varepsilon^{(l)}

    Unbiased for :math:`\mathcal L(x)` for every ``L``; its variance falls like ``1/L``.

    Parameters
    ----------
    n_samples : int
        ``L``, the number of draws of ``z`` per image.

    Returns
    -------
    Tensor, shape (B,)
        One estimate per image.

    Derived in Chapter 4, section "The Monte Carlo estimate of the reconstruction term";
    used in Chapter 5.
    """
    mu, logvar = model.encode(x)
    z = _draws(mu, logvar, n_samples, generator)  # (L, B, J)
    return _log_likelihood(model, x, z).mean(0) - gaussian_kl(mu, logvar)


def log_importance_weights(
    model: VAE,
    x: torch.Tensor,
    k: int,
    generator: torch.Generator | None = None,
    chunk: int = 20_000,
) -> torch.Tensor:
    r"""Log importance weights :math:`\log w_k`, :math:`z_k \sim q_\phi(z\mid x)`.

    .. math:: \log w_k = \log p_\theta(x\mid z_k) + \log p(z_k) - \log q_\phi(z_k\mid x)

    Each weight is an unbiased estimate of :math:`p_\theta(x)`:
    :math:`\mathbb E_q[w] = \int p_\theta(x, z)\,dz`.

    Parameters
    ----------
    k : int
        ``K``, draws per image.
    chunk : int
        At most this many ``(draw, image)`` pairs are decoded at once (memory), default
        20,000.

    Returns
    -------
    Tensor, shape (K, B)

    Derived in Chapter 5, section "The ELBO gap, measured".
    """
    mu, logvar = model.encode(x)
    per_chunk = max(1, chunk // len(x))
    log_w = []
    for start in range(0, k, per_chunk):
        z = _draws(mu, logvar, min(per_chunk, k - start), generator)  # (n, B, J)
        eps2 = (z - mu).pow(2) / logvar.exp()  # ε², the standardised draw squared
        log_prior = -0.5 * (LOG_2PI + z.pow(2)).sum(-1)  # log N(z; 0, I), (n, B)
        log_q = -0.5 * (LOG_2PI + logvar + eps2).sum(-1)  # log N(z; μ, σ²), (n, B)
        log_w.append(_log_likelihood(model, x, z) + log_prior - log_q)
    return torch.cat(log_w)


def iwae_bound(
    model: VAE,
    x: torch.Tensor,
    k: int,
    generator: torch.Generator | None = None,
    chunk: int = 20_000,
) -> torch.Tensor:
    r"""The importance-weighted bound :math:`\mathcal L_K` of Burda et al. (2015).

    .. math:: \mathcal L_K(x) = \log \frac1K \sum_{k=1}^{K} w_k, \qquad
              w_k = \frac{p_\theta(x\mid z_k)\,p(z_k)}{q_\phi(z_k\mid x)},
              \quad z_k \sim q_\phi(z\mid x)

    A lower bound on :math:`\log p_\theta(x)`: in expectation
    :math:`\mathcal L = \mathbb E\,\mathcal L_1 \le \mathbb E\,\mathcal L_K \le
    \mathbb E\,\mathcal L_{K+1} \le \log p_\theta(x)`, and
    :math:`\mathcal L_K \to \log p_\theta(x)` as :math:`K \to \infty`.

    Parameters
    ----------
    k : int
        ``K``, importance samples per image.
    chunk : int
        Passed to :func:`log_importance_weights`.

    Returns
    -------
    Tensor, shape (B,)
        One estimate per image.

    Derived in Chapter 5, section "The ELBO gap, measured".
    """
    log_w = log_importance_weights(model, x, k, generator, chunk)
    return torch.logsumexp(log_w, dim=0) - math.log(k)

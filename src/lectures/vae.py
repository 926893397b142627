"""The variational autoencoder: Gaussian KL to the prior, reparameterisation, model, loss, ELBO and IWAE estimators, training (Chapters 4 and 5)."""

from __future__ import annotations

__all__: list[str] = []

"""Closed forms for Gaussians: KL between diagonal Gaussians, the linear-Gaussian latent model (Chapter 3)."""

from __future__ import annotations

__all__: list[str] = []

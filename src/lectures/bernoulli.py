"""Bernoulli likelihood and binary cross entropy, from probabilities and from logits (Chapter 2)."""

from __future__ import annotations

__all__: list[str] = []

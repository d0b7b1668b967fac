"""Model monitor: watches models in production for drift, broken data and decaying quality."""

__version__ = "0.1.0"

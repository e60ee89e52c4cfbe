"""rwakit: tokenize real-world assets as permissioned ERC-20 shares, driven from Python."""

from rwakit.errors import RwakitError

__version__ = "0.1.0"
__all__ = ["RwakitError", "__version__"]

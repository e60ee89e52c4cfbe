"""Compiled contracts shipped with the package: artifacts, typed handles and revert decoding."""

from rwakit.contracts.artifacts import Artifact, load_artifact
from rwakit.contracts.reverts import DecodedRevert, decode_revert

__all__ = ["Artifact", "DecodedRevert", "decode_revert", "load_artifact"]

"""actionrec: torch-native video action recognition (TSN, UniFormerV2)."""

__version__ = "0.1.0"

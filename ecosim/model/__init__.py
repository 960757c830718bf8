"""The model: agents, the Mesa model, the economy and the accounts. Knows nothing of batches, files or charts."""

from ecosim.model.accounts import OUTPUT_COLUMNS
from ecosim.model.inputs import ModelInputs, resolve
from ecosim.model.model import EcosystemModel, simulate

__all__ = ["EcosystemModel", "ModelInputs", "OUTPUT_COLUMNS", "resolve", "simulate"]

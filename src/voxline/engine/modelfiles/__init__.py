"""Model files the offline engine loads: located in installed packages, joined, verified."""

from voxline.engine.modelfiles.store import (
    DEFAULT_LLM,
    ENV_DATA_DIR,
    ENV_LLM_MODEL,
    ModelStatus,
    Part,
    SplitModel,
    data_dir,
    join_parts,
    locate_parts,
    model_status,
    resolve_llm_model,
    sha256_file,
    verify_file,
)

__all__ = [
    "DEFAULT_LLM",
    "ENV_DATA_DIR",
    "ENV_LLM_MODEL",
    "ModelStatus",
    "Part",
    "SplitModel",
    "data_dir",
    "join_parts",
    "locate_parts",
    "model_status",
    "resolve_llm_model",
    "sha256_file",
    "verify_file",
]

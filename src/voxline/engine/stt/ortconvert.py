"""Turn a pre-converted `.ort` model back into an optimizable ONNX model, cached on disk.

moonshine-cpp ships its models in onnxruntime's ORT format, which skips graph optimizations
at load time: every decoder step then re-casts and re-transposes its float16 weights, about
8x slower than needed. onnxruntime can write the loaded graph out as ONNX; after naming its
`If` subgraphs (which the ORT format drops, and ONNX requires) the `onnx` package's model
loads with full constant folding. The optimized result is cached per ORT version, so only
the first load pays the conversion (several seconds).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "optimized_model"]

log = logging.getLogger("voxline.engine")


def cache_dir() -> Path:
    """Where converted models are kept: $VOXLINE_CACHE_DIR, else ~/.cache/voxline."""
    configured = os.environ.get("VOXLINE_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "voxline"


def _name_subgraphs(graph: Any, prefix: str) -> None:
    import onnx

    if not graph.name:
        graph.name = prefix
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                _name_subgraphs(attribute.g, f"{prefix}_{node.name}_{attribute.name}")


def optimized_model(ort_path: Path, *, cache: Path | None = None) -> Path | bytes | None:
    """An optimizable ONNX form of the ORT-format model at `ort_path`.

    Returns:
        The cached optimized ONNX file, or the model's bytes when the cache cannot be
        written, or None when the `onnx` package is missing or the conversion fails (the
        caller then loads the `.ort` file as it is, only slower).
    """
    try:
        import onnx
        import onnxruntime as ort
    except ImportError:
        return None
    stat = ort_path.stat()
    folder = (cache if cache is not None else cache_dir()) / "ort-to-onnx"
    target = (
        folder / f"{ort_path.stem}-{stat.st_size}-{int(stat.st_mtime)}-ort{ort.__version__}.onnx"
    )
    if target.is_file():
        return target
    log.info("optimizing %s once for this onnxruntime (cached in %s)", ort_path.name, folder)
    try:
        with tempfile.TemporaryDirectory(prefix="voxline-ort-") as scratch:
            raw = Path(scratch) / "raw.onnx"
            dump = ort.SessionOptions()
            dump.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            dump.optimized_model_filepath = str(raw)
            ort.InferenceSession(str(ort_path), dump, providers=["CPUExecutionProvider"])
            model = onnx.load(str(raw))
            _name_subgraphs(model.graph, "main")
            data: bytes = model.SerializeToString()
            try:
                folder.mkdir(parents=True, exist_ok=True)
                partial = folder / f".{target.name}.{os.getpid()}.tmp"
                save = ort.SessionOptions()
                save.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
                save.optimized_model_filepath = str(partial)
                ort.InferenceSession(data, save, providers=["CPUExecutionProvider"])
                partial.replace(target)  # atomic: a concurrent loader sees all or nothing
            except OSError as exc:
                log.warning("cannot cache the optimized model in %s (%s)", folder, exc)
                return data
            return target
    except Exception as exc:  # onnx / onnxruntime raise their own untyped errors
        log.warning(
            "could not convert %s to ONNX, loading it as it is: %s", ort_path, exc, exc_info=True
        )
        return None

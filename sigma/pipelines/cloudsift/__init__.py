"""sigma-cli plugin: `sigma convert -t lucene -p cloudsift rule.yml`.

pySigma discovers pipelines by iterating the `sigma.pipelines` namespace package and reading each
module's `pipelines` dict; `sigma/` and `sigma/pipelines/` therefore have no __init__.py here,
or they would shadow pySigma's own namespace.
"""
from __future__ import annotations

from sigma.processing.pipeline import ProcessingPipeline

from detection.pipeline import build

__all__ = ["pipelines"]


def cloudsift_pipeline() -> ProcessingPipeline:
    """cloudsift's AWS native names → ECS pipeline, with Sigma's case-insensitive matching."""
    return build()


pipelines = {"cloudsift": cloudsift_pipeline}

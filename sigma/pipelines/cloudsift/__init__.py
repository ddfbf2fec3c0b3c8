"""sigma-cli plugin: `sigma convert -t lucene -p cloudsift_ecs rule.yml`.

pySigma discovers pipelines by iterating the `sigma.pipelines` namespace package and reading each
module's `pipelines` dict; `sigma/` and `sigma/pipelines/` therefore have no __init__.py here,
or they would shadow pySigma's own namespace.

sigma-cli reads `-p NAME` as a folder first when one of that name exists in the working directory
(pySigma's ProcessingPipelineResolver), so `-p cloudsift` run from the checkout root named the
`cloudsift/` package folder and converted with no pipeline at all. The pipeline's name is therefore
one no folder of the checkout has. The old name stays registered for commands outside the
checkout; inside it, `cloudsift/sigma-cli-pipeline-name.yml` turns it into a clear error.
"""
from __future__ import annotations

from sigma.processing.pipeline import ProcessingPipeline

from detection.pipeline import build

__all__ = ["pipelines"]

# sigma-cli target names this pipeline is made for: the Lucene semantics of decision 8 (`.caseless`
# sub-fields). ES|QL and EQL need other options; `cloudsift rules compile --target esql|eql` has them.
BACKENDS = frozenset({"lucene"})


def cloudsift_ecs() -> ProcessingPipeline:
    """cloudsift's AWS native names → ECS pipeline, with Sigma's case-insensitive matching."""
    return build(backends=BACKENDS)


pipelines = {"cloudsift_ecs": cloudsift_ecs, "cloudsift": cloudsift_ecs}

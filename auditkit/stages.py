"""The audit's stages (METHODOLOGY.md §2), in order: the one list every step uses.

Stage `s` has the template notebook `notebooks/NN_<s>.ipynb`, the metrics module
`auditkit/metrics/<s>.py` (the first five), the report sections `auditkit/report/sections/<s>.py`
and the text catalogue `auditkit/i18n/<lang>/<s>.yaml`.
"""
from __future__ import annotations

from typing import Literal

STAGES = ("data_collection", "process", "people", "technology", "communication", "improvement_plan")
DATA_STAGES = STAGES[:-1]  # the stages that measure the client's data; the last one plans from them
PLAN_STAGE = STAGES[-1]

DataStage = Literal["data_collection", "process", "people", "technology", "communication"]

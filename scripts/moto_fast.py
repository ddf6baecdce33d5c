"""moto_server with performance patches for many-account tests (moto 5.2.x).

Run with the venv's python, same CLI as moto_server (-H HOST -p PORT).
Stock moto builds a full IAM backend (all ~1580 AWS managed policies) for EVERY
partition (6 of them) of every account it sees, and POST /moto-api/reset
re-initialises every backend before discarding it. See tests/MOTO.md.

Patches:
  * IAM account lookup only touches the "aws" partition (stock: 6 partitions
    -> ~1.2 s and ~30 MB per new account; patched: ~0.2 s).
  * /moto-api/reset just drops all backends (stock: re-inits them first,
    ~1.3 s per account seen; patched: ~0 s).
  * Optional: CISRUN_MOTO_POLICIES="AWSSupportAccess,SecurityAudit,..." keeps
    only those AWS managed policies (by name) -> ~0.05 s per new account.
"""
import json
import os
import sys

import moto.iam.models as iam_models
from moto.core import base_backend

iam_models.PARTITION_NAMES = ["aws"]


@classmethod  # type: ignore[misc]
def _fast_reset(cls):  # noqa: ANN001
    with base_backend.backend_lock:
        for backend in base_backend.BackendDict._instances:
            backend.clear()
        base_backend.BackendDict._instances.clear()


base_backend.BackendDict.reset = _fast_reset

_keep = os.environ.get("CISRUN_MOTO_POLICIES", "").strip()
if _keep:
    _names = {n.strip() for n in _keep.split(",") if n.strip()}
    _data = json.loads(iam_models.aws_managed_policies_data)
    iam_models.aws_managed_policies_data = json.dumps(
        {k: v for k, v in _data.items() if k in _names}
    )

from moto.server import main  # noqa: E402

sys.exit(main())

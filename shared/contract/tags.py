"""Freeform tags the pipeline puts on every resource it creates; users may not set these keys.

They make every resource findable without the state document (look-up before create,
teardown, the orphan sweep), so they are part of the contract.
"""

from __future__ import annotations

IMPORT_ID = "import-id"  # the upload this resource belongs to
IMPORT_NAME = "import-name"  # the import's name (models/<name>/ or requests/<name>.json)
STEP = "step"  # which step created it: imported_model, cluster, endpoint
MANAGED_BY = "managed-by"
MANAGED_BY_VALUE = "oci-model-import"
IMPORT_BUCKET = "import-bucket"  # the watched bucket: one stack's sweep never touches another's
KEPT = "kept"  # "true" on a model a keep_model teardown left behind: no sweep or teardown deletes it
KEPT_VALUE = "true"

RESERVED_KEYS = frozenset({IMPORT_ID, IMPORT_NAME, STEP, MANAGED_BY, IMPORT_BUCKET, KEPT})

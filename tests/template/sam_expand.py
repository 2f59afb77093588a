"""Expand the SAM template offline with samtranslator, as CloudFormation would: the
local stack's own expansion (it reads the functions' roles from it), so the template
checks and the local IAM check see the same expanded template."""
from __future__ import annotations

from portrait_local.iam.principals import expand

__all__ = ["expand"]

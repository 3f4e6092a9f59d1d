"""auth's /v1/ops endpoints are for the platform's operators (shared.roles.operators)."""

from shared.roles.operators import NOT_AN_OPERATOR_RESPONSE, NotAnOperator, OperatorDep

__all__ = ["NOT_AN_OPERATOR_RESPONSE", "NotAnOperator", "OperatorDep"]

import pytest

from portrait_local.cloudwatch.expression import Expression, ExpressionError


def test_error_rate():
    rate = Expression("100 * errors / invocations")
    assert rate({"errors": 3, "invocations": 60}) == 5.0
    assert rate.names == {"errors", "invocations"}


def test_precedence_parentheses_and_unary_minus():
    assert Expression("1 + 2 * 3")({}) == 7
    assert Expression("(1 + 2) * 3")({}) == 9
    assert Expression("-a + 10 - 2 - 3")({"a": 1}) == 4
    assert Expression("a / b / c")({"a": 8, "b": 2, "c": 2}) == 2
    assert Expression(".5 * 4")({}) == 2


def test_no_value_when_dividing_by_zero_or_an_operand_is_missing():
    rate = Expression("100 * errors / invocations")
    assert rate({"errors": 0, "invocations": 0}) is None
    assert rate({"errors": None, "invocations": 5}) is None
    assert rate({"invocations": 5}) is None


@pytest.mark.parametrize("text", ["1 +", "(a", "a b", "SUM(m1)", "a ** 2", "__import__('os')",
                                  "a; b", ""])
def test_refused(text):
    with pytest.raises(ExpressionError):
        Expression(text)

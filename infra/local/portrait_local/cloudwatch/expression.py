"""Metric math for alarms: + - * / over metric ids and numbers, with parentheses and
unary minus, parsed once into a tree (never eval()). A division by zero, or any
operand without a value, gives no value, as CloudWatch drops that timestamp.

Functions (SUM, FILL, IF, ...) are refused with a clear error when the template is
read, not silently mis-evaluated."""
from __future__ import annotations

import re
from typing import Callable, Mapping

Value = float | None
Node = Callable[[Mapping[str, Value]], Value]
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")


class ExpressionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        number, name, symbol = match.groups()
        if number is not None:
            out.append(("number", number))
        elif name is not None:
            out.append(("name", name))
        elif symbol in "+-*/()":
            out.append(("op", symbol))
        else:
            raise ExpressionError(f"unexpected {symbol!r} in {text!r}")
        position = match.end()
    return out


def _binary(op: str, left: Node, right: Node) -> Node:
    def apply(env: Mapping[str, Value]) -> Value:
        a, b = left(env), right(env)
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return None if b == 0 else a / b
    return apply


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.at = text, _tokens(text), 0
        self.names: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"{self.text!r} ends too early")
        self.at += 1
        return token

    def expression(self) -> Node:  # term (('+'|'-') term)*
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            node = _binary(self.take()[1], node, self.term())
        return node

    def term(self) -> Node:  # factor (('*'|'/') factor)*
        node = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            node = _binary(self.take()[1], node, self.factor())
        return node

    def factor(self) -> Node:
        kind, text = self.take()
        if (kind, text) == ("op", "-"):
            inner = self.factor()
            return lambda env: None if inner(env) is None else -inner(env)
        if (kind, text) == ("op", "("):
            node = self.expression()
            if self.take() != ("op", ")"):
                raise ExpressionError(f"a missing ')' in {self.text!r}")
            return node
        if kind == "number":
            constant = float(text)
            return lambda env: constant
        if kind == "name":
            if self.peek() == ("op", "("):
                raise ExpressionError(f"function {text}() is not supported locally "
                                      f"(in {self.text!r})")
            self.names.add(text)
            return lambda env: env.get(text)
        raise ExpressionError(f"unexpected {text!r} in {self.text!r}")


class Expression:
    def __init__(self, text: str) -> None:
        parser = _Parser(text)
        self._root = parser.expression()
        if parser.peek() is not None:
            raise ExpressionError(f"unexpected {parser.peek()[1]!r} in {text!r}")
        self.text, self.names = text, frozenset(parser.names)

    def __call__(self, env: Mapping[str, Value]) -> Value:
        return self._root(env)

"""The tracer's stand-in where tracing is off (POWERTOOLS_TRACE_DISABLED, or outside
Lambda: the local stack, the tests): it records nothing, so the X-Ray SDK and its
patching of botocore and pynamodb (~15 ms of a cold start) are never loaded there.

Powertools' Tracer loads the X-Ray SDK to build its default provider even when it is
disabled; handed this provider instead, it only calls the methods below.
"""
from __future__ import annotations

from contextlib import asynccontextmanager, contextmanager

from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


class UntracedSegment(BaseSegment):
    def close(self, end_time=None):
        pass

    def add_subsegment(self, subsegment):
        pass

    def remove_subsegment(self, subsegment):
        pass

    def put_annotation(self, key, value):
        pass

    def put_metadata(self, key, value, namespace="default"):
        pass

    def add_exception(self, exception, stack, remote=False):
        pass


class Untraced(BaseProvider):
    @contextmanager
    def in_subsegment(self, name=None, **kwargs):
        yield UntracedSegment()

    @asynccontextmanager
    async def in_subsegment_async(self, name=None, **kwargs):
        yield UntracedSegment()

    def put_annotation(self, key, value):
        pass

    def put_metadata(self, key, value, namespace="default"):
        pass

    def patch(self, modules):
        pass

    def patch_all(self):
        pass

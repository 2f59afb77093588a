"""Least privilege, locally: each function's AWS calls authorised against its template role.

principals.py   the role of each function, from the template as the SAM transform expands it
actions.py      the IAM action(s) and resource ARN(s) of a request (s3_actions.py for S3)
evaluator.py    IAM's Allow/Deny logic (conditions.py: Condition blocks)
authorizer.py   the stack's principals, counts and denials; the report
middleware.py   the check in front of the local endpoint; denials.py, AWS's error shapes
"""

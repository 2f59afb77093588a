"""The local stack: AWS SAM resources emulated on one machine, no Docker, no AWS account."""

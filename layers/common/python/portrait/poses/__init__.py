"""Pose templates: COCO-18 keypoints, their validation, and the generated catalogue.
Pure: no AWS, no images (the skeleton is drawn by portrait.imaging.skeleton)."""
import re

# Pose ids: lowercase slugs, so they read well in URLs and S3 keys alike. Kept here, not in
# catalogue.py, so the API can check ids without importing the catalogue's generator.
POSE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,79}$")

"""Pose templates: COCO-18 keypoints, their validation, and the generated catalogue.
Pure: no AWS, no images (the skeleton is drawn by portrait.imaging.skeleton)."""

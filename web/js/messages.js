// Plain words for the API's machine-readable codes. The API sends a message too; these
// are written for the person looking at the page and say what to do next.

export const REJECT_REASONS = {
  unsupported_type: "This file isn't a picture we can read. Use a JPEG, PNG, WebP or GIF image.",
  too_large: "This image is larger than 5 MB. Save a smaller copy and try again.",
  dimensions_too_small: "This image is too small. Use one at least 100 × 100 pixels.",
  dimensions_too_large: "This image is too big. Use one at most 4096 pixels on each side.",
  corrupt: "This image is damaged or incomplete, so it can't be opened. Try exporting it again.",
  decompression_bomb: "This image has far too many pixels to process safely. Use a smaller one.",
};

export function rejectReason(code, fallback) {
  return REJECT_REASONS[code] ?? fallback ?? "This image could not be used. Try another one.";
}

export const STATUS_LABELS = {
  pending: "Processing",
  processing: "Rendering",
  ready: "Ready",
  completed: "Completed",
  rejected: "Rejected",
  failed: "Failed",
  deleted: "Deleted",
  expired: "Expired",
};

// Why a generation failed or expired (GenerationError.reason). Image rejections reuse
// the avatar wording: the photo goes through the same checks.
export const GENERATION_FAILURES = {
  ...REJECT_REASONS,
  content_filtered: "The image service declined this photo or pose. Try a different photo.",
  model_error: "The image model failed on this one. Please try again.",
  invalid_response: "The image model sent back something unusable. Please try again.",
  invalid_input: "The photo could not be used for a portrait. Try a clearer photo of one person.",
  no_face: "We found no face in this photo — your credits are back. Use a photo where your face is clearly visible, looking at the camera.",
  several_faces: "We found more than one face in this photo — your credits are back. Use a photo of you alone.",
  pose_unavailable: "That pose is no longer available. Pick another one.",
  timeout: "Rendering took too long and was stopped. Please try again.",
  throttled: "The image service is busy right now — your credits are back. Please try again in a minute.",
  unavailable: "The image service is unavailable right now — your credits are back. Please try again later.",
  request_unusable: "Something went wrong on our side preparing this portrait — your credits are back. Please try again.",
  render_lost: "The renderer did not answer in time — your credits are back. Please try again.",
  render_failed: "The renderer could not draw this one — your credits are back. Please try again.",
  invalid_output: "The renderer sent back an unusable image — your credits are back. Please try again.",
  renderer_unavailable: "The image service is unavailable right now. Please try again later.",
  input_never_arrived: "The photo never arrived, so nothing was made.",
  input_not_processed: "The photo arrived but could not be processed in time.",
};

export function generationFailure(error) {
  if (!error) return "This portrait could not be made.";
  return GENERATION_FAILURES[error.reason] ?? error.message ?? "This portrait could not be made.";
}

// The networks the API accepts (ProfileUpdate.social_links in openapi.json), by name.
export const NETWORKS = {
  website: "Website", github: "GitHub", gitlab: "GitLab", linkedin: "LinkedIn", x: "X",
  bluesky: "Bluesky", mastodon: "Mastodon", instagram: "Instagram", facebook: "Facebook",
  youtube: "YouTube", dribbble: "Dribbble", behance: "Behance",
};

// Pose names by pose id, for the pages that show a pose they only know by its id (a
// generation carries pose_id alone). The pose gallery remembers every pose it lists, so
// a pose picked there costs no request; any other is read once from GET /poses/{pose_id}.
import { api } from "./api.js";

const names = new Map(); // pose_id -> name, or a promise of it while it is being read

export function rememberPoses(poses) {
  for (const pose of poses) names.set(pose.pose_id, pose.name);
}

/** The name of a pose already known, or null. */
export function knownPoseName(poseId) {
  const name = names.get(poseId);
  return typeof name === "string" ? name : null;
}

/** Read the names of the poses not known yet; resolves when every one is known or given up. */
export function loadPoseNames(poseIds, { signal } = {}) {
  const waits = [];
  for (const poseId of new Set(poseIds)) {
    if (!names.has(poseId)) {
      const reading = api(`/poses/${encodeURIComponent(poseId)}`, { auth: false, signal })
        .then((pose) => { names.set(poseId, pose.name); })
        // A pose removed from the catalogue, or no connection: the id stays the title, and a
        // later call tries again.
        .catch(() => { names.delete(poseId); });
      names.set(poseId, reading);
    }
    const known = names.get(poseId);
    if (known instanceof Promise) waits.push(known);
  }
  return Promise.all(waits);
}

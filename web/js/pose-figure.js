// A pose drawn to be read by people: a stick figure with thick limbs on a light tile,
// from the pose's COCO-18 keypoints. The skeleton PNG (preview_url) is the renderers'
// control image: thin coloured lines on black, made for a model, hard to read at a glance.
const SVG = "http://www.w3.org/2000/svg";
// OpenPose's limbs (portrait/poses/keypoints.py LIMBS), by side: the figure's right in one
// colour and its left in another, so which way it faces and which hand is raised show.
const RIGHT = [[1, 2], [2, 3], [3, 4], [1, 8], [8, 9], [9, 10]];
const LEFT = [[1, 5], [5, 6], [6, 7], [1, 11], [11, 12], [12, 13]];
const NOSE = 0, NECK = 1, EYES_AND_EARS = [14, 15, 16, 17];

function element(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

// Keypoints are [x, y, v] with x and y 0..1 of a square frame; v 0 means absent.
function at(keypoints, i) {
  const point = keypoints?.[i];
  return point && point[2] > 0 ? [point[0] * 100, point[1] * 100] : null;
}

function limbs(keypoints, pairs, className) {
  const group = element("g", { class: className });
  for (const [a, b] of pairs) {
    const from = at(keypoints, a), to = at(keypoints, b);
    if (from && to) group.append(element("line", { x1: from[0], y1: from[1], x2: to[0], y2: to[1] }));
  }
  return group;
}

// The head: a circle around the face's points, sized from the neck (a head is about a
// third of the neck-to-nose line's length wide on each side).
function head(keypoints) {
  const nose = at(keypoints, NOSE), neck = at(keypoints, NECK);
  const face = [nose, ...EYES_AND_EARS.map((i) => at(keypoints, i))].filter(Boolean);
  if (!face.length) return null;
  const cx = face.reduce((s, p) => s + p[0], 0) / face.length;
  const cy = face.reduce((s, p) => s + p[1], 0) / face.length;
  const reach = neck ? Math.hypot(neck[0] - cx, neck[1] - cy) : 8;
  return element("circle", { class: "pose-head", cx, cy, r: Math.max(3, Math.min(12, reach * 0.6)) });
}

// The square around the figure (with room for the head and the strokes), so that a
// full-body pose fills its tile instead of standing small in the middle of the frame.
function frame(keypoints) {
  const points = keypoints.map((_, i) => at(keypoints, i)).filter(Boolean);
  if (!points.length) return "0 0 100 100";
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const side = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) + 24;
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2, cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  return [cx - side / 2, cy - side / 2, side, side].map((v) => v.toFixed(1)).join(" ");
}

export function poseFigure(keypoints, label) {
  const svg = element("svg", { viewBox: frame(keypoints ?? []), class: "pose-figure", role: "img", "aria-label": label });
  svg.append(element("title", {}));
  svg.firstChild.textContent = label;
  svg.append(limbs(keypoints, LEFT, "pose-left"), limbs(keypoints, RIGHT, "pose-right"));
  const drawnHead = head(keypoints);
  if (drawnHead) svg.append(drawnHead);
  return svg;
}

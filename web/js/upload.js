// Straight-to-S3 uploads with a presigned POST form: the API signs a form, the
// browser posts the file to the bucket itself, and the API never sees the bytes.
// XMLHttpRequest rather than fetch: only XHR reports upload progress.
import { formatBytes, h } from "./ui.js";

export const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];
export const MAX_BYTES = 5 * 1024 * 1024; // the API's cap; its form says the same (max_bytes)

export class UploadError extends Error {
  constructor(message, code = "upload_failed") {
    super(message);
    this.name = "UploadError";
    this.code = code;
  }
}

function startsWith(bytes, signature, offset = 0) {
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

/** The image type by the file's first bytes. The name and the browser's guess can lie;
 *  the server sniffs the same way, and the form must be issued for the real type. */
export async function sniffImageType(file) {
  const bytes = new Uint8Array(await file.slice(0, 12).arrayBuffer());
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return "image/gif";
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Check a picked file before asking for a form. Resolves to its content type. */
export async function checkImageFile(file, { maxBytes = MAX_BYTES } = {}) {
  if (!file) throw new UploadError("Choose an image file first.", "no_file");
  if (file.size === 0) throw new UploadError("That file is empty.", "empty");
  if (file.size > maxBytes) {
    throw new UploadError(`That file is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is ${Math.round(maxBytes / 1024 / 1024)} MB.`, "too_large");
  }
  const type = await sniffImageType(file);
  if (!type) throw new UploadError("That file is not a JPEG, PNG, WebP or GIF image.", "unsupported_type");
  return type;
}

function s3Message(xhr) {
  // S3 answers errors as XML: <Error><Code>EntityTooLarge</Code><Message>…</Message></Error>
  try {
    const doc = new DOMParser().parseFromString(xhr.responseText || "", "application/xml");
    const code = doc.querySelector("Code")?.textContent;
    const text = doc.querySelector("Message")?.textContent;
    if (code === "EntityTooLarge") return "The file is larger than the upload form allows.";
    if (code === "AccessDenied" && /expired/i.test(text ?? "")) return "The upload form expired. Please try again.";
    if (text) return `The storage service refused the upload: ${text}`;
  } catch { /* not XML */ }
  return `The storage service refused the upload (HTTP ${xhr.status}).`;
}

/**
 * POST `file` to the bucket with the API's form ({url, fields}): every field first,
 * the file last, as S3 requires. onProgress(loaded, total) follows the bytes sent.
 */
export function postToBucket(form, file, { onProgress, signal } = {}) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append("file", file);

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.url);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.(file.size, file.size);
        resolve();
      } else {
        reject(new UploadError(s3Message(xhr), "s3_refused"));
      }
    });
    xhr.addEventListener("error", () => reject(new UploadError(
      "The upload could not reach the storage service. Check your connection and try again.", "network_error")));
    xhr.addEventListener("abort", () => reject(new DOMException("upload cancelled", "AbortError")));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** A drop zone around a file input: click, keyboard (the input is focusable) or drop.
 *  onFile gets the first file; with `multiple`, it gets them all, as an array. */
export function wireDropZone(zone, input, onFile, { multiple = false } = {}) {
  const hand = (files) => {
    const list = [...(files ?? [])];
    if (!list.length || input.disabled) return;
    onFile(multiple ? list : list[0]);
  };
  input.multiple = multiple;
  input.addEventListener("change", () => {
    hand(input.files);
    input.value = ""; // picking the same file again must fire change again
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    hand(event.dataTransfer?.files);
  });
}

/** A progress bar with its label and the bytes sent so far; `update` is postToBucket's
 *  onProgress. */
export function progressBlock(label) {
  const bar = h("progress", { max: 100, value: 0, "aria-label": label });
  const percent = h("span", {}, "0%");
  const element = h("div", { class: "progress-block" },
    h("div", { class: "progress-line" }, h("span", {}, label), percent), bar);
  return {
    element,
    update(loaded, total) {
      bar.value = Math.round((loaded / total) * 100);
      percent.textContent = `${bar.value}% · ${formatBytes(loaded)} of ${formatBytes(total)}`;
    },
  };
}

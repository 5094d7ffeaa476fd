// The values of a matched template's variables, decoded the way
// google/api/http.proto specifies: a single-segment variable is fully
// percent-decoded; a multi-segment one is decoded except for "%2F", which
// stays encoded so that the value's own segments can still be told apart.
import { isSingleSegment, type PathTemplate } from "./path-template.js";

export class PathValueError extends Error {
  override name = "PathValueError";
}

export interface PathValue {
  fieldPath: string[];
  value: string;
}

export function pathValues(t: PathTemplate, segments: string[]): PathValue[] {
  return t.variables.map((v) => {
    const raw = segments.slice(v.start, v.end ?? segments.length);
    const name = v.fieldPath.join(".");
    if (isSingleSegment(v, t)) return { fieldPath: v.fieldPath, value: decode(raw[0]!, name, false) };
    return { fieldPath: v.fieldPath, value: raw.map((s) => decode(s, name, true)).join("/") };
  });
}

function decode(segment: string, name: string, keepSlash: boolean): string {
  if (!segment.includes("%")) return segment;
  try {
    if (!keepSlash) return decodeURIComponent(segment);
    return segment
      .split(/(%2[Ff])/)
      .map((part, i) => (i % 2 === 1 ? part : decodeURIComponent(part)))
      .join("");
  } catch {
    throw new PathValueError(`path parameter '${name}' is not valid percent-encoding`);
  }
}

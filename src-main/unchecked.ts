/**
 * `Unchecked<T>`: a JSON document that claims to be a T but has not been validated yet (a manifest
 * read from disk, arguments sent by the page). Every field may be missing or null, so code that
 * reads one says what it does then. Validation is what turns an `Unchecked<T>` into a `T`.
 */
export type Unchecked<T> = T extends readonly (infer U)[]
  ? readonly (Unchecked<U> | null | undefined)[]
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { [K in keyof T]?: Unchecked<T[K]> | null | undefined }
      : T | null | undefined;

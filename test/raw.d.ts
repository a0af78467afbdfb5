/** Vite's ?raw imports: a file as text (ambient: this file imports nothing). */
declare module "*?raw" {
  const text: string;
  export default text;
}

/** Vite's glob import (the tests read source files as text with `query: "?raw"`). */
interface ImportMeta {
  glob(pattern: string, options: { query: string; import: string; eager: true }): Record<string, unknown>;
}

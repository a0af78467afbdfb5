/** Vite's ?raw imports: a file as text (ambient: this file imports nothing). */
declare module "*?raw" {
  const text: string;
  export default text;
}

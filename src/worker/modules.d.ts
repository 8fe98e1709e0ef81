// Wrangler bundles `*.bin` files as Data modules (see [[rules]] in wrangler.toml): the import is an ArrayBuffer.
declare module '*.bin' {
  const bytes: ArrayBuffer;
  export default bytes;
}

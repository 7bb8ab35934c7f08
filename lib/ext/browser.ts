/**
 * The one place that chooses the browser API object. With the `@wxt-dev/webextension-polyfill` module, WXT's
 * `browser` is Mozilla's webextension-polyfill: promise-based `browser.*` in Chrome and Firefox alike.
 */
export { browser } from 'wxt/browser';
export type { Browser } from 'wxt/browser';

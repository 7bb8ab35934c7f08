// The bench page's steady two-PC loopback call (pages/bench.html) in a new tab, for e2e checks that need a call
// running while they do something else (the hostile page, a background tab).
import assert from 'node:assert/strict';
import { waitFor } from './util.mjs';

/**
 * Opens bench.html in a new tab and waits until its call connected.
 * @param {{ browserName: string, serverUrl: string, newPage: () => Promise<any> }} b
 * @returns {Promise<{ call: any, callUrl: string }>} the tab (Playwright or puppeteer page) and its URL
 */
export async function startBenchCall({ browserName, serverUrl, newPage }) {
  const call = await newPage();
  const callUrl = `${serverUrl}bench.html`;
  await call.goto(callUrl);
  await waitFor(() => call.evaluate(() => window.benchState.connected || window.benchState.error), { timeout: 60_000, what: `${browserName}: call connected` });
  assert.equal(await call.evaluate(() => window.benchState.error), null, `${browserName}: the call page connected`);
  return { call, callUrl };
}

// Heap composition of the bench call page over a long call, with the extension: V8's compiled code vs everything
// else, from heap snapshots after forced GCs. Tells a warm-up (functions being optimized) from data that grows.
// After `npm run build`: node scripts/bench/heap-series.mjs [extensionDir=.output/chrome-mv3] [everySeconds=180] [count=5]
import { launchChromiumWithExtension } from '../../tests/e2e/support/chromium.mjs';
import { ensureNetns } from '../../tests/e2e/support/netns.mjs';
import { CROSS_ORIGIN_ISOLATION_HEADERS, startServer } from '../../tests/e2e/support/server.mjs';
import { waitFor } from '../../tests/e2e/support/util.mjs';
await ensureNetns();
const [extDir = '.output/chrome-mv3', every = '180', count = '5'] = process.argv.slice(2);
const server = await startServer({ headers: { ['/bench.html']: CROSS_ORIGIN_ISOLATION_HEADERS } });
const b = await launchChromiumWithExtension({ extensionDir: extDir });
const page = await b.context.newPage();
await page.goto(server.url + 'bench.html');
await waitFor(() => page.evaluate(() => window.benchState.connected), { timeout: 30000 });
const cdp = await b.context.newCDPSession(page);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
async function sample() {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const u = await cdp.send('Runtime.getHeapUsage');
  const chunks = [];
  const on = (e) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', on);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', on);
  const s = JSON.parse(chunks.join(''));
  const nf = s.snapshot.meta.node_fields, types = s.snapshot.meta.node_types[0], N = nf.length;
  const iT = nf.indexOf('type'), iS = nf.indexOf('self_size');
  let code = 0, other = 0;
  for (let i = 0; i < s.nodes.length; i += N) { if (types[s.nodes[i + iT]] === 'code') code += s.nodes[i + iS]; else other += s.nodes[i + iS]; }
  console.log(JSON.stringify({ s: Math.round((Date.now() - t0) / 1000), usedSize: u.usedSize, code, other }));
}
await sleep(30000);
for (let i = 0; i < Number(count); i++) { await sample(); if (i < Number(count) - 1) await sleep(Number(every) * 1000); }
await b.close(); await server.close();

// What the panel shows during a live loopback call, read from its DOM the way a user sees it. Shared by the
// Chromium (Playwright) and Firefox (puppeteer) panel tests: both `page.evaluate(fn, arg)` take the same form.
import assert from 'node:assert/strict';
import { waitFor } from './util.mjs';

/** Selects a connection tab ("PC <pcId>") and waits until its page shows. */
export async function selectConnection(panel, pcId) {
  await waitFor(
    () =>
      panel.evaluate((id) => {
        const tab = [...document.querySelectorAll('[role="tab"]')].find((t) => t.textContent.trim().startsWith(`PC ${id} `) || t.textContent.trim() === `PC ${id}`);
        if (!tab) return false;
        if (tab.getAttribute('aria-selected') !== 'true') tab.click();
        return tab.getAttribute('aria-selected') === 'true';
      }, pcId),
    { timeout: 20_000, what: `connection tab PC ${pcId} selected` },
  );
}

/** The chart's newest drawn x (epoch ms) and the legend's latest values, read from the DOM. */
export async function readChart(panel, chartId) {
  return panel.evaluate((id) => {
    const figure = document.querySelector(`figure[data-chart-id="${id}"]`);
    if (!figure) return null;
    const plot = figure.querySelector('.ts-chart__plot');
    const lastX = plot?.dataset.lastX ? Number(plot.dataset.lastX) * 1000 : null;
    const legend = [...figure.querySelectorAll('.u-legend tr.u-series')].slice(1).map((row) => ({
      label: row.querySelector('.u-label')?.textContent ?? '',
      value: row.querySelector('.u-value')?.textContent ?? '',
    }));
    return { lastX, legend, now: Date.now() };
  }, chartId);
}

/**
 * The live-panel checks on a sending PC: the send-bitrate chart keeps up (its last x within 2 s of now,
 * three times in a row, a second apart) with a bitrate > 0, and so does its data channel's; the candidate-pair table
 * shows a succeeded, selected pair; the event log holds the offer (sender) and, on the receiving PC, the answer.
 */
export async function checkLivePanel(panel, { senderPcId, receiverPcId, browserName }) {
  await selectConnection(panel, senderPcId);
  const lags = [];
  for (let i = 0; i < 3; i++) {
    let last = null;
    const positive = (c) => c.legend.some((s) => Number.parseFloat(s.value.replace(/,/g, '')) > 0);
    const chart = await waitFor(async () => {
      const c = (last = await readChart(panel, 'bitrate-send'));
      // The first rate needs two samples: early in a call the legend may still show "—".
      return c && c.lastX !== null && c.now - c.lastX <= 2000 && positive(c) ? c : null;
    }, { timeout: 10_000, what: `${browserName}: send bitrate chart's last x within 2 s of now, bitrate > 0 (last read: ${JSON.stringify(last)})` }).catch((e) => {
      throw new Error(`${e.message}; last read: ${JSON.stringify(last)}`);
    });
    lags.push(chart.now - chart.lastX);
    await new Promise((r) => setTimeout(r, 1000));
  }
  // The demo page sends a chat message a second on its data channel: the sender's data-channel chart names the channel
  // by its label and shows what it sent (charts draw only in view: the panel is scrolled to it, and back after).
  const scrolled = await panel.evaluateHandle(() => {
    const before = new Map([...document.querySelectorAll('*')].filter((el) => el.scrollTop > 0).map((el) => [el, el.scrollTop]));
    document.querySelector('figure[data-chart-id="data-channel-bitrate"]')?.scrollIntoView();
    return before;
  });
  let lastChannel = null;
  await waitFor(async () => {
    const c = (lastChannel = await readChart(panel, 'data-channel-bitrate'));
    return c?.legend.some((s) => /^"chat" \(id \d+\) sent/.test(s.label) && Number.parseFloat(s.value) > 0) ?? false;
  }, { timeout: 10_000, what: `${browserName}: the data channel's sent bitrate > 0` }).catch((e) => {
    throw new Error(`${e.message}; last read: ${JSON.stringify(lastChannel)}`);
  });
  await scrolled.evaluate((before) => {
    for (const el of document.querySelectorAll('*')) if (el.scrollTop > 0 || before.has(el)) el.scrollTop = before.get(el) ?? 0;
  });
  await scrolled.dispose();
  // Every chart that has drawn shows its newest sample inside its x window (a chart that followed an x scale of its
  // own once drew every line off the canvas while its data-last-x kept up).
  const windows = await panel.evaluate(() =>
    [...document.querySelectorAll('figure[data-chart-id] .ts-chart__plot')]
      .filter((plot) => plot.dataset.lastX)
      .map((plot) => ({ id: plot.closest('figure').dataset.chartId, lastX: Number(plot.dataset.lastX), min: Number(plot.dataset.xMin), max: Number(plot.dataset.xMax) })),
  );
  assert.ok(windows.length > 0, `${browserName}: some chart has drawn`);
  for (const w of windows) assert.ok(w.min <= w.lastX && w.lastX <= w.max, `${browserName}: chart ${w.id} shows its newest sample (x window ${w.min}…${w.max}, newest ${w.lastX})`);
  const pair = await waitFor(
    () =>
      panel.evaluate(() => {
        const row = document.querySelector('section[aria-label="Candidate pairs"] tr.cp-selected');
        if (!row) return null;
        return { text: [...row.cells].map((c) => c.textContent.trim()).join(' | '), state: row.querySelector('td:nth-child(4)')?.textContent };
      }),
    { timeout: 10_000, what: `${browserName}: a selected candidate pair` },
  );
  assert.equal(pair.state, 'succeeded', `${browserName}: the selected pair succeeded (${pair.text})`);
  const offerLog = await eventSummaries(panel);
  assert.ok(offerLog.some((s) => /createOffer/.test(s)), `${browserName}: the sender's event log has createOffer (${offerLog.slice(0, 12).join(' | ')})`);
  assert.ok(offerLog.some((s) => /setLocalDescription/.test(s) && /offer/.test(s)), `${browserName}: setLocalDescription(offer) logged`);
  // The log is one Tab stop: real key presses move between its entries, and Tab leaves it.
  const stops = await panel.evaluate(() => [...document.querySelectorAll('section.event-log .el-list .el-toggle')].map((b) => b.tabIndex));
  assert.deepEqual(stops.filter((t) => t === 0).length, 1, `${browserName}: one Tab stop among the event log's ${stops.length} entries`);
  await panel.evaluate(() => document.querySelector('section.event-log .el-list .el-toggle[tabindex="0"]').focus());
  const focusedSeq = () => panel.evaluate(() => document.activeElement?.closest('.el-list > li')?.dataset.seq ?? null);
  const first = await focusedSeq();
  await panel.keyboard.press('ArrowDown');
  const second = await focusedSeq();
  assert.ok(first !== null && second !== null && second !== first, `${browserName}: ArrowDown moves from entry ${first} to the next (${second})`);
  await panel.keyboard.press('Tab');
  assert.equal(await focusedSeq(), null, `${browserName}: Tab leaves the event log`);
  // A filter that hides the focused entry (its kind unticked by a click that does not take the focus along, as
  // Safari's) leaves the focus in the list, on its new Tab stop, not on <body> (where Chromium put it, in some runs).
  const rescued = await panel.evaluate(() => {
    [...document.querySelectorAll('section.event-log .el-list > li.el-kind-call > .el-toggle')].at(-1).focus();
    const box = [...document.querySelectorAll('section.event-log .el-kind-option')].find((l) => l.textContent.trim().startsWith('API calls')).querySelector('input');
    box.click();
    return new Promise((resolve) =>
      requestAnimationFrame(() => {
        const active = document.activeElement;
        const result = { inList: active?.matches('section.event-log .el-list > li > .el-toggle[tabindex="0"]') ?? false, tag: active?.tagName ?? null };
        box.click();
        resolve(result);
      }),
    );
  });
  assert.ok(rescued.inList, `${browserName}: the focus moves to the log's new Tab stop when its entry is filtered out (it is on ${rescued.tag})`);

  await selectConnection(panel, receiverPcId);
  const answerLog = await waitFor(async () => {
    const log = await eventSummaries(panel);
    return log.some((s) => /createAnswer/.test(s)) ? log : null;
  }, { timeout: 10_000, what: `${browserName}: the receiver's event log has createAnswer` });
  return { lagsMs: lags, pair: pair.text.trim().replace(/\s+/g, ' '), events: offerLog.length + answerLog.length };
}

async function eventSummaries(panel) {
  return panel.evaluate(() => [...document.querySelectorAll('section.event-log .el-entry')].map((li) => li.textContent.replace(/\s+/g, ' ').trim()));
}

/**
 * The background as the extension starts it (startBackground with fake browser APIs, fake-indexeddb): retention
 * runs when new limits are saved and when a view's dump worker says it imported sessions, not only when a recorded
 * session ends (a QA pass lowered the size limit and nothing was deleted until a later call ended).
 */
import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { startBackground } from '../../../lib/background/start-background';
import { createPortPair, type PortLike } from '../../../lib/protocol/port';
import type { BackgroundToView, ViewToBackground } from '../../../lib/protocol/messages';
import { VIEW_PORT } from '../../../lib/protocol/constants';
import { announceSessionsChanged } from '../../../lib/protocol/sessions-channel';
import { openScopeDb } from '../../../lib/storage/open-db';
import { SessionStore } from '../../../lib/storage/session-store';
import { connectToBackground } from '../../../lib/views/background-client';
import { makeSummary } from '../../fixtures/session-builders';

const MB = 1024 * 1024;
let n = 0;

async function start() {
  const dbName = `start-background-${++n}`;
  const area = new Map<string, unknown>();
  let onConnect: ((port: PortLike) => void) | null = null;
  startBackground({
    runtime: { onConnect: { addListener: (cb) => void (onConnect = cb) }, onStartup: { addListener: () => undefined } },
    tabs: { onRemoved: { addListener: () => undefined }, query: async () => [], sendMessage: async () => undefined },
    storageArea: {
      get: async (key: string) => (area.has(key) ? { [key]: area.get(key) } : {}),
      set: async (items: Record<string, unknown>) => void Object.entries(items).forEach(([k, v]) => area.set(k, v)),
    },
    dbName,
  });
  const client = connectToBackground(() => {
    const [view, bg] = createPortPair<ViewToBackground, BackgroundToView>(VIEW_PORT);
    onConnect!(bg as unknown as PortLike);
    return view;
  });
  // Three ended sessions of 1 MB each, the oldest first (stored as a view's dump worker or an earlier worker would).
  const store = new SessionStore(await openScopeDb(dbName));
  const now = Date.now();
  for (let i = 0; i < 3; i++) {
    const id = `1:s${i}`;
    await store.commit({ session: makeSummary({ id, startedAt: now - 3000 + i, lastActivityAt: now - 3000 + i * 1000, endedAt: now - 3000 + i * 1000, bytes: MB }), pcs: [], events: [], samples: [], chunks: [] });
  }
  return { client, store };
}

describe('startBackground: retention', () => {
  it('deletes the oldest sessions as soon as a lower size limit is saved, and the notice is there when the save answers', async () => {
    const { client } = await start();
    expect((await client.request({ type: 'list-sessions' })).map((s) => s.id).sort()).toEqual(['1:s0', '1:s1', '1:s2']);
    await client.request({ type: 'set-settings', settings: { retention: { maxAgeDays: 30, maxTotalMB: 2 } } });
    expect((await client.request({ type: 'list-sessions' })).map((s) => s.id).sort()).toEqual(['1:s1', '1:s2']);
    const [notice] = await client.request({ type: 'get-notices' });
    expect(notice.message).toMatch(/^Deleted 1 recorded session: 1 to keep storage under 2 MB\. “loopback” \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.$/);
    client.close();
  });

  it('applies the limits after an import (a dump worker announcing it)', async () => {
    const { client, store } = await start();
    // 3 MB stored, under the limit: the save deletes nothing.
    await client.request({ type: 'set-settings', settings: { retention: { maxAgeDays: 30, maxTotalMB: 5 } } });
    expect(await client.request({ type: 'list-sessions' })).toHaveLength(3);
    // A 3 MB import (retained from its import time): 6 MB, so the oldest recorded session goes.
    await store.commit({ session: makeSummary({ id: 'import:big', endedAt: Date.now(), lastActivityAt: Date.now(), bytes: 3 * MB, imported: { fileName: 'big.json', format: 'webrtc-internals', importedAt: Date.now() } }), pcs: [], events: [], samples: [], chunks: [] });
    announceSessionsChanged('imported');
    await vi.waitFor(async () => expect((await client.request({ type: 'list-sessions' })).map((s) => s.id).sort()).toEqual(['1:s1', '1:s2', 'import:big']));
    client.close();
  });
});

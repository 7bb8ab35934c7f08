// Types of turn-reject.mjs, for the TypeScript unit test that imports it (tests/unit/e2e-support/).
export const MAGIC_COOKIE: number;
export const HEADER_BYTES: number;
export const METHOD: Readonly<{ BINDING: number; ALLOCATE: number; REFRESH: number }>;
export const CLASS: Readonly<{ REQUEST: number; INDICATION: number; SUCCESS: number; ERROR: number }>;
export const ATTR: Readonly<{
  MAPPED_ADDRESS: number;
  USERNAME: number;
  MESSAGE_INTEGRITY: number;
  ERROR_CODE: number;
  REALM: number;
  NONCE: number;
  XOR_MAPPED_ADDRESS: number;
  SOFTWARE: number;
  FINGERPRINT: number;
}>;
export const REASONS: Readonly<Record<number, string>>;

export interface StunAttribute {
  type: number;
  value: Buffer;
}
export interface StunMessage {
  type: number;
  method: number;
  cls: number;
  transactionId: Buffer;
  attributes: StunAttribute[];
}
export function messageType(method: number, cls: number): number;
export function splitMessageType(type: number): { method: number; cls: number };
export function encodeMessage(message: { method: number; cls: number; transactionId: Buffer; attributes?: StunAttribute[] }): Buffer;
export function decodeMessage(buf: Buffer): StunMessage | null;
export function errorCodeValue(code: number, reason?: string): Buffer;
export function parseErrorCode(value: Buffer): { code: number; reason: string };
export function xorMappedAddressValue(address: string, port: number, transactionId: Buffer): Buffer;
export function parseXorMappedAddress(value: Buffer, transactionId: Buffer): { address: string; port: number };
export function isLocalSender(address: string): boolean;
export function namesServer(url: unknown, turn: { url: string }): boolean;

export interface TurnRequest {
  method: number;
  cls: number;
  from: string;
  username?: string;
  authenticated: boolean;
  answer: string;
}
export interface TurnReject {
  host: string;
  port: number;
  url: string;
  realm: string;
  rejectCode: number;
  requests: TurnRequest[];
  waitForRequests(predicate: (r: TurnRequest) => boolean, options?: { timeout?: number; count?: number }): Promise<void>;
  close(): Promise<void>;
}
export function startTurnReject(options?: { host?: string; port?: number; rejectCode?: number; realm?: string }): Promise<TurnReject>;
export function checkTurnRejectRecorded(
  data: unknown,
  expected: {
    turn: { url: string; rejectCode: number };
    turnServer: { urls: string; username: string; credential: string };
    pageErrors: Record<string, unknown>[];
    expectedUrl: string;
    browserName: string;
  },
): string;

/** A JSON value: what crosses every boundary between the page, the relay, the worker and the views. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** An error as the page saw it: `name` is the DOMException/Error name, `message` its message. */
export interface ErrorInfo {
  name: string;
  message: string;
}

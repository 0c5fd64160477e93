// Calls to the silo's live-view bridge (/ui/api/…): each one is a gRPC handler of the silo, answered as JSON
// (unary) or server-sent events (streams). Errors carry gRPC's code and message; a silo that cannot be reached
// is told apart from one that refused the call.

export class ApiError extends Error {
  constructor(code, message) { super(`${code}: ${message}`); this.code = code; }
}

export class Unreachable extends Error {
  constructor(cause) { super(`the silo at ${location.host} is unreachable (${cause})`); }
}

export async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { cache: 'no-store' });
  } catch (e) {
    throw new Unreachable(e.message);
  }
  const body = await response.json().catch(() => ({ code: `HTTP_${response.status}`, message: response.statusText }));
  if (!response.ok) throw new ApiError(body.code, body.message);
  return body;
}

// Yields { event, data } for each server-sent event of the response; ends when the stream ends. `init` is fetch's
// (a POST body for a solve); `signal` in it stops the call (the silo then detaches from the solve).
export async function* events(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { cache: 'no-store', ...init });
  } catch (e) {
    if (init.signal?.aborted) return;
    throw new Unreachable(e.message);
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ code: `HTTP_${response.status}`, message: response.statusText }));
    throw new ApiError(body.code, body.message);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (true) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (init.signal?.aborted) return;
      throw new Unreachable(`the stream broke: ${e.message}`);
    }
    if (chunk.done) return;
    buffer += chunk.value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message', data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      yield { event, data: data ? JSON.parse(data) : {} };
    }
  }
}

// The banner under the header: one message at a time, 'error' (a call failed) or 'unreachable' (no silo).
export function showBanner(error) {
  const banner = document.getElementById('banner');
  banner.dataset.kind = error instanceof Unreachable ? 'unreachable' : 'error';
  banner.textContent = error.message;
  banner.hidden = false;
}

export function clearBanner() {
  document.getElementById('banner').hidden = true;
}

import { ApiRefusal, type ListQuery, type LocalEngine } from './local-engine.js';

/**
 * The local engine as a `fetch` for the `openai` SDK: the SDK builds the same requests as for a hosted
 * endpoint, and this answers them in-process, with the API's paths, list pages and error envelope.
 */
export function engineFetch(engine: LocalEngine): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === 'GET' || request.method === 'DELETE' ? '' : await request.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return reply(400, errorBody(new ApiRefusal(400, 'The request body is not valid JSON.')));
    }
    try {
      return reply(200, await route(engine, request.method, url, body));
    } catch (error) {
      const refusal = error instanceof ApiRefusal ? error : new ApiRefusal(500, `The local engine failed: ${error instanceof Error ? error.message : String(error)}`);
      return reply(refusal.status, errorBody(refusal));
    }
  };
}

async function route(engine: LocalEngine, method: string, url: URL, body: unknown): Promise<unknown> {
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const at = segments.indexOf('evals');
  const [, evalId, runs, runId, action, itemId] = at < 0 ? [] : segments.slice(at);
  const query = listQuery(url.searchParams);
  if (at >= 0 && evalId === undefined) {
    if (method === 'GET') return engine.listEvals(query);
    if (method === 'POST') return engine.createEval(body);
  } else if (evalId !== undefined && runs === undefined) {
    if (method === 'GET') return engine.getEval(evalId);
  } else if (evalId !== undefined && runs === 'runs') {
    if (runId === undefined) {
      if (method === 'GET') return engine.listRuns(evalId, query);
      if (method === 'POST') return engine.createRun(evalId, body);
    } else if (action === undefined) {
      if (method === 'GET') return engine.getRun(evalId, runId);
      // Older servers cancel with a POST to the run itself.
      if (method === 'POST') return engine.cancelRun(evalId, runId);
      if (method === 'DELETE') return engine.deleteRun(evalId, runId);
    } else if (action === 'cancel' && itemId === undefined && method === 'POST') {
      return engine.cancelRun(evalId, runId);
    } else if (action === 'output_items' && method === 'GET') {
      return itemId === undefined ? engine.listOutputItems(evalId, runId, query) : engine.getOutputItem(evalId, runId, itemId);
    }
  }
  throw new ApiRefusal(404, `The local engine has no ${method} ${url.pathname}.`);
}

function listQuery(params: URLSearchParams): ListQuery {
  const limit = Number(params.get('limit') ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ApiRefusal(400, 'limit must be an integer from 1 to 100.', 'limit');
  const order = params.get('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new ApiRefusal(400, 'order must be asc or desc.', 'order');
  return { after: params.get('after') ?? undefined, limit, order, status: params.get('status') ?? undefined };
}

function errorBody(refusal: ApiRefusal): unknown {
  return { error: { message: refusal.message, type: 'invalid_request_error', param: refusal.param, code: null } };
}

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

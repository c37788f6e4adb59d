// Generated-client contract test: drives a real gateway only through the TypeScript
// client that @hey-api/openapi-ts generated from openapi/openapi.json, with every answer
// validated at run time against the document's zod schemas. It creates rows whose
// optional fields are null and reads every list endpoint.
//
// Environment: GATEWAY_URL, MOCK_URL, ADMIN_PASSWORD, MOCK_KEY.

import { createClient } from './gen/client/index.js';
import * as api from './gen/sdk.gen.js';
import { zErrorBody } from './gen/zod.gen.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

let passed = 0;
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`FAILED: ${message}`);
  passed += 1;
}

/** A validated answer's data, or a thrown error naming the call. */
async function data<T>(name: string, call: Promise<{ data?: T; error?: unknown }>): Promise<T> {
  const result = await call;
  if (result.error !== undefined || result.data === undefined) {
    throw new Error(`${name} failed: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

async function main(): Promise<void> {
  const baseUrl = env('GATEWAY_URL');
  const anonymous = createClient({ baseUrl });
  const session = await data(
    'login',
    api.authLogin({ client: anonymous, body: { username: 'admin', password: env('ADMIN_PASSWORD') } }),
  );
  const admin = createClient({ baseUrl, auth: session.token });

  // Rows with nulls: a provider without timeouts, a key the strategy never shows, a
  // price without cache prices, a token without quota or expiry.
  const provider = await data(
    'provider_create',
    api.providerCreate({ client: admin, body: { name: 'ts', api_type: 'openai', base_url: env('MOCK_URL') } }),
  );
  check(provider.total_timeout_ms === null, `provider timeout is null: ${provider.total_timeout_ms}`);
  await data('key_create', api.keyCreate({ client: admin, path: { provider: 'ts' }, body: { key: env('MOCK_KEY') } }));
  await data('model_cache_add', api.modelCacheAdd({ client: admin, path: { provider: 'ts' }, body: { ids: ['gpt-4o'] } }));
  await data('price_create', api.priceCreate({ client: admin, body: { model: 'ts/*', input_price: 1, output_price: 2 } }));
  const me = await data('me', api.meGet({ client: admin }));
  await data(
    'user_balance',
    api.userBalance({ client: admin, path: { id: me.id }, body: { amount: 1_000_000, reason: 'ts test' } }),
  );
  const token = await data('token_create', api.tokenCreate({ client: admin, body: { name: 'ts' } }));
  check(token.token.expires_at === null && token.token.quota_limit === null, 'new token has no expiry or quota');

  // Log rows with and without a provider, error and token.
  const relay = createClient({ baseUrl, auth: token.key });
  const chat = await api.chat({
    client: relay,
    body: { model: 'ts/gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
  });
  check(chat.response.status === 200, `chat through the gateway: ${chat.response.status}`);
  const missing = await api.chat({ client: relay, body: { model: 'nope/x', messages: [] } });
  check(missing.response.status === 404, `unknown model: ${missing.response.status}`);
  const notFound = await api.providerGet({ client: admin, path: { provider: 'nope' } });
  const errorBody = zErrorBody.parse(notFound.error);
  check(errorBody.error.param === null, `error.param is null: ${JSON.stringify(errorBody)}`);

  // Every list endpoint, each answer validated against the document.
  const users = await data('user_list', api.userList({ client: admin }));
  check(users.some((u) => u.username === 'admin'), 'users listed');
  const tokens = await data('token_list', api.tokenList({ client: admin }));
  check(tokens.some((t) => t.name === 'ts' && t.last_used_at !== undefined), 'tokens listed');
  const providers = await data('provider_list', api.providerList({ client: admin }));
  check(providers.some((p) => p.name === 'ts' && p.first_byte_timeout_ms === null), 'providers listed');
  const keys = await data('key_list', api.keyList({ client: admin, path: { provider: 'ts' } }));
  check(keys.length === 1 && keys[0]?.key === null, `key never shown: ${JSON.stringify(keys)}`);
  const prices = await data('price_list', api.priceList({ client: admin }));
  check(prices.some((p) => p.model === 'ts/*' && p.cached_input_price === null), 'prices listed');
  const upstream = await data('provider_models', api.providerModels({ client: admin, path: { provider: 'ts' } }));
  check(upstream.ids.includes('gpt-4o'), 'upstream models listed');
  const models = await data('models_list', api.modelsList({ client: relay }));
  check(models.data.some((m) => m.id === 'ts/gpt-4o'), 'cached models listed');
  const audit = await data('audit_list', api.auditList({ client: admin, query: { limit: 2 } }));
  check(audit.items.length === 2 && audit.next_cursor !== null, 'audit page with a cursor');
  const lastAudit = await data('audit_list', api.auditList({ client: admin, query: { limit: 500 } }));
  check(lastAudit.next_cursor === null, 'last audit page has a null cursor');

  // Log rows are written in the background: wait for the two relayed ones.
  let logs = await data('logs_list', api.logsList({ client: admin }));
  for (let i = 0; i < 50 && logs.items.filter((r) => r.request_type === 'chat').length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    logs = await data('logs_list', api.logsList({ client: admin }));
  }
  const relayed = logs.items.filter((r) => r.request_type === 'chat');
  check(relayed.length === 2, `two relayed rows: ${relayed.length}`);
  check(relayed.some((r) => r.provider === 'ts' && r.error === null), 'a served row with a null error');
  check(relayed.some((r) => r.provider === null && r.error !== null), 'a failed row with a null provider');
  check(logs.items.some((r) => r.token_id === null && r.ttfb_ms === null), 'an admin row without token');
  check(logs.next_cursor === null, 'one page of logs');
  const first = relayed[0];
  if (first) {
    const row = await data('log_get', api.logGet({ client: admin, path: { request_id: first.request_id } }));
    check(row.request_id === first.request_id, 'one log row');
  }
  const usage = await data('usage', api.usage({ client: admin, query: { period: 'all' } }));
  check(usage.rows.length > 0 && usage.rows.every((r) => r.period === null), 'usage over the whole range');

  console.log(`ts client: ${passed} passed, 0 failed`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
